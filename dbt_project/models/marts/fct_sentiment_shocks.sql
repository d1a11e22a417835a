{#- Incremental: a day's trailing window reads the 30 days before it, so the window and the
    30 days after it are rebuilt, from the daily rows of the window and 30 days either side. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'sentiment_date'],
        meta={'incremental_window': {'date_column': 'sentiment_date', 'days_after': 30}}
    )
}}

{%- set zscore_threshold = var('shock_zscore_threshold') | float -%}
{%- set min_trailing_days = var('shock_min_trailing_days') | int -%}
{%- set min_sentiment_stddev = var('shock_min_sentiment_stddev') | float -%}
{%- set min_volume_stddev = var('shock_min_volume_stddev') | float %}

with

daily as (
    select * from {{ ref('fct_ticker_sentiment_daily') }}
    where {{ in_incremental_window('sentiment_date', days_before=30, days_after=30) }}
),

-- The ticker's own 30 calendar days before the day, the day itself excluded.
trailing_windows as (
    select
        ticker,
        sector,
        sentiment_date,
        article_count,
        weighted_sentiment_score,
        count(*) over trailing_30d as trailing_days_with_news,
        min(sentiment_date) over trailing_30d as first_trailing_date,
        sum({{ exact('weighted_sentiment_score') }}) over trailing_30d as trailing_sentiment_sum,
        sum({{ exact('weighted_sentiment_score') }} * {{ exact('weighted_sentiment_score') }})
            over trailing_30d as trailing_sentiment_square_sum,
        cast(coalesce(sum(article_count) over trailing_30d, 0) as double) as trailing_article_sum,
        cast(coalesce(sum(article_count * article_count) over trailing_30d, 0) as double)
            as trailing_article_square_sum
    from daily
    window trailing_30d as (
        partition by ticker
        order by sentiment_date
        range between interval 30 days preceding and interval 1 day preceding
    )
),

-- Sentiment exists on days with news only. Volume counts calendar days, a day without news
-- as zero articles, from the first day with news in the trailing window: a ticker whose
-- coverage began a week ago is compared with that week, not with 23 empty days before it.
trailing_spans as (
    select
        *,
        cast(sentiment_date - first_trailing_date as double) as trailing_calendar_days
    from trailing_windows
    where
        trailing_days_with_news >= {{ min_trailing_days }}
        and {{ in_incremental_window('sentiment_date', days_after=30) }}
),

trailing_stats as (
    select
        ticker,
        sector,
        sentiment_date,
        article_count,
        weighted_sentiment_score,
        trailing_days_with_news,
        round(trailing_sentiment_sum / trailing_days_with_news, 4) as trailing_mean_sentiment,
        -- Sample standard deviation from exact sums: (n * sum(x^2) - sum(x)^2) / (n * (n - 1)).
        round(coalesce(sqrt(greatest(
            (
                trailing_days_with_news * trailing_sentiment_square_sum
                - trailing_sentiment_sum * trailing_sentiment_sum
            ) / nullif(trailing_days_with_news * (trailing_days_with_news - 1), 0),
            0
        )), 0), 4) as trailing_stddev_sentiment,
        round(trailing_article_sum / trailing_calendar_days, 4) as trailing_mean_article_count,
        round(coalesce(sqrt(greatest(
            (
                trailing_article_square_sum
                - trailing_article_sum * trailing_article_sum / trailing_calendar_days
            ) / nullif(trailing_calendar_days - 1, 0),
            0
        )), 0), 4) as trailing_stddev_article_count
    from trailing_spans
),

scored as (
    select
        *,
        round(
            (weighted_sentiment_score - trailing_mean_sentiment)
            / greatest(trailing_stddev_sentiment, {{ min_sentiment_stddev }}),
            4
        ) as sentiment_zscore,
        round(
            (article_count - trailing_mean_article_count)
            / greatest(trailing_stddev_article_count, {{ min_volume_stddev }}),
            4
        ) as volume_zscore
    from trailing_stats
),

flagged as (
    select
        *,
        abs(sentiment_zscore) >= {{ zscore_threshold }} as is_sentiment_shock,
        volume_zscore >= {{ zscore_threshold }} as is_volume_spike
    from scored
),

final as (
    select
        ticker,
        sector,
        sentiment_date,
        -- A day that is both keeps the sentiment shock as its type; the flags keep both.
        case
            when is_sentiment_shock and sentiment_zscore < 0 then 'sentiment_drop'
            when is_sentiment_shock then 'sentiment_spike'
            else 'volume_spike'
        end as shock_type,
        case
            when sentiment_zscore < 0 then 'down'
            when sentiment_zscore > 0 then 'up'
            else 'flat'
        end as direction,
        is_sentiment_shock,
        is_volume_spike,
        article_count,
        weighted_sentiment_score as sentiment_score,
        trailing_days_with_news,
        trailing_mean_sentiment,
        trailing_stddev_sentiment,
        sentiment_zscore,
        trailing_mean_article_count,
        trailing_stddev_article_count,
        volume_zscore
    from flagged
    where is_sentiment_shock or is_volume_spike
)

select * from final
