{{ config(tags=['reference']) }}

with

source as (
    select * from {{ source('raw', 'tickers') }}
),

final as (
    select
        symbol,
        name,
        sector,
        industry,
        cik,
        name_variants,
        coalesce(issuer, symbol) as issuer,
        exchange,
        coalesce(is_sp500, false) as is_sp500,
        coalesce(security_type, 'common') as security_type,
        coalesce(delisted, false) as delisted
    from source
)

select * from final
