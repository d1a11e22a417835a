{#- The most negative article per ticker and day, for fct_portfolio_worst_news. Incremental by
    day like fct_ticker_sentiment_daily, and for every ticker, held or not: the portfolio mart
    stays a table rebuilt on every run (so a change of the holdings reaches every day) but
    reads one row per held ticker-day from here instead of every mention in history. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['ticker', 'sentiment_date'],
        on_schema_change='fail',
        pre_hook="{{ delete_incremental_window('sentiment_date') }}",
        meta={'incremental_window': {'date_column': 'sentiment_date', 'days_after': 0}}
    )
}}

with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
    where {{ in_incremental_window('published_date') }}
),

articles as (
    select * from {{ ref('fct_article_sentiment') }}
    where {{ in_incremental_window('published_date') }}
),

worst_mention_per_day as (
    select
        ticker,
        published_date as sentiment_date,
        article_id,
        title,
        ticker_sentiment_score,
        relevance_score
    from mentions
    qualify row_number() over (
        partition by ticker, published_date
        order by ticker_sentiment_score, relevance_score desc, published_at, article_id
    ) = 1
),

final as (
    select
        worst_mention_per_day.ticker,
        worst_mention_per_day.sentiment_date,
        worst_mention_per_day.article_id,
        worst_mention_per_day.title,
        articles.url,
        worst_mention_per_day.ticker_sentiment_score,
        worst_mention_per_day.relevance_score
    from worst_mention_per_day
    left join articles on worst_mention_per_day.article_id = articles.article_id
)

select * from final
