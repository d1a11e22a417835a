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
        name_variants
    from tickers
)

select * from final
