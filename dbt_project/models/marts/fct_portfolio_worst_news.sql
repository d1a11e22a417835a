{#- A table, rebuilt in full on every run, for the reason given in fct_portfolio_sentiment_daily. -#}
{%- set holdings_per_day = 3 %}

with

holdings as (
    select * from {{ ref('dim_portfolio_holdings') }}
),

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
),

articles as (
    select * from {{ ref('fct_article_sentiment') }}
),

daily as (
    select * from {{ ref('fct_ticker_sentiment_daily') }}
),

held_mentions as (
    select *
    from mentions
    where ticker in (select ticker from holdings)
),

worst_article_per_day as (
    select
        ticker,
        published_date as sentiment_date,
        article_id,
        title,
        ticker_sentiment_score,
        relevance_score
    from held_mentions
    qualify row_number() over (
        partition by ticker, published_date
        order by ticker_sentiment_score, relevance_score desc, published_at, article_id
    ) = 1
),

holding_news as (
    select
        holdings.portfolio,
        worst_article_per_day.sentiment_date,
        holdings.ticker,
        holdings.weight,
        daily.article_count,
        daily.weighted_sentiment_score,
        worst_article_per_day.article_id,
        worst_article_per_day.title,
        worst_article_per_day.ticker_sentiment_score,
        worst_article_per_day.relevance_score
    from holdings
    inner join worst_article_per_day on holdings.ticker = worst_article_per_day.ticker
    inner join daily
        on worst_article_per_day.ticker = daily.ticker
        and worst_article_per_day.sentiment_date = daily.sentiment_date
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
        ranked.portfolio,
        ranked.sentiment_date,
        ranked.worst_rank,
        ranked.ticker,
        ranked.weight,
        ranked.article_count,
        ranked.weighted_sentiment_score,
        ranked.article_id as worst_article_id,
        ranked.title as worst_article_title,
        articles.url as worst_article_url,
        ranked.ticker_sentiment_score as worst_article_score,
        ranked.relevance_score as worst_article_relevance
    from ranked
    left join articles on ranked.article_id = articles.article_id
    where ranked.worst_rank <= {{ holdings_per_day }}
)

select * from final
