{#- The sessions of the configured calendar (var market_calendar), numbered in date order so
    "h sessions later" is an index step, whatever weekends and holidays lie between. -#}
with

source as (
    select * from {{ source('raw', 'market_sessions') }}
    where calendar = {{ market_calendar() }}
),

final as (
    select
        session_date,
        open_at,
        close_at,
        early_close,
        row_number() over (order by session_date) as session_index
    from source
)

select * from final
