with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
),

daily as (
    select
        ticker,
        sector,
        published_date as sentiment_date,
        count(*) as article_count,
        count(distinct source) as source_count,
        avg(ticker_sentiment_score) as mean_sentiment_score,
        -- Relevance-weighted: a passing mention moves the day less than a lead story.
        sum(relevance_score * ticker_sentiment_score) / nullif(sum(relevance_score), 0)
            as weighted_sentiment_score,
        sum(relevance_score) as total_relevance,
        count(*) filter (where ticker_sentiment_label = 'Bullish') as bullish_count,
        count(*) filter (where ticker_sentiment_label = 'Somewhat-Bullish') as somewhat_bullish_count,
        count(*) filter (where ticker_sentiment_label = 'Neutral') as neutral_count,
        count(*) filter (where ticker_sentiment_label = 'Somewhat-Bearish') as somewhat_bearish_count,
        count(*) filter (where ticker_sentiment_label = 'Bearish') as bearish_count
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
        round(coalesce(weighted_sentiment_score, mean_sentiment_score), 4) as weighted_sentiment_score,
        round(total_relevance, 4) as total_relevance,
        bullish_count,
        somewhat_bullish_count,
        neutral_count,
        somewhat_bearish_count,
        bearish_count,
        {{ sentiment_label('round(coalesce(weighted_sentiment_score, mean_sentiment_score), 4)') }}
            as sentiment_label
    from daily
)

select * from final
