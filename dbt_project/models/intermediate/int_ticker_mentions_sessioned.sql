{#- Every mention in the session it counts toward: the first session whose close is strictly
    after the article's publication (after the close, or on a holiday, it is the next
    session's news). The same rule as orchestration/prices (docs/prices.md). A mention
    published after the calendar's last close has no session yet and is left out. -#}
with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

-- ASOF picks, for each mention, the session with the smallest close_at > published_at.
sessioned as (
    select
        mentions.article_id,
        mentions.ticker,
        mentions.sector,
        mentions.published_date,
        mentions.published_at,
        sessions.session_date,
        mentions.relevance_score,
        mentions.ticker_sentiment_score
    from mentions
    asof inner join sessions
        on mentions.published_at < sessions.close_at
),

final as (
    select * from sessioned
)

select * from final
