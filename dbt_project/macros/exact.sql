{#- A number as an exact decimal, for sums. Sums of doubles depend on the order rows are added
    in, which differs between a full and an incremental build (and between threads), so a
    rounded mean could flip at a rounding boundary; sums of decimals are exact. Scores and
    relevances carry 4 decimals (the analyzers round them), so scale 6 loses nothing. -#}
{% macro exact(value, scale=6) -%}
    cast({{ value }} as decimal(18, {{ scale }}))
{%- endmacro %}
