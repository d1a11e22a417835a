{#- A table rebuilt in full on every run. Its cost follows the prices (tickers x sessions),
    never the news history; and a session's forward returns change whenever a price of the
    20 sessions after it lands or is corrected, which a full rebuild always gets right. -#}
with

returns as (
    select * from {{ ref('int_ticker_returns_sessions') }}
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
)

select * from final
