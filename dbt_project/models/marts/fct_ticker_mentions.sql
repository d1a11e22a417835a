{#- Incremental by publication day, like fct_article_sentiment. The delete key is the article,
    not (article, ticker): a re-analysed article that moved day may name other tickers. -#}
{{
    config(
        materialized='incremental',
        unique_key='article_id',
        meta={'incremental_window': {'date_column': 'published_date'}}
    )
}}

with

mentions as (
    select * from {{ ref('int_ticker_mentions_unnested') }}
    where {{ in_incremental_window('published_date') }}
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
