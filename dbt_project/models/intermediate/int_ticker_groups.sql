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

everyone as (
    select
        symbol as ticker,
        'all' as group_type,
        'all' as group_name
    from tickers
),

sectors as (
    select
        symbol as ticker,
        'sector' as group_type,
        coalesce(sector, 'Unclassified') as group_name
    from tickers
),

portfolios as (
    select distinct
        ticker,
        'portfolio' as group_type,
        portfolio as group_name
    from holdings
),

final as (
    select * from everyone
    union all
    select * from sectors
    union all
    select * from portfolios
)

select * from final
