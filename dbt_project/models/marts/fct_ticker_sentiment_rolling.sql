{#- Incremental: the rows of the window and of the 29 days after it are rebuilt (their 30-day
    windows read the window's days), from the mentions of the window and 29 days either side,
    so re-running any window gives what a full build gives. Rows end at the last day with
    news, so days without any news (a quiet weekend) get their rows from the next run with
    news: it also builds the days between the table's last row and the window. And when a
    re-run leaves the last day without news, the rows after the new last day go. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'sentiment_date'],
        meta={'incremental_window': {'date_column': 'sentiment_date', 'days_after': 29}},
        pre_hook="{{ delete_after_last_news_day(
            'sentiment_date', ref('fct_ticker_mentions'), 'published_date'
        ) }}"
    )
}}

with

{% if is_incremental() -%}
-- After the pre-hook's delete: the first day this table has no row for.
unbuilt as (
    select coalesce(max(sentiment_date) + 1, {{ window_date('min_date') }}) as first_unbuilt_date
    from {{ this }}
),

{% endif -%}
mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
    where {{ in_incremental_window('published_date', days_before=29, days_after=29) }}
    {%- if is_incremental() %}
        or published_date between (select first_unbuilt_date - 29 from unbuilt)
        and {{ window_date('min_date') }}
    {%- endif %}
),

all_mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
),

tickers as (
    select * from {{ ref('dim_tickers') }}
),

last_news_day as (
    select max(published_date) as last_date
    from all_mentions
),

ticker_days as (
    select
        ticker,
        published_date as news_date,
        count(*) as article_count,
        sum({{ exact('relevance_score') }}) as total_relevance,
        sum({{ exact('relevance_score') }} * {{ exact('ticker_sentiment_score') }})
            as weighted_score_sum,
        sum({{ exact('ticker_sentiment_score') }}) as score_sum
    from mentions
    group by ticker, published_date
),

-- A ticker has a row on every calendar day whose trailing 30 days hold news about it, up to
-- the last day the warehouse has news: quiet days inside that span get rows too.
calendar as (
    select distinct
        ticker_days.ticker,
        ticker_days.news_date + cast(day_offsets.day_offset as integer) as sentiment_date
    from ticker_days
    cross join generate_series(0, 29) as day_offsets (day_offset)
    cross join last_news_day
    where ticker_days.news_date + cast(day_offsets.day_offset as integer) <= last_news_day.last_date
),

calendar_in_window as (
    select * from calendar
    where {{ in_incremental_window('sentiment_date', days_after=29) }}
    {%- if is_incremental() %}
        or sentiment_date between (select first_unbuilt_date from unbuilt)
        and {{ window_date('min_date') }}
    {%- endif %}
),

windowed as (
    select
        calendar_in_window.ticker,
        calendar_in_window.sentiment_date,
        coalesce(sum(ticker_days.article_count) filter (
            where ticker_days.news_date = calendar_in_window.sentiment_date
        ), 0) as article_count,
        coalesce(sum(ticker_days.article_count) filter (
            where ticker_days.news_date > calendar_in_window.sentiment_date - 7
        ), 0) as article_count_7d,
        sum(ticker_days.weighted_score_sum) filter (
            where ticker_days.news_date > calendar_in_window.sentiment_date - 7
        ) as weighted_score_sum_7d,
        sum(ticker_days.total_relevance) filter (
            where ticker_days.news_date > calendar_in_window.sentiment_date - 7
        ) as total_relevance_7d,
        sum(ticker_days.score_sum) filter (
            where ticker_days.news_date > calendar_in_window.sentiment_date - 7
        ) as score_sum_7d,
        sum(ticker_days.article_count) as article_count_30d,
        sum(ticker_days.weighted_score_sum) as weighted_score_sum_30d,
        sum(ticker_days.total_relevance) as total_relevance_30d,
        sum(ticker_days.score_sum) as score_sum_30d
    from calendar_in_window
    inner join ticker_days
        on calendar_in_window.ticker = ticker_days.ticker
        and ticker_days.news_date between calendar_in_window.sentiment_date - 29
        and calendar_in_window.sentiment_date
    group by calendar_in_window.ticker, calendar_in_window.sentiment_date
),

scored as (
    select
        ticker,
        sentiment_date,
        article_count,
        article_count_7d,
        article_count_30d,
        -- All-zero relevance (possible from an LLM) falls back to the plain mean.
        round(case when article_count_7d > 0 then coalesce(
            weighted_score_sum_7d / nullif(total_relevance_7d, 0),
            score_sum_7d / article_count_7d
        ) end, 4) as weighted_sentiment_7d,
        round(coalesce(
            weighted_score_sum_30d / nullif(total_relevance_30d, 0),
            score_sum_30d / article_count_30d
        ), 4) as weighted_sentiment_30d
    from windowed
),

final as (
    select
        scored.ticker,
        tickers.sector,
        scored.sentiment_date,
        cast(scored.article_count as bigint) as article_count,
        cast(scored.article_count_7d as bigint) as article_count_7d,
        cast(scored.article_count_30d as bigint) as article_count_30d,
        scored.weighted_sentiment_7d,
        scored.weighted_sentiment_30d,
        round(scored.weighted_sentiment_7d - scored.weighted_sentiment_30d, 4) as sentiment_momentum
    from scored
    left join tickers on scored.ticker = tickers.symbol
)

select * from final
