{#- Incremental by session. The prices a run lands and the evening's corrections before
    the window move the forward returns of the 20 sessions before them (as in
    fct_ticker_returns_daily), its articles the sentiment of the sessions up to a week after
    the window, and a changed IC the rolling columns of the 19 sessions after that: the run
    rebuilds from 20 sessions before the first corrected day to 19 sessions after the week
    after the window, from the ticker-sessions of 19 sessions more before (the rolling window
    of the first rebuilt row). Sessions of the calendar, so holidays never shorten a span. A
    change of portfolio holdings reaches past rows with a full refresh. -#}
{{
    config(
        materialized='incremental',
        unique_key=['group_type', 'group_name', 'session_date'],
        meta={'incremental_window': {
            'date_column': 'session_date', 'days_after': 7, 'price_corrections': true,
            'sessions_before': 20, 'sessions_after': 19
        }}
    )
}}

{%- set min_tickers = var('returns_min_tickers') | int -%}
{%- set rolling_sessions = var('ic_rolling_sessions') | int %}

with

panel as (
    select * from {{ ref('int_ticker_session_panel') }}
    where {{ in_incremental_window(
        'session_date', days_after=7, price_corrections=true,
        sessions_before=39, sessions_after=19
    ) }}
),

groups as (
    select * from {{ ref('int_ticker_groups') }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

-- One row per cross-section, session, horizon and ticker with a forward return there.
cross_sections as (
    select
        groups.group_type,
        groups.group_name,
        panel.session_date,
        panel.ticker,
        panel.weighted_sentiment_score as sentiment,
        panel.fwd_return_1d,
        panel.fwd_return_5d,
        panel.fwd_return_20d
    from panel
    inner join groups on panel.ticker = groups.ticker
),

by_horizon as (
    select
        cross_sections.group_type,
        cross_sections.group_name,
        cross_sections.session_date,
        horizons.horizon,
        cross_sections.ticker,
        cross_sections.sentiment,
        case horizons.horizon
            when 1 then cross_sections.fwd_return_1d
            when 5 then cross_sections.fwd_return_5d
            when 20 then cross_sections.fwd_return_20d
        end as fwd_return
    from cross_sections
    cross join (values (1), (5), (20)) as horizons (horizon)
),

observations as (
    select * from by_horizon
    where fwd_return is not null
),

ranked as (
    select
        *,
        {{ average_rank('sentiment', 'group_type, group_name, session_date, horizon') }}
            as sentiment_rank,
        {{ average_rank('fwd_return', 'group_type, group_name, session_date, horizon') }}
            as return_rank
    from observations
),

-- Spearman's rho: Pearson's correlation of the average ranks, written out rather than corr():
-- ranks are halves and their mean is (n + 1) / 2, so every sum below is exact in any order,
-- and an IC of exactly zero stays zero (neither a hit nor a miss by rounding). Undefined (null)
-- for a cross-section under the minimum, or when every sentiment (or every return) is tied.
deviations as (
    select
        *,
        sentiment_rank - (count(*) over cross_section + 1) / 2.0 as sentiment_deviation,
        return_rank - (count(*) over cross_section + 1) / 2.0 as return_deviation
    from ranked
    window cross_section as (partition by group_type, group_name, session_date, horizon)
),

correlations as (
    select
        group_type,
        group_name,
        session_date,
        horizon,
        count(*) as ticker_count,
        case
            when
                count(*) >= {{ min_tickers }}
                and count(distinct sentiment) > 1
                and count(distinct fwd_return) > 1
                then sum(sentiment_deviation * return_deviation) / sqrt(
                    sum(sentiment_deviation * sentiment_deviation)
                    * sum(return_deviation * return_deviation)
                )
        end as rank_ic
    from deviations
    group by group_type, group_name, session_date, horizon
),

by_session as (
    select
        group_type,
        group_name,
        session_date,
        coalesce(max(ticker_count) filter (where horizon = 1), 0) as ticker_count_1d,
        max(rank_ic) filter (where horizon = 1) as rank_ic_1d,
        coalesce(max(ticker_count) filter (where horizon = 5), 0) as ticker_count_5d,
        max(rank_ic) filter (where horizon = 5) as rank_ic_5d,
        coalesce(max(ticker_count) filter (where horizon = 20), 0) as ticker_count_20d,
        max(rank_ic) filter (where horizon = 20) as rank_ic_20d
    from correlations
    group by group_type, group_name, session_date
),

-- Rolling over the calendar's sessions, the 1-day IC only: 5- and 20-day forward returns of
-- neighbouring sessions overlap, so their ICs are not independent draws and a t-statistic
-- over them would overstate the evidence.
rolling as (
    select
        by_session.*,
        count(by_session.rank_ic_1d) over trailing_sessions as rolling_ic_sessions,
        {{ exact_mean('by_session.rank_ic_1d', 'trailing_sessions') }} as rolling_mean_ic_1d,
        {{ exact_stddev('by_session.rank_ic_1d', 'trailing_sessions') }} as rolling_stddev_ic_1d,
        count(by_session.rank_ic_1d) filter (where by_session.rank_ic_1d > 0)
            over trailing_sessions as rolling_positive_ic_sessions
    from by_session
    inner join sessions on by_session.session_date = sessions.session_date
    window trailing_sessions as (
        partition by by_session.group_type, by_session.group_name
        order by sessions.session_index
        range between {{ rolling_sessions - 1 }} preceding and current row
    )
),

final as (
    select
        group_type,
        group_name,
        session_date,
        cast(ticker_count_1d as bigint) as ticker_count_1d,
        rank_ic_1d,
        cast(ticker_count_5d as bigint) as ticker_count_5d,
        rank_ic_5d,
        cast(ticker_count_20d as bigint) as ticker_count_20d,
        rank_ic_20d,
        cast(rolling_ic_sessions as bigint) as rolling_ic_sessions,
        rolling_mean_ic_1d,
        -- t = mean / (sd / sqrt(k)) over the k sessions with an IC in the rolling window.
        case
            when rolling_ic_sessions >= 2 and rolling_stddev_ic_1d > 0
                then rolling_mean_ic_1d / (rolling_stddev_ic_1d / sqrt(rolling_ic_sessions))
        end as rolling_ic_tstat_1d,
        rolling_positive_ic_sessions / nullif(rolling_ic_sessions, 0) as rolling_hit_rate_1d
    from rolling
    where {{ in_incremental_window(
        'session_date', days_after=7, price_corrections=true,
        sessions_before=20, sessions_after=19
    ) }}
)

select * from final
