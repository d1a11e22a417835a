{#- Close-to-close returns on the calendar's sessions. A price on a day that is no session of
    the calendar is left out; a session without the ticker's price breaks its series, so the
    next return is null rather than a return over two sessions. The previous session is a join
    on its index, not lag(): a filter on session_date then reaches the price scans, and an
    incremental run of fct_ticker_returns_daily reads the sessions it rebuilds. -#}
with

prices as (
    select * from {{ ref('stg_raw__prices') }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

on_sessions as (
    select
        prices.ticker,
        sessions.session_date,
        sessions.session_index,
        prices.return_price,
        prices.invented
    from prices
    inner join sessions on prices.trade_date = sessions.session_date
),

final as (
    select
        on_sessions.ticker,
        on_sessions.session_date,
        on_sessions.session_index,
        on_sessions.return_price,
        on_sessions.invented,
        on_sessions.return_price / previous.return_price - 1 as return_1d
    from on_sessions
    left join on_sessions as previous
        on on_sessions.ticker = previous.ticker
        and on_sessions.session_index - 1 = previous.session_index
)

select * from final
