{#- The cross-sections the return marts are computed over: every ticker in `all`, each in its
    GICS sector (Unclassified without one), and each holding in its portfolios
    (dim_portfolio_holdings; a holding counts once, whatever its weight). -#}
with

tickers as (
    select * from {{ ref('dim_tickers') }}
),

holdings as (
    select * from {{ ref('dim_portfolio_holdings') }}
),

groups as (
    select symbol as ticker, 'all' as group_type, 'all' as group_name from tickers
    union all
    select symbol, 'sector', coalesce(sector, 'Unclassified') from tickers
    union all
    select distinct ticker, 'portfolio', portfolio from holdings
),

final as (
    select * from groups
)

select * from final
