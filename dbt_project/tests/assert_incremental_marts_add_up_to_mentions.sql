{#- The incremental marts must count what fct_ticker_mentions holds, day by day: a row here is
    a day an incremental run left stale. In Dagster it is a check on fct_ticker_sentiment_daily.
    A daily run compares the days it rebuilt (the rolling mart's reach: the window and the 29
    days after it), a full build every day (macros/tests/window_scope.sql). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_ticker_sentiment_daily'}}}) }}

with

mentions as (
    select * from {{ ref('fct_ticker_mentions') }}
    where {{ test_window_scope('published_date', days_after=29) }}
),

daily as (
    select * from {{ ref('fct_ticker_sentiment_daily') }}
    where {{ test_window_scope('sentiment_date', days_after=29) }}
),

rolling as (
    select * from {{ ref('fct_ticker_sentiment_rolling') }}
    where {{ test_window_scope('sentiment_date', days_after=29) }}
),

sectors as (
    select * from {{ ref('fct_sector_sentiment_daily') }}
    where {{ test_window_scope('sentiment_date', days_after=29) }}
),

ticker_days as (
    select
        ticker,
        published_date as sentiment_date,
        count(*) as mention_count
    from mentions
    group by ticker, published_date
),

sector_days as (
    select
        coalesce(sector, 'Unclassified') as sector,
        published_date as sentiment_date,
        count(*) as mention_count
    from mentions
    group by coalesce(sector, 'Unclassified'), published_date
),

daily_mismatches as (
    select
        'fct_ticker_sentiment_daily' as mart,
        coalesce(ticker_days.ticker, daily.ticker) as grain,
        coalesce(ticker_days.sentiment_date, daily.sentiment_date) as sentiment_date,
        ticker_days.mention_count,
        daily.article_count as mart_count
    from ticker_days
    full outer join daily
        on ticker_days.ticker = daily.ticker
        and ticker_days.sentiment_date = daily.sentiment_date
    where ticker_days.mention_count is distinct from daily.article_count
),

-- A quiet day has a rolling row with no articles; a day with news must have its row.
rolling_mismatches as (
    select
        'fct_ticker_sentiment_rolling' as mart,
        coalesce(ticker_days.ticker, rolling.ticker) as grain,
        coalesce(ticker_days.sentiment_date, rolling.sentiment_date) as sentiment_date,
        ticker_days.mention_count,
        rolling.article_count as mart_count
    from ticker_days
    full outer join rolling
        on ticker_days.ticker = rolling.ticker
        and ticker_days.sentiment_date = rolling.sentiment_date
    where coalesce(ticker_days.mention_count, 0) is distinct from rolling.article_count
),

sector_mismatches as (
    select
        'fct_sector_sentiment_daily' as mart,
        coalesce(sector_days.sector, sectors.sector) as grain,
        coalesce(sector_days.sentiment_date, sectors.sentiment_date) as sentiment_date,
        sector_days.mention_count,
        sectors.mention_count as mart_count
    from sector_days
    full outer join sectors
        on sector_days.sector = sectors.sector
        and sector_days.sentiment_date = sectors.sentiment_date
    where sector_days.mention_count is distinct from sectors.mention_count
),

final as (
    select * from daily_mismatches
    union all
    select * from rolling_mismatches
    union all
    select * from sector_mismatches
)

select * from final
