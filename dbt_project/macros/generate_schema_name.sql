{#- Use the folder's schema name as is (marts, staging), not target_schema + "_" + name:
    BI users query marts.fct_ticker_sentiment_daily. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
