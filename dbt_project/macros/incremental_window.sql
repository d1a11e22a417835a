{#- The partition window Dagster passes (inclusive ISO dates), for incremental models.

    Dagster sets it in the environment of each dbt build, TICKERPULSE_DBT_MIN_DATE and
    TICKERPULSE_DBT_MAX_DATE: unlike --vars, environment variables read only while a node
    runs leave dbt's partial parsing on (a change of --vars makes dbt parse every file
    again). Without them the vars min_date and max_date count, so
    `dbt build --vars '{min_date: ..., max_date: ...}'` works by hand.

    A first build or --full-refresh reads all history. An incremental run deletes the days it
    rebuilds (pre-hook delete_incremental_window) and inserts them rebuilt: the days of the
    window, plus the days that articles of the window left in this run (int_article_moves), so
    re-running a window leaves the marts as a full build would. Marts whose rows look back
    over a trailing window also rebuild the `days_after` days that follow, and read
    `days_before` days of history before.

    The return marts count in trading sessions where calendar days would miss a holiday: a
    price moves the forward returns of the 20 sessions before it, whatever weekends and
    holidays lie between. They pass `sessions_before` / `sessions_after`, which widen each
    span by that many sessions of the market calendar (stg_raw__market_sessions) beyond its
    first and last day, and `price_corrections`, which starts the window's span earlier by
    the days the evening prices schedule lands again (price_correction_days()): a daily run
    picks up the corrections landed since the previous one.

    The filter is a plain range predicate on the date column, with the moved days looked up
    as literals when the node runs: DuckDB then pushes it into table scans and, through the
    views, below the latest-analysis step of int_articles_analysed, so an incremental day reads
    the window's rows instead of all history. -#}

{#- min_date or max_date of the window as a string: the environment's, else the var. Only
    called while nodes run (is_incremental() is false while dbt parses), so dbt never records
    the variables as parse inputs. -#}
{% macro window_value(name) -%}
    {%- set value = env_var('TICKERPULSE_DBT_' ~ name | upper, '') | trim -%}
    {{ return(value if value else var(name) | string) }}
{%- endmacro %}

{% macro window_date(name, offset_days=0) -%}
    {%- set value = window_value(name) -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error("window " ~ name ~ " (TICKERPULSE_DBT_" ~ name | upper ~ " or var " ~ name ~ ") must be an ISO date (YYYY-MM-DD), got " ~ value) }}
    {%- endif -%}
    (date '{{ value }}' + {{ offset_days | int }})
{%- endmacro %}

