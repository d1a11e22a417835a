with

source as (
    select * from {{ source('raw', 'article_analysis') }}
),

final as (
    select
        article_id,
        partition_date,
        analyzer,
        model,
        prompt_version,
        analyzer || '/' || model || '/' || prompt_version as analysis_version,
        summary_sentence,
        summary_paragraph,
        overall_sentiment_score,
        overall_sentiment_label,
        tickers,
        analyzed_at
    from source
)

select * from final
