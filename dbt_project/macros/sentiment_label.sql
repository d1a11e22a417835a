{#- The label scale of Alpha Vantage NEWS_SENTIMENT; the same thresholds as
    orchestration/analysis/schema.py:sentiment_label (tests/test_marts.py keeps the unit
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

{#- The count columns of a day, Bullish first: Somewhat-Bullish -> somewhat_bullish_count. -#}
{% macro sentiment_label_count_columns() -%}
    {%- set columns = [] -%}
    {%- for label in sentiment_labels() | reverse -%}
        {%- do columns.append(label | lower | replace('-', '_') ~ '_count') -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- Aggregates: for each label, the rows whose `label_column` is that label. -#}
{% macro sentiment_label_counts(label_column) -%}
    {%- for label in sentiment_labels() | reverse %}
        count(*) filter (where {{ label_column }} = '{{ label }}')
            as {{ sentiment_label_count_columns()[loop.index0] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
