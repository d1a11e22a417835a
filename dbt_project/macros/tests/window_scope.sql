{#- Tests of the incremental models check the rows the run rebuilt, not all history.

    dbt_project.yml gives every generic test `where: "incremental_window"`. A model that
    rebuilds by day declares its day in its config, which its pre-hook deletes by as well:
        meta={'incremental_window': {'date_column': 'sentiment_date', 'days_after': 29}}
    (days_after, default 0: the days after the window it rebuilds too; days_before likewise
    before it; sessions_before, sessions_after and price_corrections as in
    macros/incremental_window.sql). Its tests then read,
    on a daily run, the days the run rebuilt (the window and the days articles left, as in
    macros/incremental_window.sql); rows outside them were tested by the run that wrote them.
    With 'key_column': 'article_id' their uniqueness tests read every row of the window's
    articles, wherever they are, so a copy of an article on another day still fails them.
    Every row is tested on a --full-refresh, and whenever int_article_moves is missing or
    holds only rows of this invocation: a first build, or a build without a window. Tests of
    other models and of sources test every row; any other `where` is plain SQL, as in dbt.
    (Staging tests run before int_article_moves: they see the window without moved days.
    fct_ticker_sentiment_rolling also fills the quiet days between its last row and the
    window; such rows more than 29 days before the window are tested by full builds only.) -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') | trim -%}
    {%- if where == 'incremental_window' -%}
        {%- set window = tested_model_window() -%}
        {%- set where = test_window_scope(
            window.date_column, window.days_after or 0, window.days_before or 0,
            window.sessions_before or 0, window.sessions_after or 0,
            window.price_corrections or false
        ) if window else '' -%}
        {%- set test_name = (model.get('test_metadata') or {}).get('name') -%}
        {%- if window and window.key_column and where != 'true'
            and test_name in ('unique', 'unique_combination') -%}
            {%- set where = window.key_column ~ ' in (select ' ~ window.key_column ~ ' from '
                ~ relation ~ ' where ' ~ where ~ ')' -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where and where != 'true' -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The incremental_window meta of the model this generic test is attached to, if any. -#}
{% macro tested_model_window() -%}
    {%- set attached = model.get('attached_node') if model is mapping else none -%}
    {%- if not execute or not attached or attached not in graph.nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(graph.nodes[attached].config.meta.get('incremental_window')) }}
{%- endmacro %}

{#- The rows a test checks: the predicate above, or `true` when the run rebuilt everything. -#}
{% macro test_window_scope(
    date_column, days_after=0, days_before=0,
    sessions_before=0, sessions_after=0, price_corrections=false
) -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return('true') }}
    {%- endif -%}
    {#- From the graph, not ref(): a generic test depends on its model only, and dbt refuses a
        ref() that appears only when the test runs. The model runs before its tests anyway. -#}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.int_article_moves'] -%}
    {%- set moves = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias
    ) -%}
    {#- Not built yet: a first build, whose staging tests run before it. -#}
    {%- if moves is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set earlier_rows -%}
        select 1 from {{ moves }} where invocation_id <> '{{ invocation_id }}' limit 1
    {%- endset -%}
    {%- if run_query(earlier_rows).rows | length == 0 -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return(window_ranges_predicate(
        date_column, window_moved_days(moves), days_before, days_after,
        sessions_before, sessions_after, price_corrections
    )) }}
{%- endmacro %}
