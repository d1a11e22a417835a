{#- Incremental by day: the window's ticker-days are deleted and rebuilt from its mentions. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'sentiment_date'],
        meta={'incremental_window': {'date_column': 'sentiment_date'}}
    )
}}

with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
    where {{ in_incremental_window('published_date') }}
),

daily as (
    select
        ticker,
        sector,
        published_date as sentiment_date,
        count(*) as article_count,
        count(distinct source) as source_count,
        sum({{ exact('ticker_sentiment_score') }}) / count(*) as mean_sentiment_score,
        -- Relevance-weighted: a passing mention moves the day less than a lead story.
        sum({{ exact('relevance_score') }} * {{ exact('ticker_sentiment_score') }})
        / nullif(sum({{ exact('relevance_score') }}), 0) as weighted_sentiment_score,
        sum({{ exact('relevance_score') }}) as total_relevance,
        {{ sentiment_label_counts('ticker_sentiment_label') }}
    from mentions
    group by ticker, sector, published_date
),

final as (
    select
        ticker,
        sector,
        sentiment_date,
        article_count,
        source_count,
        round(mean_sentiment_score, 4) as mean_sentiment_score,
        -- All-zero relevance (possible from an LLM) falls back to the plain mean.
        round(
            coalesce(weighted_sentiment_score, mean_sentiment_score), 4
        ) as weighted_sentiment_score,
        cast(round(total_relevance, 4) as double) as total_relevance,
        {{ sentiment_label_count_columns() | join(', ') }},
        {{ sentiment_label('round(coalesce(weighted_sentiment_score, mean_sentiment_score), 4)') }}
            as sentiment_label
    from daily
)

select * from final
