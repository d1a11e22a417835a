{#- A table, rebuilt in full on every run: it is small (portfolios x days), and a change to the
    holdings (the reference build) then reaches every day without a --full-refresh. -#}

with

holdings as (
    select * from {{ ref('dim_portfolio_holdings') }}
),

daily as (
    select * from {{ ref('fct_ticker_sentiment_daily') }}
),

portfolios as (
    select
        portfolio,
        count(*) as holding_count,
        sum({{ exact('weight_share') }}) as total_weight_share
    from holdings
    group by portfolio
),

holding_days as (
    select
        holdings.portfolio,
        holdings.ticker,
        holdings.weight_share,
        daily.sentiment_date,
        daily.article_count,
        daily.weighted_sentiment_score
    from holdings
    inner join daily on holdings.ticker = daily.ticker
),

portfolio_days as (
    select
        portfolio,
        sentiment_date,
        count(*) as holdings_with_news,
        sum(article_count) as article_count,
        sum({{ exact('weight_share') }}) as weight_share_with_news,
        -- Over the holdings with news only: a holding without news is not neutral news.
        sum({{ exact('weight_share') }} * {{ exact('weighted_sentiment_score') }})
        / sum({{ exact('weight_share') }}) as weighted_sentiment_score
    from holding_days
    group by portfolio, sentiment_date
),

final as (
    select
        portfolio_days.portfolio,
        portfolio_days.sentiment_date,
        portfolios.holding_count,
        portfolio_days.holdings_with_news,
        round(
            portfolio_days.weight_share_with_news / portfolios.total_weight_share, 4
        ) as coverage,
        cast(portfolio_days.article_count as bigint) as article_count,
        round(portfolio_days.weighted_sentiment_score, 4) as weighted_sentiment_score,
        {{ sentiment_label('round(portfolio_days.weighted_sentiment_score, 4)') }}
            as sentiment_label
    from portfolio_days
    inner join portfolios on portfolio_days.portfolio = portfolios.portfolio
)

select * from final
