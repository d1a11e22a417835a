{#- Incremental by shock day. A shock's rows change when fct_sentiment_shocks rebuilds it (the
    window and the 30 days after, its articles) or when a return of its sessions -5..+10
    changes: the returns rebuilt from the first corrected day on (fct_ticker_returns_daily)
    reach the shocks whose session 0 lies up to 10 sessions before it, so the run rebuilds
    the shocks from 11 sessions before the first corrected day (a shock on a day without a
    session counts from the next) to 30 days after the window, reading the returns of 5
    sessions more before and 11 after (session +10 of the last shock's session). -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'sentiment_date', 'relative_day'],
        meta={'incremental_window': {
            'date_column': 'sentiment_date', 'days_after': 30, 'price_corrections': true,
            'sessions_before': 11
        }}
    )
}}

{%- set first_day, last_day = -5, 10 %}

with

shocks as (
    select * from {{ ref('fct_sentiment_shocks') }}
    where {{ in_incremental_window(
        'sentiment_date', days_after=30, price_corrections=true, sessions_before=11
    ) }}
),

returns as (
    select * from {{ ref('fct_ticker_returns_daily') }}
    where {{ in_incremental_window(
        'session_date', days_after=30, price_corrections=true,
        sessions_before=16, sessions_after=11
    ) }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

-- Day 0 is the shock day's session, or the next one when the shock fell on a day without a
-- session: its return (previous close to this close) is the first that can carry the news.
events as (
    select
        shocks.ticker,
        shocks.sentiment_date,
        shocks.direction,
        sessions.session_date as event_session_date,
        sessions.session_index as event_index
    from shocks
    asof inner join sessions
        on shocks.sentiment_date <= sessions.session_date
),

event_days as (
    select
        events.ticker,
        events.sentiment_date,
        events.direction,
        events.event_session_date,
        relative_days.relative_day,
        returns.session_date,
        -- Abnormal return: the ticker's return less the benchmark's (excess_return_1d).
        returns.excess_return_1d as abnormal_return
    from events
    cross join
        generate_series({{ first_day }}, {{ last_day }}) as relative_days (relative_day)
    left join returns
        on events.ticker = returns.ticker
        and returns.session_index = events.event_index + relative_days.relative_day
),

-- An event's CAR at day k sums its abnormal returns from day {{ first_day }} to k, and exists
-- only when none of them is missing.
cumulated as (
    select
        *,
        {{ exact_sum('abnormal_return', 'from_first_day') }} as car,
        count(abnormal_return) over from_first_day as days_with_return
    from event_days
    window from_first_day as (
        partition by ticker, sentiment_date
        order by relative_day
        rows between unbounded preceding and current row
    )
),

final as (
    select
        ticker,
        sentiment_date,
        direction,
        event_session_date,
        cast(relative_day as integer) as relative_day,
        session_date,
        abnormal_return,
        case when days_with_return = relative_day - ({{ first_day }}) + 1 then car end as car
    from cumulated
)

select * from final
