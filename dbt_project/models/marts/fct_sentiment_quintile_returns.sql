{#- A table rebuilt in full on every run: its cumulative spread reads every session before. -#}
{%- set min_tickers = var('returns_min_tickers') | int %}

with

panel as (
    select * from {{ ref('int_ticker_session_panel') }}
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

-- Summed, not compounded: the spread is a long-short book of constant size, and sums add up
-- by hand and stay readable when a session has no spread.
cumulative as (
    select
        *,
        {{ exact_sum('spread_fwd_return_1d', '(
            partition by group_type, group_name
            order by session_date
            rows between unbounded preceding and current row
        )') }} as cumulative_spread_1d
    from spreads
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
        cumulative.spread_fwd_return_1d,
        cumulative.cumulative_spread_1d
    from portfolios
    inner join cumulative
        on portfolios.group_type = cumulative.group_type
        and portfolios.group_name = cumulative.group_name
        and portfolios.session_date = cumulative.session_date
)

select * from final
