with

articles as (
    select * from {{ ref('int_articles_analysed') }}
),

unnested as (
    select
        article_id,
        published_date,
        published_at,
        source,
        title,
        url,
        analysis_version,
        unnest(tickers, recursive := true)
    from articles
),

final as (
    select
        article_id,
        ticker,
        published_date,
        published_at,
        source,
        title,
        url,
        relevance_score,
        ticker_sentiment_score,
        ticker_sentiment_label,
        analysis_version
    from unnested
)

select * from final
