with

articles as (
    select * from {{ ref('int_articles_analysed') }}
),

final as (
    select
        article_id,
        published_date,
        published_at,
        source,
        title,
        url,
        summary_sentence,
        summary_paragraph,
        overall_sentiment_score,
        overall_sentiment_label,
        len(tickers) as ticker_count,
        analyzer,
        model,
        prompt_version,
        analyzed_at
    from articles
)

select * from final
