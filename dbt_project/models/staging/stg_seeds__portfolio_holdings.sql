{{ config(tags=['reference']) }}

{#- The var portfolio_holdings_csv (dbt_project.yml) points at the user's own holdings;
    without it the example portfolios of the seed are used. -#}
{%- set holdings_csv = var('portfolio_holdings_csv', '') | trim -%}

with

example_holdings as (
    select * from {{ ref('portfolio_holdings') }}
),

{% if holdings_csv %}
user_holdings as (
    select *
    from read_csv(
        '{{ holdings_csv | replace("'", "''") }}',
        header = true,
        columns = {'portfolio': 'varchar', 'ticker': 'varchar', 'weight': 'double'}
    )
),
{% endif %}

holdings as (
    select
        portfolio,
        ticker,
        weight
    from {{ 'user_holdings' if holdings_csv else 'example_holdings' }}
),

final as (
    select
        trim(portfolio) as portfolio,
        upper(trim(ticker)) as ticker,
        cast(weight as double) as weight
    from holdings
)

select * from final
