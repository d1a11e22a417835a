{#- Incremental by session. A session's quintiles read its own sentiment and the next
    session's prices: a run rebuilds the sessions of its window and the week after it (its
    articles), and from one session before the first day whose prices the evening corrected
    (fwd_return_1d, as in fct_ticker_returns_daily). The running sum of the spread lives in
    fct_sentiment_quintile_spreads, so no row here reads the sessions before it. -#}
{{
    config(
        materialized='incremental',
        unique_key=['group_type', 'group_name', 'session_date', 'quintile'],
        meta={'incremental_window': {
            'date_column': 'session_date', 'days_after': 7, 'price_corrections': true,
            'sessions_before': 1
        }}
    )
}}

{%- set min_tickers = var('returns_min_tickers') | int %}

with

panel as (
    select * from {{ ref('int_ticker_session_panel') }}
    where {{ in_incremental_window(
        'session_date', days_after=7, price_corrections=true, sessions_before=1
    ) }}
),

groups as (
    select * from {{ ref('int_ticker_groups') }}
),

observations as (
    select
        groups.group_type,
        groups.group_name,
        panel.session_date,
        panel.ticker,
        panel.weighted_sentiment_score as sentiment,
        panel.fwd_return_1d,
        count(*) over (
            partition by groups.group_type, groups.group_name, panel.session_date
        ) as ticker_count,
        {{ average_rank('panel.weighted_sentiment_score',
            'groups.group_type, groups.group_name, panel.session_date') }} as sentiment_rank
    from panel
    inner join groups on panel.ticker = groups.ticker
    where panel.fwd_return_1d is not null
),

-- Quintile q holds the average ranks in ((q - 1) n / 5, q n / 5], counted from the centre of
-- each rank: tied tickers share a quintile, and with n >= 5 distinct scores none is empty.
quintiles as (
    select
        *,
        least(5, cast(floor(5 * (sentiment_rank - 0.5) / ticker_count) as integer) + 1)
            as quintile
    from observations
    where ticker_count >= {{ min_tickers }}
),

portfolios as (
    select
        group_type,
        group_name,
        session_date,
        quintile,
        count(*) as ticker_count,
        {{ exact_mean('sentiment') }} as mean_sentiment,
        -- Equal weights, rebalanced every session.
        {{ exact_mean('fwd_return_1d') }} as mean_fwd_return_1d
    from quintiles
    group by group_type, group_name, session_date, quintile
),

spreads as (
    select
        group_type,
        group_name,
        session_date,
        max(mean_fwd_return_1d) filter (where quintile = 5)
        - max(mean_fwd_return_1d) filter (where quintile = 1) as spread_fwd_return_1d
    from portfolios
    group by group_type, group_name, session_date
),

final as (
    select
        portfolios.group_type,
        portfolios.group_name,
        portfolios.session_date,
        portfolios.quintile,
        cast(portfolios.ticker_count as bigint) as ticker_count,
        portfolios.mean_sentiment,
        portfolios.mean_fwd_return_1d,
        spreads.spread_fwd_return_1d
    from portfolios
    inner join spreads
        on portfolios.group_type = spreads.group_type
        and portfolios.group_name = spreads.group_name
        and portfolios.session_date = spreads.session_date
)

select * from final
