{#- Incremental by session. An article of day D counts toward a session from D to a week
    later (a Friday evening story counts on Monday, a holiday weekend's on Tuesday), and a
    session's articles reach back to the previous session's close, at most a week earlier:
    a run rebuilds the sessions of its window and the 7 days after, from the mentions
    published in the window and 7 days either side. -#}
{{
    config(
        materialized='incremental',
        unique_key=['ticker', 'session_date'],
        meta={'incremental_window': {'date_column': 'session_date', 'days_after': 7}}
    )
}}

with

mentions as (
    select * from {{ ref('int_ticker_mentions_sessioned') }}
    where {{ in_incremental_window('published_date', days_before=7, days_after=7) }}
),

sessions as (
    select
        ticker,
        session_date,
        count(*) as article_count,
        sum({{ exact('relevance_score') }} * {{ exact('ticker_sentiment_score') }})
            as weighted_score_sum,
        sum({{ exact('relevance_score') }}) as total_relevance,
        sum({{ exact('ticker_sentiment_score') }}) as score_sum
    from mentions
    group by ticker, session_date
),

final as (
    select
        ticker,
        session_date,
        article_count,
        -- Exact sums, one division, no rounding: ranks see every difference, and a full
        -- and an incremental build agree to the bit. All-zero relevance falls back to the mean.
        cast(coalesce(
            weighted_score_sum / nullif(total_relevance, 0), score_sum / article_count
        ) as double) as weighted_sentiment_score
    from sessions
    where {{ in_incremental_window('session_date', days_after=7) }}
)

select * from final
