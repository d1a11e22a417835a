{#- The most negative article per ticker and day, for fct_portfolio_worst_news. Incremental by
    day like fct_ticker_sentiment_daily, and for every ticker, held or not: the portfolio mart
    stays a table rebuilt on every run (so a change of the holdings reaches every day) but
    reads one row per held ticker-day from here instead of every mention in history. It reads
    the intermediate mentions, not the marts built from them (fct_ticker_mentions adds only
    the sector), so the intermediate layer never waits on a mart. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'sentiment_date'],
        meta={'incremental_window': {'date_column': 'sentiment_date'}}
    )
}}

with

mentions as (
    select * from {{ ref('int_ticker_mentions_unnested') }}
    where {{ in_incremental_window('published_date') }}
),

final as (
    select
        ticker,
        published_date as sentiment_date,
        article_id,
        title,
        url,
        ticker_sentiment_score,
        relevance_score
    from mentions
    qualify row_number() over (
        partition by ticker, published_date
        order by ticker_sentiment_score asc, relevance_score desc, published_at asc, article_id asc
    ) = 1
)

select * from final