{#- The days articles left in this dbt invocation (int_article_moves), as ISO strings. Read
    when the node runs, after int_article_moves; empty while dbt only parses or compiles. -#}
{% macro window_moved_days(moves) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct strftime(moved_from_date, '%Y-%m-%d') as moved_day
        from {{ moves }}
        where invocation_id = '{{ invocation_id }}' and moved_from_date is not null
        order by moved_day
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{#- The days before the window whose prices an evening may have landed again since the last
    daily run: prices_after_close lands the last TICKERPULSE_PRICES_RELAND_DAYS (5) days on
    weekday evenings. The marts run every day, but two spare days let a weekend without a
    marts run (a custom TICKERPULSE_MARTS_CRON, a failed run) still pick up Friday evening's
    corrections on Monday: they reach back to Monday, seven days before. -#}
{% macro price_correction_days() -%}
    {%- set value = env_var('TICKERPULSE_PRICES_RELAND_DAYS', '') | trim -%}
    {%- if value and not modules.re.fullmatch('[0-9]{1,4}', value) -%}
        {{ exceptions.raise_compiler_error("TICKERPULSE_PRICES_RELAND_DAYS must be a whole number of days, got " ~ value) }}
    {%- endif -%}
    {{ return([value | int if value else 5, 1] | max + 2) }}
{%- endmacro %}

{#- A relation of this project by model name, from the graph rather than ref(): called while
    nodes run (hooks, tests), where dbt refuses a ref() it did not see when parsing. -#}
{% macro window_model_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {{ return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias
    )) }}
{%- endmacro %}

{#- Each span (first, last) of dates widened to the session `before` sessions before the first
    session on or after `first`, and to the session `after` sessions after the last session on
    or before `last`; never narrowed, and left as it is by a calendar without sessions. -#}
{% macro widen_by_sessions(spans, before, after) -%}
    {%- if not spans or (before | int == 0 and after | int == 0) -%}
        {{ return(spans) }}
    {%- endif -%}
    {%- set sessions = window_model_relation('stg_raw__market_sessions') -%}
    {%- set query -%}
        with sessions as (
            select session_date, session_index from {{ sessions }}
        ),

        spans as (
            select * from (values
                {%- for first_day, last_day in spans %}
                ({{ loop.index }}, date '{{ first_day }}', date '{{ last_day }}'){{ ',' if not loop.last }}
                {%- endfor %}
            ) as spans (span_id, first_day, last_day)
        ),

        indexed as (
            select
                span_id,
                first_day,
                last_day,
                -- Past the calendar's last session, counted back from its end.
                coalesce(
                    (select min(session_index) from sessions where session_date >= first_day),
                    (select max(session_index) + 1 from sessions)
                ) - {{ before | int }} as first_index,
                coalesce(
                    (select max(session_index) from sessions where session_date <= last_day), 0
                ) + {{ after | int }} as last_index
            from spans
        )

        select
            strftime(least(first_day, coalesce((
                select min(session_date) from sessions where session_index >= first_index
            ), first_day)), '%Y-%m-%d'),
            strftime(greatest(last_day, coalesce((
                select max(session_date) from sessions where session_index <= last_index
            ), last_day)), '%Y-%m-%d')
        from indexed
        order by span_id
    {%- endset -%}
    {%- set parse = modules.datetime.date.fromisoformat -%}
    {%- set widened = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do widened.append((parse(row[0]), parse(row[1]))) -%}
    {%- endfor -%}
    {{ return(widened) }}
{%- endmacro %}

{#- `date_column` within the window or within a moved day's span, the spans merged. -#}
{% macro window_ranges_predicate(
    date_column, moved_days, days_before=0, days_after=0,
    sessions_before=0, sessions_after=0, price_corrections=false
) -%}
    {%- set parse = modules.datetime.date.fromisoformat -%}
    {%- set before = modules.datetime.timedelta(days=days_before | int) -%}
    {%- set after = modules.datetime.timedelta(days=days_after | int) -%}
    {%- set corrections = modules.datetime.timedelta(
        days=price_correction_days() if price_corrections else 0
    ) -%}
    {#- window_date validates the vars; the ranges need them as dates. -#}
    {%- do window_date('min_date') -%}
    {%- do window_date('max_date') -%}
    {%- set spans = [(
        parse(window_value('min_date')) - corrections - before,
        parse(window_value('max_date')) + after
    )] -%}
    {%- for day in moved_days -%}
        {%- do spans.append((parse(day) - before, parse(day) + after)) -%}
    {%- endfor -%}
    {%- set spans = widen_by_sessions(spans, sessions_before, sessions_after) -%}
    {%- set merged = [] -%}
    {%- for first_day, last_day in spans | sort -%}
        {%- if merged and first_day <= merged[-1][1] + modules.datetime.timedelta(days=1) -%}
            {%- if last_day > merged[-1][1] -%}
                {%- do merged.append((merged.pop()[0], last_day)) -%}
            {%- endif -%}
        {%- else -%}
            {%- do merged.append((first_day, last_day)) -%}
        {%- endif -%}
    {%- endfor -%}
    ({% for first_day, last_day in merged -%}
        {{ date_column }} between date '{{ first_day }}' and date '{{ last_day }}'{{ ' or ' if not loop.last }}
    {%- endfor %})
{%- endmacro %}

{#- A filter for the rows an incremental run rebuilds; `true` on a full build. -#}
{% macro in_incremental_window(
    date_column, days_before=0, days_after=0, with_moves=true,
    sessions_before=0, sessions_after=0, price_corrections=false
) -%}
    {#- Called outside the branch too, so dbt records the dependency when it parses. -#}
    {%- set moves = ref('int_article_moves') if with_moves else none -%}
    {%- if is_incremental() -%}
        {{ window_ranges_predicate(
            date_column, window_moved_days(moves) if with_moves else [], days_before, days_after,
            sessions_before, sessions_after, price_corrections
        ) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of every incremental model (dbt_project.yml): delete the rows to rebuild
    (delete+insert alone only deletes the keys it inserts, and a ticker-day or an article that
    left the window must go too). The model names the days in its config, once for this hook
    and for its tests (macros/tests/window_scope.sql):
        meta={'incremental_window': {'date_column': 'sentiment_date', 'days_after': 29}}
    with 'with_moves': false for int_article_moves, which the moved days come from, and
    'days_before' for a mart whose rows look forward (forward returns): the days before the
    window that it rebuilds too. 'sessions_before', 'sessions_after' and 'price_corrections'
    (above) widen the days by sessions of the market calendar. -#}
{% macro delete_incremental_window() -%}
    {%- if is_incremental() -%}
        {%- set window = (config.get('meta') or {}).get('incremental_window') -%}
        {%- if not window -%}
            {{ exceptions.raise_compiler_error(
                "incremental model " ~ this ~ " needs meta.incremental_window in its config"
                ~ " (macros/incremental_window.sql): the days its runs delete and rebuild"
            ) }}
        {%- endif -%}
        delete from {{ this }}
        where {{ in_incremental_window(
            window.date_column, window.get('days_before', 0), window.get('days_after', 0),
            window.get('with_moves', true), window.get('sessions_before', 0),
            window.get('sessions_after', 0), window.get('price_corrections', false)
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- A pre-hook for a mart whose rows run up to the warehouse's last day with news: when a
    re-run leaves that day without news, the rows after the new last day go. -#}
{% macro delete_after_last_news_day(date_column, mentions, news_date_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ date_column }} > (
            select coalesce(max({{ news_date_column }}), date '1900-01-01')
            from {{ mentions }}
        )
    {%- endif -%}
{%- endmacro %}
