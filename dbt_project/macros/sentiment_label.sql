{#- The label scale of Alpha Vantage NEWS_SENTIMENT; the same thresholds as
    orchestration/analysis/schema.py:sentiment_label (tests/test_dbt_unit.py keeps the unit
    test of the edges, in models/marts/_marts_unit_tests.yml, in step with it). Models and
    tests take the label strings from here. -#}

{#- The labels from the most bearish to the most bullish. -#}
{% macro sentiment_labels() -%}
    {{ return(['Bearish', 'Somewhat-Bearish', 'Neutral', 'Somewhat-Bullish', 'Bullish']) }}
{%- endmacro %}

{% macro sentiment_label(score) -%}
    {%- set bearish, somewhat_bearish, neutral, somewhat_bullish, bullish = sentiment_labels() -%}
    case
        when {{ score }} is null then null
        when {{ score }} <= -0.35 then '{{ bearish }}'
        when {{ score }} <= -0.15 then '{{ somewhat_bearish }}'
        when {{ score }} < 0.15 then '{{ neutral }}'
        when {{ score }} < 0.35 then '{{ somewhat_bullish }}'
        else '{{ bullish }}'
    end
{%- endmacro %}

{#- A label as a column name stem: Somewhat-Bullish -> somewhat_bullish. -#}
{% macro sentiment_label_name(label) -%}
    {{ label | lower | replace('-', '_') }}
{%- endmacro %}
