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
        name_variants
    from source
)

select * from final
