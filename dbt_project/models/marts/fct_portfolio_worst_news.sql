{#- A table, rebuilt in full on every run, for the reason given in fct_portfolio_sentiment_daily;
    it reads each held ticker-day's worst article from int_ticker_worst_article_daily, which
    is incremental, so a rebuild reads held ticker-days, not every mention in history. -#}
{%- set holdings_per_day = 3 %}

with

holdings as (
    select * from {{ ref('dim_portfolio_holdings') }}
),

worst_articles as (
    select * from {{ ref('int_ticker_worst_article_daily') }}
),

daily as (
    select * from {{ ref('fct_ticker_sentiment_daily') }}
),

holding_news as (
    select
        holdings.portfolio,
        worst_articles.sentiment_date,
        holdings.ticker,
        holdings.weight,
        daily.article_count,
        daily.weighted_sentiment_score,
        worst_articles.article_id,
        worst_articles.title,
        worst_articles.url,
        worst_articles.ticker_sentiment_score,
        worst_articles.relevance_score
    from holdings
    inner join worst_articles on holdings.ticker = worst_articles.ticker
    inner join daily
        on worst_articles.ticker = daily.ticker
        and worst_articles.sentiment_date = daily.sentiment_date
),

ranked as (
    select
        *,
        row_number() over (
            partition by portfolio, sentiment_date
            order by ticker_sentiment_score, weighted_sentiment_score, ticker
        ) as worst_rank
    from holding_news
),

final as (
    select
        portfolio,
        sentiment_date,
        worst_rank,
        ticker,
        weight,
        article_count,
        weighted_sentiment_score,
        article_id as worst_article_id,
        title as worst_article_title,
        url as worst_article_url,
        ticker_sentiment_score as worst_article_score,
        relevance_score as worst_article_relevance
    from ranked
    where worst_rank <= {{ holdings_per_day }}
)

select * from final
