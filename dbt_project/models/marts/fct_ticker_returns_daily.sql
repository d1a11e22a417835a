{#- A table rebuilt in full on every run. Its cost follows the prices (tickers x sessions),
    never the news history; and a session's forward returns change whenever a price of the
    20 sessions after it lands or is corrected, which a full rebuild always gets right. -#}
{%- set horizons = [1, 5, 20] %}

with

returns as (
    select * from {{ ref('int_ticker_returns_sessions') }}
),

forward as (
    select
        returns.ticker,
        returns.session_date,
        returns.session_index,
        returns.invented,
        returns.return_1d,
        {%- for h in horizons %}
        -- From this session's close to the close {{ h }} session(s) later: what the news of
        -- the session (published up to its close) could still earn.
        ahead_{{ h }}.return_price / returns.return_price - 1 as fwd_return_{{ h }}d
        {{- ',' if not loop.last }}
        {%- endfor %}
    from returns
    {%- for h in horizons %}
    left join returns as ahead_{{ h }}
        on returns.ticker = ahead_{{ h }}.ticker
        and ahead_{{ h }}.session_index = returns.session_index + {{ h }}
    {%- endfor %}
),

final as (
    select
        forward.ticker,
        forward.session_date,
        forward.session_index,
        forward.invented,
        forward.return_1d,
        {%- for h in horizons %}
        forward.fwd_return_{{ h }}d,
        {%- endfor %}
        forward.return_1d - benchmark.return_1d as excess_return_1d,
        {%- for h in horizons %}
        forward.fwd_return_{{ h }}d - benchmark.fwd_return_{{ h }}d as excess_fwd_return_{{ h }}d
        {{- ',' if not loop.last }}
        {%- endfor %}
    from forward
    left join forward as benchmark
        on forward.session_date = benchmark.session_date
        and benchmark.ticker = {{ benchmark_ticker() }}
)

select * from final
