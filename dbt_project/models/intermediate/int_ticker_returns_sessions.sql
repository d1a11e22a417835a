{#- Close-to-close returns on the calendar's sessions. A price on a day that is no session of
    the calendar is left out; a session without the ticker's price breaks its series, so the
    next return is null rather than a return over two sessions. -#}
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
        prices.invented,
        lag(sessions.session_index) over by_ticker as previous_index,
        lag(prices.return_price) over by_ticker as previous_price
    from prices
    inner join sessions on prices.trade_date = sessions.session_date
    window by_ticker as (partition by prices.ticker order by sessions.session_index)
),

final as (
    select
        ticker,
        session_date,
        session_index,
        return_price,
        invented,
        case
            when previous_index = session_index - 1 then return_price / previous_price - 1
        end as return_1d
    from on_sessions
)

select * from final
