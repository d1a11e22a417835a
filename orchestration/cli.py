"""`tickerpulse demo` runs the graph offline; `query` reads the marts; `eval` scores analyzers."""

from __future__ import annotations

import argparse
import sys
import uuid

import dagster as dg

from orchestration.instance import ensure_warehouse_pool, prepare_home
from orchestration.operations import run_health
from orchestration.partitions import RANGE_END, RANGE_START, PartitionRangeError, check_range
from orchestration.paths import serving_path
from orchestration.warehouse.location import from_environment

_SUMMARY_SQL = """
select
    d.ticker,
    t.name,
    sum(d.article_count) as articles,
    round(sum(d.weighted_sentiment_score * d.total_relevance) / sum(d.total_relevance), 3)
        as sentiment,
    count(*) filter (where d.sentiment_label in ('Bullish', 'Somewhat-Bullish')) as bullish_days,
    count(*) filter (where d.sentiment_label in ('Bearish', 'Somewhat-Bearish')) as bearish_days
from marts.fct_ticker_sentiment_daily as d
join marts.dim_tickers as t on t.symbol = d.ticker
where d.sentiment_date between ? and ?
group by all
order by sentiment desc, d.ticker
"""


def materialize_range(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    start: str,
    end: str,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """The reference data, then every day from start to end in one run (as a UI backfill).

    A range outside the partitions is a PartitionRangeError before anything runs.
    """
    check_range(start, end)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    run_id = str(uuid.uuid4())
    reference = defs.resolve_job_def("reference_job").execute_in_process(
        instance=instance,
        run_config=run_config,
        run_id=run_id,
        tags=_worker_tags(run_id),
        raise_on_error=False,
    )
    if not reference.success:
        return reference
    run_id = str(uuid.uuid4())
    return defs.resolve_job_def("daily_news_job").execute_in_process(
        instance=instance,
        run_config=run_config,
        run_id=run_id,
        tags={RANGE_START: start, RANGE_END: end, **_worker_tags(run_id)},
        raise_on_error=False,
    )


def _worker_tags(run_id: str) -> dict[str, str]:
    # This process is the run's worker: if it is killed, dead_run_sensor (under `make dev`)
    # can prove it gone and free the warehouse pool the run holds.
    worker = run_health.Worker.this_process(run_id)
    return {run_health.WORKER_TAG: worker.to_tag()} if worker else {}


def run_demo(start: str, end: str) -> int:
    """Materialize the whole graph for the demo days and print a summary."""
    from orchestration.definitions import defs

    # Runs land in .dagster/ (unless DAGSTER_HOME is set) so `make dev` shows them later.
    try:
        check_range(start, end)
    except PartitionRangeError as exc:
        print(f"tickerpulse demo: {exc}", file=sys.stderr)
        return 2
    prepare_home()
    instance = dg.DagsterInstance.get()
    ensure_warehouse_pool(instance)
    print(f"TickerPulse demo: {start} .. {end} (Dagster home {instance.root_directory})")
    print(
        "materializing ticker_reference, market_sessions, raw_articles, article_analysis, "
        "raw_prices (INVENTED demo prices, see prices.yaml) and the dbt marts ..."
    )
    result = materialize_range(defs, instance, start, end, log_level="WARNING")
    if not result.success:
        print("the run failed; see the Dagster UI (make dev) for its logs", file=sys.stderr)
        return 1
    print_summary(start, end)
    return 0


def print_summary(start: str, end: str) -> None:
    import duckdb

    from orchestration.serving.catalog import CATALOG

    # Read what BI tools read: the published catalog, never the warehouse itself.
    database = from_environment().describe()
    catalog = serving_path() / CATALOG
    with duckdb.connect(str(catalog), read_only=True) as con:
        rows = con.execute(_SUMMARY_SQL, [start, end]).fetchall()
        totals = con.execute(
            "select count(*), count(distinct ticker) from marts.fct_ticker_mentions "
            "where published_date between ? and ?",
            [start, end],
        ).fetchone()
    print(f"\nDuckDB warehouse (written by runs):   {database}")
    print(f"Served marts (open this in BI tools): {catalog}")
    print(f"{totals[0]} ticker mentions of {totals[1]} tickers, {start} .. {end}\n")
    header = ("ticker", "company", "articles", "sentiment", "bull days", "bear days")
    print("{:<7}{:<28}{:>9}{:>11}{:>11}{:>11}".format(*header))
    for ticker, name, articles, sentiment, bull, bear in rows:
        print(f"{ticker:<7}{name[:27]:<28}{articles:>9}{sentiment:>+11.3f}{bull:>11}{bear:>11}")
    print(
        "\nNext:\n"
        "  Dagster UI (lineage, runs, backfills):  make dev   then open http://127.0.0.1:3000\n"
        f"  Query the marts (duckdb CLI):           duckdb -readonly {catalog}\n"
        "      select * from marts.fct_ticker_sentiment_daily order by sentiment_date, ticker;\n"
        "  Or without the duckdb CLI:              .venv/bin/tickerpulse query "
        '"select * from marts.fct_article_sentiment limit 5"'
    )


def run_query(sql: str) -> int:
    """Run one read-only SQL statement against the served marts and print the result."""
    import duckdb

    from orchestration.serving.catalog import CATALOG

    with duckdb.connect(str(serving_path() / CATALOG), read_only=True) as con:
        print(con.sql(sql))
    return 0


def main(argv: list[str] | None = None) -> int:
    from orchestration.demo import demo_dates
    from orchestration.evaluation.cli import add_eval_command

    dates = demo_dates()
    parser = argparse.ArgumentParser(prog="tickerpulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="materialize the whole graph for the demo dates")
    demo.add_argument("--start", default=dates[0], help="first UTC day (YYYY-MM-DD)")
    demo.add_argument("--end", default=dates[-1], help="last UTC day (YYYY-MM-DD)")
    query = commands.add_parser("query", help="run read-only SQL against the served marts")
    query.add_argument("sql")
    add_eval_command(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args.start, args.end)
    if args.command == "eval":
        return args.handler(args)
    return run_query(args.sql)


if __name__ == "__main__":
    raise SystemExit(main())
