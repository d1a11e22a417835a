"""Start-up and total time of a multi-year UI backfill, dbt tests as asset checks vs not.

    .venv/bin/python bench/bench_backfill.py [--years 5] [--articles 10000] [--baseline-days 30]

Each case runs in a fresh process on a fresh DAGSTER_HOME (our dagster.yaml, the one-writer
pool, ranged planned events), launches the backfill the way the UI does (the
launchPartitionBackfill mutation over every daily asset) and drives the backfill daemon and
the run queue until it ends; the run executes in its own process through the code location,
as under `dagster dev`. Two sources: an empty file-drop folder, and one JSONL of synthetic
articles spread over the years.

"before" is TICKERPULSE_DBT_TESTS_AS_CHECKS=true, the daily models' dbt tests as Dagster
asset checks: Dagster stores a planned row per check and day before the run starts. "after"
is the default (dbt build runs them; each result is an observation). Both run the
multi-year range until its first step starts (--full: to the end). A --baseline-days range
runs "after" to the end, to measure the other cost of a long range: Dagster writes one
materialization per asset and day as each step ends (no ranged form exists in Dagster 1.13);
the multi-year figure for it is an estimate from that run's cost per event, printed as one.
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
sys.path.insert(0, str(ROOT))  # testservers/, which the package does not install
RANGED_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
CHECKS_ENV = "TICKERPULSE_DBT_TESTS_AS_CHECKS"
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
    from testservers.launchpad import launch_backfill

    prepare_home(work / "home")
    instance = dg.DagsterInstance.get()
    ensure_warehouse_pool(instance)
    assert build_defs().resolve_job_def("reference_job").execute_in_process(instance=instance)
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [(start + timedelta(d)).isoformat() for d in range((end - start).days + 1)]
    target = WorkspaceFileTarget(paths=[str(ROOT / "workspace.yaml")])
    with WorkspaceProcessContext(instance, target) as context:
        launched = time.time()
        backfill_id = launch_backfill(context, days, "bench")
        _drive(context, backfill_id, start_only)
        ended = time.time()
    [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
    logs = instance.all_logs(run.run_id)
    kinds = dg.DagsterEventType
    first_step = min(e.timestamp for e in logs if e.dagster_event_type == kinds.STEP_START)
    planned = sum(e.dagster_event_type == kinds.ASSET_MATERIALIZATION_PLANNED for e in logs)
    check_rows = sum(
        len(e.dagster_event.asset_check_planned_data.partitions_subset.get_partition_keys())
        for e in logs
        if e.dagster_event_type == kinds.ASSET_CHECK_EVALUATION_PLANNED
    )
    materialized = [e for e in logs if e.dagster_event_type == kinds.ASSET_MATERIALIZATION]
    status = instance.get_backfill(backfill_id).status.value
    if start_only:
        status = "stopped at the first step"
    created = instance.get_run_record_by_id(run.run_id).create_timestamp.timestamp()
    seen = {}
    for e in logs:
        seen.setdefault(e.dagster_event_type, e.timestamp)
    step_ends = [e.timestamp for e in logs if e.dagster_event_type == kinds.STEP_SUCCESS]
    ends = {kinds.RUN_SUCCESS, kinds.RUN_FAILURE, kinds.RUN_CANCELED}
    run_end = max((e.timestamp for e in logs if e.dagster_event_type in ends), default=0)
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
        "check_rows": check_rows,
        "materializations": len(materialized),
        "materializing_s": _materializing_s(materialized),
        "after_last_step_s": run_end - max(step_ends) if step_ends and run_end else 0.0,
    }


def _materializing_s(events: list) -> float:
    """Time spent writing materializations.

    A ranged step writes an asset's days one after another, so the gaps within each run of
    the same asset and step are the writes (the first one's cost taken as the average).
    """
    runs: dict[tuple, list[float]] = {}
    for e in events:
        runs.setdefault((e.step_key, e.dagster_event.asset_key), []).append(e.timestamp)
    return sum(
        (max(times) - min(times)) * len(times) / (len(times) - 1)
        for times in runs.values()
        if len(times) > 1
    )


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
            RANGED_ENV: "true",
            CHECKS_ENV: "true" if mode == "before" else "false",
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
        f"  {name:<22}{row['days']:>5} days  planned check rows {row['check_rows']:>7}  "
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
        before = measure("before", first, LAST_DAY, articles, start_only=not args.full)
        after = measure("after", first, LAST_DAY, articles, start_only=not args.full)
        # The short range gets the articles of its days only, at the same density.
        short = measure("after", short_first, LAST_DAY, round(articles * args.baseline_days / days))
        print(_line("before (dbt checks)", before))
        print(_line("after (observations)", after))
        print(_line("after, to the end", short))
        print(
            f"  {days} days, first step: {before['first_step_s']:.1f} s -> "
            f"{after['first_step_s']:.1f} s ({before['first_step_s'] / after['first_step_s']:.1f}x "
            f"sooner); planned check rows {before['check_rows']} -> {after['check_rows']}"
        )
        # Materializations: one per asset and day, written as each step ends.
        per_event = short["materializing_s"] / max(short["materializations"], 1)
        long_events = short["materializations"] * days // short["days"]
        print(
            f"  materializations: {short['materializations']} over {short['days']} days took "
            f"{short['materializing_s']:.1f} s of the run's {short['total_s']:.1f} s "
            f"({per_event * 1000:.1f} ms each; {short['after_last_step_s']:.1f} s after the "
            f"last step); {days} days: {long_events} of them, ~{per_event * long_events:.0f} s "
            "(estimated)"
        )
        if args.full:
            print(
                f"  {days} days, total: {before['total_s']:.1f} s -> {after['total_s']:.1f} s; "
                f"materializing {after['materializing_s']:.1f} s of it"
            )


if __name__ == "__main__":
    main()
