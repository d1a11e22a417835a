{#- The partition window Dagster passes as vars (inclusive ISO dates), for incremental models.

    A first build or --full-refresh reads all history. An incremental run deletes the days it
    rebuilds (pre-hook delete_incremental_window) and inserts them rebuilt: the days of the
    window, plus the days that articles of the window left in this run (int_article_moves), so
    re-running a window leaves the marts as a full build would. Marts whose rows look back
    over a trailing window also rebuild the `days_after` days that follow, and read
    `days_before` days of history before. -#}

{% macro window_date(name, offset_days=0) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be an ISO date (YYYY-MM-DD), got " ~ value) }}
    {%- endif -%}
    (date '{{ value }}' + {{ offset_days | int }})
{%- endmacro %}

{#- A filter for the rows an incremental run rebuilds; `true` on a full build. -#}
{% macro in_incremental_window(date_column, days_before=0, days_after=0, with_moves=true) -%}
    {#- Called outside the branch too, so dbt records the dependency when it parses. -#}
    {%- set moves = ref('int_article_moves') if with_moves else none -%}
    {%- if is_incremental() -%}
        ({{ date_column }} between {{ window_date('min_date', -days_before) }} and {{ window_date('max_date', days_after) }}
        {%- if with_moves %}
            or exists (
                /* only the moved days' bounds in scope: the date column is the caller's */
                select 1
                from (
                    select
                        moved_from_date - {{ days_before | int }} as moved_window_start,
                        moved_from_date + {{ days_after | int }} as moved_window_end
                    from {{ moves }}
                    where invocation_id = '{{ invocation_id }}' and moved_from_date is not null
                ) as moved_days
                where {{ date_column }} between moved_days.moved_window_start and moved_days.moved_window_end
            )
        {%- endif -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- A pre-hook: delete the rows to rebuild (delete+insert alone only deletes the keys it
    inserts, and a ticker-day or an article that left the window must go too). -#}
{% macro delete_incremental_window(date_column, days_after=0, with_moves=true) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_incremental_window(date_column, 0, days_after, with_moves) }}
    {%- endif -%}
{%- endmacro %}
