{#- Remembers each article's day, so an incremental run knows which days its articles left:
    the feeds can re-date an article, and ingestion then moves it out of its old partition.
    The pre-hook deletes the window's rows first, so an article found at another day here has
    moved into the window in this run. It reads the landed articles, analysed or not: an
    unanalysed article's move only rebuilds a day that did not change, and the analyses
    (all history) need not be read to learn the window's days. -#}
{{
    config(
        materialized='incremental',
        unique_key='article_id',
        meta={'incremental_window': {'date_column': 'published_date', 'with_moves': false}}
    )
}}

with

articles as (
    select * from {{ ref('stg_raw__articles') }}
    where {{ in_incremental_window('published_date', with_moves=false) }}
),

{% if is_incremental() %}
known_days as (
    select article_id, published_date from {{ this }}
),
{% endif %}

final as (
    select
        articles.article_id,
        articles.published_date,
        {% if is_incremental() %}
            case
                when known_days.published_date <> articles.published_date
                    then known_days.published_date
            end as moved_from_date,
        {% else %}
            cast(null as date) as moved_from_date,
        {% endif %}
        '{{ invocation_id }}' as invocation_id
    from articles
    {% if is_incremental() -%}
    left join known_days on articles.article_id = known_days.article_id
    {%- endif %}
)

select * from final
