{#- A table rebuilt in full on every run: a few rows per session and cross-section, from the
    ticker-sessions (int_ticker_session_panel), and the rolling columns read the sessions
    before each row. -#}
{%- set horizons = [1, 5, 20] -%}
{%- set min_tickers = var('returns_min_tickers') | int -%}
{%- set rolling_sessions = var('ic_rolling_sessions') | int %}

with

panel as (
    select * from {{ ref('int_ticker_session_panel') }}
),

groups as (
    select * from {{ ref('int_ticker_groups') }}
),

sessions as (
    select * from {{ ref('stg_raw__market_sessions') }}
),

-- One row per cross-section, session, horizon and ticker with a forward return there.
observations as (
    {%- for h in horizons %}
    select
        groups.group_type,
        groups.group_name,
        panel.session_date,
        {{ h }} as horizon,
        panel.ticker,
        panel.weighted_sentiment_score as sentiment,
        panel.fwd_return_{{ h }}d as fwd_return
    from panel
    inner join groups on panel.ticker = groups.ticker
    where panel.fwd_return_{{ h }}d is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
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
            when count(*) >= {{ min_tickers }}
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
        {%- for h in horizons %}
        coalesce(max(ticker_count) filter (where horizon = {{ h }}), 0) as ticker_count_{{ h }}d,
        max(rank_ic) filter (where horizon = {{ h }}) as rank_ic_{{ h }}d
        {{- ',' if not loop.last }}
        {%- endfor %}
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
        {%- for h in horizons %}
        cast(ticker_count_{{ h }}d as bigint) as ticker_count_{{ h }}d,
        rank_ic_{{ h }}d,
        {%- endfor %}
        cast(rolling_ic_sessions as bigint) as rolling_ic_sessions,
        rolling_mean_ic_1d,
        -- t = mean / (sd / sqrt(k)) over the k sessions with an IC in the rolling window.
        case
            when rolling_ic_sessions >= 2 and rolling_stddev_ic_1d > 0
                then rolling_mean_ic_1d / (rolling_stddev_ic_1d / sqrt(rolling_ic_sessions))
        end as rolling_ic_tstat_1d,
        rolling_positive_ic_sessions / nullif(rolling_ic_sessions, 0) as rolling_hit_rate_1d
    from rolling
)

select * from final
