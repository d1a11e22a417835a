{#- The label scale of Alpha Vantage NEWS_SENTIMENT; the same thresholds as
    orchestration/analysis/schema.py:sentiment_label (a test keeps them in step). -#}
{% macro sentiment_label(score) -%}
    case
        when {{ score }} is null then null
        when {{ score }} <= -0.35 then 'Bearish'
        when {{ score }} <= -0.15 then 'Somewhat-Bearish'
        when {{ score }} < 0.15 then 'Neutral'
        when {{ score }} < 0.35 then 'Somewhat-Bullish'
        else 'Bullish'
    end
{%- endmacro %}
