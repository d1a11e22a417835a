{#- The ticker-sessions the return marts rank: a ticker with news in the session (its
    sentiment up to the session's close) and its returns from that close on. The benchmark is
    what the others are measured against, never one of them. -#}
with

sentiment as (
    select * from {{ ref('int_ticker_sentiment_sessions') }}
),

returns as (
    select * from {{ ref('fct_ticker_returns_daily') }}
),

final as (
    select
        sentiment.ticker,
        sentiment.session_date,
        returns.session_index,
        sentiment.article_count,
        sentiment.weighted_sentiment_score,
        returns.fwd_return_1d,
        returns.fwd_return_5d,
        returns.fwd_return_20d,
        returns.excess_fwd_return_1d
    from sentiment
    inner join returns
        on sentiment.ticker = returns.ticker
        and sentiment.session_date = returns.session_date
    where sentiment.ticker <> {{ benchmark_ticker() }}
)

select * from final
