{#- Incremental by session. A price moves the session's own returns, the next session's
    return_1d and the forward returns of the 20 sessions before it, and any ticker's row
    moves with the benchmark's. A run lands the window's prices, and the evening before
    landed the days before it again (price corrections): it rebuilds every ticker's rows
    from 20 sessions before the first day the evening may have corrected to one session
    after the window, from the prices of those sessions and the 20 after them (the 20-session
    forward return of its last row; return_1d comes from int_ticker_returns_sessions).
    Counted in sessions of the calendar, so a holiday or a closure widens the days, never
    shortens the horizon. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'session_date'],
        meta={'incremental_window': {
            'date_column': 'session_date', 'with_moves': false, 'price_corrections': true,
            'sessions_before': 20, 'sessions_after': 1
        }}
    )
}}

with

returns as (
    select * from {{ ref('int_ticker_returns_sessions') }}
    where {{ in_incremental_window(
        'session_date', with_moves=false, price_corrections=true,
        sessions_before=20, sessions_after=21
    ) }}
),

-- From this session's close to the close 1, 5 and 20 sessions later: what the news of the
-- session (published up to its close) could still earn.
forward as (
    select
        returns.ticker,
        returns.session_date,
        returns.session_index,
        returns.invented,
        returns.return_1d,
        ahead_1.return_price / returns.return_price - 1 as fwd_return_1d,
        ahead_5.return_price / returns.return_price - 1 as fwd_return_5d,
        ahead_20.return_price / returns.return_price - 1 as fwd_return_20d
    from returns
    left join returns as ahead_1
        on returns.ticker = ahead_1.ticker
        and returns.session_index + 1 = ahead_1.session_index
    left join returns as ahead_5
        on returns.ticker = ahead_5.ticker
        and returns.session_index + 5 = ahead_5.session_index
    left join returns as ahead_20
        on returns.ticker = ahead_20.ticker
        and returns.session_index + 20 = ahead_20.session_index
),

final as (
    select
        forward.ticker,
        forward.session_date,
        forward.session_index,
        forward.invented,
        forward.return_1d,
        forward.fwd_return_1d,
        forward.fwd_return_5d,
        forward.fwd_return_20d,
        forward.return_1d - benchmark.return_1d as excess_return_1d,
        forward.fwd_return_1d - benchmark.fwd_return_1d as excess_fwd_return_1d,
        forward.fwd_return_5d - benchmark.fwd_return_5d as excess_fwd_return_5d,
        forward.fwd_return_20d - benchmark.fwd_return_20d as excess_fwd_return_20d
    from forward
    left join forward as benchmark
        on forward.session_date = benchmark.session_date
        and benchmark.ticker = {{ benchmark_ticker() }}
    where {{ in_incremental_window(
        'forward.session_date', with_moves=false, price_corrections=true,
        sessions_before=20, sessions_after=1
    ) }}
)

select * from final
