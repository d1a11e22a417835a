{{ config(tags=['reference']) }}

with

holdings as (
    select * from {{ ref('stg_seeds__portfolio_holdings') }}
),

tickers as (
    select * from {{ ref('dim_tickers') }}
),

weighted as (
    select
        portfolio,
        ticker,
        weight,
        {{ exact('weight', 8) }} / sum({{ exact('weight', 8) }}) over (partition by portfolio)
            as weight_share,
        count(*) over (partition by portfolio) as portfolio_holding_count
    from holdings
),

final as (
    select
        weighted.portfolio,
        weighted.ticker,
        tickers.name as company_name,
        tickers.sector,
        weighted.weight,
        round(weighted.weight_share, 6) as weight_share,
        weighted.portfolio_holding_count
    from weighted
    left join tickers on weighted.ticker = tickers.symbol
)

select * from final
