with

source as (
    select * from {{ source('raw', 'prices') }}
),

final as (
    select
        upper(trim(ticker)) as ticker,
        trade_date,
        open,
        high,
        low,
        close,
        adj_close,
        -- Returns read the adjusted close (splits, dividends) where the source gives one.
        coalesce(adj_close, close) as return_price,
        volume,
        source,
        invented,
        landed_at
    from source
)

select * from final
