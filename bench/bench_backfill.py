"""Start-up and total time of a multi-year UI backfill, per-partition planned events vs ranged.

    .venv/bin/python bench/bench_backfill.py [--years 5] [--articles 10000] [--baseline-days 120]

Each case runs in a fresh process on a fresh DAGSTER_HOME (our dagster.yaml, the one-writer
pool), launches the backfill the way the UI does (the launchPartitionBackfill mutation over
every daily asset) and drives the backfill daemon and the run queue until it ends; the run
executes in its own process through the code location, as under `dagster dev`. Two sources:
an empty file-drop folder, and one JSONL of synthetic articles spread over the years.

"before" is Dagster's default (one "materialization planned" event per asset and day);
"after" is what orchestration/instance.py turns on (one ranged event per asset). Both run a
--baseline-days range to the end. The multi-year range runs "after" only, until its first
step starts (--full: to the end); the per-day baseline over it would spend an hour or more
writing planned events on a loaded machine, so its start-up is estimated from the cost of a
planned event measured in the two short runs, and printed as an estimate.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANGED_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
LAST_DAY = date(2024, 12, 31)
_COMPANIES = [
    ("Apple", "AAPL"),
    ("Microsoft", "MSFT"),
    ("NVIDIA", "NVDA"),
    ("Amazon", "AMZN"),
    ("Tesla", "TSLA"),
    ("Intel", "INTC"),
    ("Boeing", "BA"),
    ("Pfizer", "PFE"),
]
_HEADLINES = [
    "{name} shares climb after quarterly revenue beats estimates",
    "{name} cuts full-year guidance as demand slows",
    "{name} announces a $5 billion share buyback",
    "Analysts downgrade {name} on margin pressure",
    "{name} ({ticker}) wins a large government contract",
]


def write_drop_file(folder: Path, articles: int, first: date, last: date) -> None:
    """Synthetic articles (invented headlines about real companies), spread over the range."""
    rng = random.Random(14)
    span = (last - first).days + 1
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "history.jsonl").open("w") as out:
        for i in range(articles):
            name, ticker = rng.choice(_COMPANIES)
            title = rng.choice(_HEADLINES).format(name=name, ticker=ticker)
            day = first + timedelta(days=rng.randrange(span))
            at = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))
            row = {
                "title": f"{title} ({i})",
                "published_at": at.replace(tzinfo=UTC).isoformat(),
                "url": f"https://news.example.com/{i}",
                "body": f"{title}. The company said the change reflects market conditions.",
                "source": "bench-wire",
            }
            out.write(json.dumps(row) + "\n")


def probe(work: Path, first: str, last: str, start_only: bool) -> dict[str, float]:
    """In this process: one UI backfill of first..last on a fresh home; timings and counts.

    With start_only the run is terminated once its first step has started.
    """
    import dagster as dg
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    from orchestration.definitions import build_defs
    from orchestration.instance import ensure_warehouse_pool, prepare_home

    prepare_home(work / "home")
    instance = dg.DagsterInstance.get()
    ensure_warehouse_pool(instance)
    assert build_defs().resolve_job_def("reference_job").execute_in_process(instance=instance)
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [(start + timedelta(d)).isoformat() for d in range((end - start).days + 1)]
    target = WorkspaceFileTarget(paths=[str(ROOT / "workspace.yaml")])
    with WorkspaceProcessContext(instance, target) as context:
        launched = time.time()
        backfill_id = _launch_backfill(context, days)
        _drive(context, backfill_id, start_only)
        ended = time.time()
    [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
    logs = instance.all_logs(run.run_id)
    kinds = dg.DagsterEventType
    first_step = min(e.timestamp for e in logs if e.dagster_event_type == kinds.STEP_START)
    planned = sum(e.dagster_event_type == kinds.ASSET_MATERIALIZATION_PLANNED for e in logs)
    materialized = sum(e.dagster_event_type == kinds.ASSET_MATERIALIZATION for e in logs)
    status = instance.get_backfill(backfill_id).status.value
    if start_only:
        status = "stopped at the first step"
    created = instance.get_run_record_by_id(run.run_id).create_timestamp.timestamp()
    seen = {}
    for e in logs:
        seen.setdefault(e.dagster_event_type, e.timestamp)
    return {
        "created_s": created - launched,
        "enqueued_s": seen.get(kinds.RUN_ENQUEUED, 0) - launched,
        "starting_s": seen.get(kinds.RUN_STARTING, 0) - launched,
        "started_s": seen.get(kinds.RUN_START, 0) - launched,
        "days": len(days),
        "status": status,
        "run_status": run.status.value,
        "first_step_s": first_step - launched,
        "total_s": ended - launched,
        "planned_events": planned,
        "materializations": materialized,
    }


def _launch_backfill(context, days: list[str]) -> str:
    """The UI's launchPartitionBackfill mutation over every daily asset and `days`."""
    from dagster_graphql.client.query import LAUNCH_PARTITION_BACKFILL_MUTATION
    from dagster_graphql.test.utils import execute_dagster_graphql

    from orchestration.definitions import build_defs

    graph = build_defs().resolve_asset_graph()
    keys = [
        {"path": list(key.path)}
        for key in graph.materializable_asset_keys
        if graph.get(key).partitions_def
    ]
    params = {"assetSelection": keys, "partitionNames": days, "title": "bench"}
    result = execute_dagster_graphql(
        context.create_request_context(),
        LAUNCH_PARTITION_BACKFILL_MUTATION,
        {"backfillParams": params},
    )
    launched = result.data["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def _drive(context, backfill_id: str, start_only: bool) -> None:
    """Iterate the backfill daemon and the run queue, as dagster-daemon does, until it ends."""
    from dagster._core.execution.backfill import BulkActionStatus
    from dagster._daemon.backfill import execute_backfill_iteration
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
        QueuedRunCoordinatorDaemon,
    )

    logger = logging.getLogger("bench-backfill")
    queue = QueuedRunCoordinatorDaemon(interval_seconds=1)
    running = {BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING}
    while context.instance.get_backfill(backfill_id).status in running:
        list(execute_backfill_iteration(context, logger))
        list(queue.run_iteration(context))
        if start_only and _first_step_started(context.instance, backfill_id):
            return
        time.sleep(0.5)


