{#- A table rebuilt in full on every run: each row averages over every shock of the history.
    It reads the per-shock rows of fct_shock_event_returns (incremental), 16 a shock, so a
    rebuild never goes back to the returns or the shocks, and sums them a ticker at a time
    before the cross-sections. -#}
with

event_returns as (
    select * from {{ ref('fct_shock_event_returns') }}
),

groups as (
    select * from {{ ref('int_ticker_groups') }}
),

-- Shocks with an abnormal return on every session from -5 to the row's.
complete as (
    select * from event_returns
    where car is not null
),

-- Exact sums a ticker first, then a cross-section: decimal sums add up to the same value in
-- any grouping, and the join to the cross-sections sees a row per ticker, not per shock.
by_ticker as (
    select
        ticker,
        direction,
        relative_day,
        count(*) as event_count,
        sum({{ exact_return('abnormal_return') }}) as abnormal_sum,
        sum({{ exact_return('car') }}) as car_sum,
        sum({{ exact_return('car') }} * {{ exact_return('car') }}) as car_square_sum
    from complete
    group by ticker, direction, relative_day
),

by_group as (
    select
        groups.group_type,
        groups.group_name,
        by_ticker.direction,
        by_ticker.relative_day,
        cast(sum(by_ticker.event_count) as bigint) as event_count,
        sum(by_ticker.abnormal_sum) as abnormal_sum,
        sum(by_ticker.car_sum) as car_sum,
        sum(by_ticker.car_square_sum) as car_square_sum
    from by_ticker
    inner join groups on by_ticker.ticker = groups.ticker
    group by groups.group_type, groups.group_name, by_ticker.direction, by_ticker.relative_day
),

-- The sample standard deviation of macros/returns.sql (exact_stddev) from those sums.
stats as (
    select
        group_type,
        group_name,
        direction,
        relative_day,
        event_count,
        cast(abnormal_sum as double) / event_count as mean_abnormal_return,
        cast(car_sum as double) / event_count as mean_car,
        case
            when event_count >= 2 then sqrt(greatest(cast(
                event_count * car_square_sum - car_sum * car_sum as double
            ) / (event_count * (event_count - 1)), 0))
        end / sqrt(event_count) as car_stderr
    from by_group
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
    from stats
)

select * from final
