{#- A table rebuilt in full on every run: each row averages over every shock of the history. -#}
{%- set first_day, last_day = -5, 10 %}

with

shocks as (
    select * from {{ ref('fct_sentiment_shocks') }}
),

returns as (
    select * from {{ ref('fct_ticker_returns_daily') }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

groups as (
    select * from {{ ref('int_ticker_groups') }}
),

-- Day 0 is the shock day's session, or the next one when the shock fell on a day without a
-- session: its return (previous close to this close) is the first that can carry the news.
events as (
    select
        shocks.ticker,
        shocks.sentiment_date,
        shocks.direction,
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
        relative_days.relative_day,
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

complete as (
    select * from cumulated
    where days_with_return = relative_day - ({{ first_day }}) + 1
),

by_group as (
    select
        groups.group_type,
        groups.group_name,
        complete.direction,
        complete.relative_day,
        count(*) as event_count,
        {{ exact_mean('complete.abnormal_return') }} as mean_abnormal_return,
        {{ exact_mean('complete.car') }} as mean_car,
        {{ exact_stddev('complete.car') }} / sqrt(count(*)) as car_stderr
    from complete
    inner join groups on complete.ticker = groups.ticker
    group by groups.group_type, groups.group_name, complete.direction, complete.relative_day
),

final as (
    select
        group_type,
        group_name,
        direction,
        cast(relative_day as integer) as relative_day,
        cast(event_count as bigint) as event_count,
        mean_abnormal_return,
        mean_car,
        car_stderr,
        -- Normal approximation; with few events read it as a rough band.
        mean_car - 1.96 * car_stderr as car_ci_low,
        mean_car + 1.96 * car_stderr as car_ci_high
    from by_group
)

select * from final
