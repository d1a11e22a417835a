{#- Incremental by publication day: the window's days are deleted and rebuilt, and rows of the
    articles inserted are deleted wherever they were, since an article can move to another day. -#}
{{
    config(
        materialized='incremental',
        unique_key='article_id',
        meta={'incremental_window': {'date_column': 'published_date'}}
    )
}}

with

articles as (
    select * from {{ ref('int_articles_analysed') }}
    where {{ in_incremental_window('published_date') }}
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
