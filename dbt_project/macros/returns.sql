{#- The benchmark of excess and abnormal returns: TICKERPULSE_BENCHMARK_TICKER when set (Dagster
    passes it, like the window), else the var benchmark_ticker. It lands in SQL as a literal,
    so anything but a plain symbol is refused. -#}
{% macro benchmark_ticker() -%}
    {%- set value = (env_var('TICKERPULSE_BENCHMARK_TICKER', '') | trim) or var('benchmark_ticker') -%}
    {%- set value = value | string | upper -%}
    {%- if not modules.re.fullmatch('[A-Z0-9][A-Z0-9.^-]{0,14}', value) -%}
        {{ exceptions.raise_compiler_error("benchmark ticker (TICKERPULSE_BENCHMARK_TICKER or var benchmark_ticker) must be a symbol like SPY, got " ~ value) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}

{#- The market calendar of raw.market_sessions the sessions come from, as a SQL literal:
    TICKERPULSE_MARKET_CALENDAR when set (the calendar the prices assets land), else the var
    market_calendar. -#}
{% macro market_calendar() -%}
    {%- set value = (env_var('TICKERPULSE_MARKET_CALENDAR', '') | trim) or var('market_calendar') -%}
    {%- set value = value | string | upper -%}
    {%- if not modules.re.fullmatch('[A-Z0-9_]{1,16}', value) -%}
        {{ exceptions.raise_compiler_error("market calendar (TICKERPULSE_MARKET_CALENDAR or var market_calendar) must be a calendar code like XNYS, got " ~ value) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}

{#- Spearman's average rank of `value` within `partition`: tied values share the mean of
    the positions they hold (rank() gives the first; the ties hold `count` positions). -#}
{% macro average_rank(value, partition) -%}
    (rank() over (partition by {{ partition }} order by {{ value }})
        + (count(*) over (partition by {{ partition }}, {{ value }}) - 1) / 2.0)
{%- endmacro %}

{#- Means and standard deviations of returns and ICs from exact decimal sums. A sum of doubles
    depends on the order rows arrive in, which changes between runs and threads; these marts
    promise that re-running a day changes nothing, to the bit. Scale 12 keeps a return to
    1e-12; squares carry scale 24. `over` makes them window aggregates. -#}
{% macro exact_return(value) -%}
    cast({{ value }} as decimal(38, 12))
{%- endmacro %}

{% macro exact_sum(value, over='') -%}
    cast(sum({{ exact_return(value) }}){{ ' over ' ~ over if over }} as double)
{%- endmacro %}

{% macro exact_mean(value, over='') -%}
    ({{ exact_sum(value, over) }} / count({{ value }}){{ ' over ' ~ over if over }})
{%- endmacro %}

{#- Sample standard deviation, (n sum(x^2) - sum(x)^2) / (n (n - 1)) with an exact numerator;
    null under two values. -#}
{% macro exact_stddev(value, over='') -%}
    {%- set suffix = ' over ' ~ over if over else '' -%}
    {%- set n = 'count(' ~ value ~ ')' ~ suffix -%}
    case when {{ n }} >= 2 then sqrt(greatest(cast(
        {{ n }} * sum({{ exact_return(value) }} * {{ exact_return(value) }}){{ suffix }}
        - sum({{ exact_return(value) }}){{ suffix }} * sum({{ exact_return(value) }}){{ suffix }}
        as double) / ({{ n }} * ({{ n }} - 1)), 0)) end
{%- endmacro %}