def _first_step_started(instance, backfill_id: str) -> bool:
    import dagster as dg

    for run in instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id})):
        if instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START):
            instance.run_launcher.terminate(run.run_id)
            return True
    return False


def measure(mode: str, first: date, last: date, articles: int, start_only: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        drop = work / "drop"
        drop.mkdir()
        if articles:
            write_drop_file(drop, articles, first, last)
        sources = work / "sources.yaml"
        sources.write_text(
            f"sources:\n  - name: bench-drop\n    kind: file_drop\n    location: {drop}\n"
        )
        env = {
            **os.environ,
            "DAGSTER_HOME": str(work / "home"),
            "TICKERPULSE_DUCKDB_PATH": str(work / "warehouse.duckdb"),
            "TICKERPULSE_SERVING_DIR": str(work / "serving"),
            "TICKERPULSE_SOURCES": str(sources),
            "TICKERPULSE_ANALYZER": "offline",
            "TICKERPULSE_PARTITIONS_START": "2015-01-01",
            RANGED_ENV: "true" if mode == "after" else "false",
        }
        args = [sys.executable, __file__, "--probe", str(work), first.isoformat()]
        args += [last.isoformat(), "start" if start_only else "all"]
        out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"{mode} probe failed:\n{out.stderr[-4000:]}")
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"{mode} probe printed no result:\n{out.stdout[-4000:]}")
        return json.loads(lines[-1])


def _line(name: str, row: dict) -> str:
    total = f"{row['total_s']:7.1f} s" if row["status"].startswith("COMPLETED") else "      -  "
    return (
        f"  {name:<22}{row['days']:>5} days  planned events {row['planned_events']:>6}  "
        f"run created {row['enqueued_s']:6.1f} s  worker up {row['started_s']:6.1f} s  "
        f"first step {row['first_step_s']:7.1f} s  total {total}  ({row['status']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--baseline-days", type=int, default=30)
    parser.add_argument("--full", action="store_true", help="run the long range to its end too")
    parser.add_argument("--only", choices=["empty", "articles"], help="one of the two sources")
    parser.add_argument("--probe", nargs=4, metavar=("WORK", "FIRST", "LAST", "UNTIL"))
    args = parser.parse_args()
    if args.probe:
        logging.disable(logging.WARNING)
        work, first, last, until = args.probe
        print(json.dumps(probe(Path(work), first, last, until == "start")))
        return
    first = date(LAST_DAY.year - args.years + 1, 1, 1)
    days = (LAST_DAY - first).days + 1
    short_first = LAST_DAY - timedelta(days=args.baseline_days - 1)
    cases = {"empty": ("empty range", 0), "articles": (f"{args.articles} articles", args.articles)}
    for label, articles in [cases[args.only]] if args.only else cases.values():
        print(f"{args.years}-year backfill ({first} .. {LAST_DAY}, {days} days), {label}:")
        # The short ranges get the articles of their days only, at the same density.
        short_articles = round(articles * args.baseline_days / days)
        before = measure("before", short_first, LAST_DAY, short_articles)
        after_short = measure("after", short_first, LAST_DAY, short_articles)
        after = measure("after", first, LAST_DAY, articles, start_only=not args.full)
        print(_line("before (per day)", before))
        print(_line("after (ranged)", after_short))
        print(_line("after (ranged)", after))
        # What a planned event costs here, from the two short runs; the per-day baseline of
        # the long range writes that many more of them before its run is even queued.
        extra = before["planned_events"] - after_short["planned_events"]
        per_event = (before["enqueued_s"] - after_short["enqueued_s"]) / extra
        long_extra = before["planned_events"] * days / before["days"] - after["planned_events"]
        estimate = after["first_step_s"] + per_event * long_extra
        print(
            f"  {args.baseline_days} days: first step {before['first_step_s']:.1f} s -> "
            f"{after_short['first_step_s']:.1f} s "
            f"({before['first_step_s'] / after_short['first_step_s']:.1f}x sooner), total "
            f"{before['total_s']:.1f} s -> {after_short['total_s']:.1f} s "
            f"({before['total_s'] / after_short['total_s']:.2f}x)"
        )
        print(
            f"  {days} days: a planned event costs {per_event * 1000:.0f} ms here, so the "
            f"per-day baseline would reach its first step after ~{estimate:.0f} s (estimated); "
            f"ranged: {after['first_step_s']:.1f} s ({estimate / after['first_step_s']:.0f}x "
            "sooner)"
        )


if __name__ == "__main__":
    main()
