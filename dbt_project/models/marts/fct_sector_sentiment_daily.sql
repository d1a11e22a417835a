{#- Incremental by day: the window's sector-days are deleted and rebuilt from its mentions. -#}
{{
    config(
        materialized='incremental',
        unique_key=['sector', 'sentiment_date'],
        meta={'incremental_window': {'date_column': 'sentiment_date'}}
    )
}}

with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
    where {{ in_incremental_window('published_date') }}
),

sector_days as (
    select
        coalesce(sector, 'Unclassified') as sector,
        published_date as sentiment_date,
        count(distinct ticker) as ticker_count,
        count(distinct article_id) as article_count,
        count(*) as mention_count,
        sum({{ exact('ticker_sentiment_score') }}) / count(*) as mean_sentiment_score,
        -- Weighting every mention by its relevance weights each ticker by its total relevance.
        sum({{ exact('relevance_score') }} * {{ exact('ticker_sentiment_score') }})
        / nullif(sum({{ exact('relevance_score') }}), 0) as weighted_sentiment_score,
        sum({{ exact('relevance_score') }}) as total_relevance
    from mentions
    group by coalesce(sector, 'Unclassified'), published_date
),

final as (
    select
        sector,
        sentiment_date,
        ticker_count,
        article_count,
        mention_count,
        round(mean_sentiment_score, 4) as mean_sentiment_score,
        -- All-zero relevance (possible from an LLM) falls back to the plain mean.
        round(
            coalesce(weighted_sentiment_score, mean_sentiment_score), 4
        ) as weighted_sentiment_score,
        cast(round(total_relevance, 4) as double) as total_relevance,
        {{ sentiment_label('round(coalesce(weighted_sentiment_score, mean_sentiment_score), 4)') }}
            as sentiment_label
    from sector_days
)

select * from final
