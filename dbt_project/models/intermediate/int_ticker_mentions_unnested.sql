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
        -- One column per struct field (ticker, relevance_score, ...): no single alias fits.
        unnest(tickers, recursive := true)  -- noqa: AL03
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
