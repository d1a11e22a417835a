{#- A table rebuilt in full on every run: each row's running sum reads every session before
    it, and the table holds one row per cross-section and session (a few per session), so a
    rebuild costs far less than the quintiles it reads. -#}
with

quintiles as (
    select * from {{ ref('fct_sentiment_quintile_returns') }}
),

spreads as (
    select
        group_type,
        group_name,
        session_date,
        cast(sum(ticker_count) as bigint) as ticker_count,
        -- Every quintile row of a session repeats the session's spread.
        max(spread_fwd_return_1d) as spread_fwd_return_1d
    from quintiles
    group by group_type, group_name, session_date
),

-- Summed, not compounded: the spread is a long-short book of constant size, and sums add up
-- by hand and stay readable when a session has no spread.
final as (
    select
        *,
        {{ exact_sum('spread_fwd_return_1d', '(
            partition by group_type, group_name
            order by session_date
            rows between unbounded preceding and current row
        )') }} as cumulative_spread_1d
    from spreads
)

select * from final
