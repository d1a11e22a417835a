with

source as (
    select * from {{ source('raw', 'articles') }}
),

final as (
    select
        article_id,
        partition_date as published_date,
        published_at,
        published_at_is_fetch_time,
        source,
        sources,
        title,
        body,
        url,
        content_hash,
        fetched_at,
        ticker_hints
    from source
)

select * from final
