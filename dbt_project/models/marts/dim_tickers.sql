{{ config(tags=['reference']) }}

with

tickers as (
    select * from {{ ref('stg_raw__tickers') }}
),

final as (
    select
        symbol,
        name,
        sector,
        industry,
        cik,
        name_variants,
        issuer,
        exchange,
        is_sp500,
        security_type,
        delisted
    from tickers
)

select * from final
