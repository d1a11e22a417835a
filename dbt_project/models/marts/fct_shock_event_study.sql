{#- A table rebuilt in full on every run: each row averages over every shock of the history.
    It reads the per-shock rows of fct_shock_event_returns (incremental), 16 a shock, so a
    rebuild never goes back to the returns or the shocks. -#}
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
