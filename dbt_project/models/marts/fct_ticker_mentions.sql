with

mentions as (
    select * from {{ ref('int_ticker_mentions_unnested') }}
),

tickers as (
    select * from {{ ref('dim_tickers') }}
),

final as (
    select
        mentions.article_id,
        mentions.ticker,
        tickers.sector,
        mentions.published_date,
        mentions.published_at,
        mentions.source,
        mentions.title,
        mentions.relevance_score,
        mentions.ticker_sentiment_score,
        mentions.ticker_sentiment_label
    from mentions
    left join tickers on mentions.ticker = tickers.symbol
)

select * from final
