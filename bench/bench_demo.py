"""Where a warm `tickerpulse demo` and a warm daily run spend their time.

    .venv/bin/python bench/bench_demo.py [--repeat 2]

Runs the demo in fresh processes, as a developer runs `tickerpulse demo`, on a temporary
warehouse, serving folder and Dagster home (never data/ or .dagster/): one cold run (the
first: a new warehouse), then `--repeat` warm runs, then `--repeat` warm daily runs
(daily_news_job for the last demo day, as the schedule launches it). Installing is not
timed. For each run it prints the wall time and its parts: importing the definitions (which
parses the dbt project when it changed), every step of the runs from Dagster's event log,
and each dbt step split with dbt's run_results.json into start-up and parsing (before the
first node starts), the nodes themselves, and the tail after the last node (Dagster reading
the results), and the CPU time of the process and its children (dbt), which a busy
machine disturbs less than wall time. The baseline in the same run is `dbt parse` with
nothing to re-parse: what any dbt command on this project pays before its first node.
Shared machines are noisy: medians count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DBT_STEPS = ("dbt_reference_models", "dbt_daily_models")
# Steps in the order a demo runs them; shown under these names.
STEP_NAMES = {
    "ticker_reference": "reference (python)",
    "raw_articles": "ingest",
    "article_analysis": "analysis",
    "served_marts": "publish",
    "article_alerts": "alerts",
    "shock_alerts": "alerts",
}


def _dbt_phases(step: str, run_id: str, started: float, ended: float) -> dict[str, float]:
    """Start-up + parse, nodes and tail of one dbt step, from its run_results.json."""
    from orchestration.paths import DBT_PROJECT_DIR

    [target] = (DBT_PROJECT_DIR / "target").glob(f"{step}-{run_id[:7]}-*")
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    stamps = [
        datetime.fromisoformat(t[key].replace("Z", "+00:00")).timestamp()
        for r in results
        for t in r["timing"]
        for key in ("started_at", "completed_at")
    ]
    first, last = min(stamps), max(stamps)
    log = (target / "dbt.log").read_text(encoding="utf-8", errors="replace")
    return {
        "dbt start-up + parse": first - started,
        "dbt nodes": last - first,
        "dbt tail (Dagster reads results)": ended - last,
        "full re-parses": float("Unable to do partial parsing" in log),
    }


def _run_breakdown(run_id: str) -> dict[str, float]:
    import dagster as dg

    instance = dg.DagsterInstance.get()
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS}
    starts: dict[str, float] = {}
    parts: dict[str, float] = {}
    for entry in instance.all_logs(run_id, of_type=kinds):
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            starts[entry.step_key] = entry.timestamp
            continue
        started = starts[entry.step_key]
        if entry.step_key in DBT_STEPS:
            phases = _dbt_phases(entry.step_key, run_id, started, entry.timestamp)
        else:
            phases = {STEP_NAMES.get(entry.step_key, entry.step_key): entry.timestamp - started}
        for name, seconds in phases.items():
            parts[name] = parts.get(name, 0.0) + seconds
    return parts


def _child(kind: str, out: Path) -> None:
    """One demo or daily run in this process; its breakdown as JSON into `out`."""
    began = time.perf_counter()
    import dagster as dg

    from orchestration.definitions import defs

    imported = time.perf_counter() - began
    from orchestration.cli import run_demo
    from orchestration.demo import demo_dates
    from orchestration.instance import ensure_warehouse_pool, prepare_home

    dates = demo_dates()
    prepare_home()
    instance = dg.DagsterInstance.get()
    before = {run.run_id for run in instance.get_runs()}
    if kind == "demo":
        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                assert run_demo(dates[0], dates[-1]) == 0, "the demo failed"
            finally:
                sys.stdout = stdout
    else:
        ensure_warehouse_pool(instance)
        job = defs.resolve_job_def("daily_news_job")
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        result = job.execute_in_process(
            instance=instance, partition_key=dates[-1], run_config=quiet
        )
        assert result.success
    parts = {"import definitions": imported}
    for run in reversed(instance.get_runs()):
        if run.run_id not in before:
            for name, seconds in _run_breakdown(run.run_id).items():
                parts[name] = parts.get(name, 0.0) + seconds
    parts["in-process total"] = time.perf_counter() - began
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    parts["CPU (process + dbt)"] = sum(u.ru_utime + u.ru_stime for u in usage)
    out.write_text(json.dumps(parts), encoding="utf-8")


def _spawn(kind: str, env: dict[str, str], work: Path) -> dict[str, float]:
    out = work / f"{kind}.json"
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--child", kind, "--out", str(out)], env=env, check=True
    )
    parts = json.loads(out.read_text(encoding="utf-8"))
    parts["wall (process)"] = time.perf_counter() - began
    return parts


def _floor_dbt_s(env: dict[str, str], work: Path) -> float:
    """A `dbt parse` that finds nothing to re-parse, on the warehouse of the runs."""
    from orchestration.paths import DBT_PROJECT_DIR
    from orchestration.resources import dbt_executable

    target = work / "floor-target"
    if not target.exists():  # starts from the parse the runs copied
        target.mkdir()
        shutil.copy(DBT_PROJECT_DIR / "target/partial_parse.msgpack", target)
    began = time.perf_counter()
    subprocess.run(
        [dbt_executable(), "--quiet", "parse"],
        cwd=DBT_PROJECT_DIR,
        env={**env, "DBT_TARGET_PATH": str(target), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        check=True,
    )
    return time.perf_counter() - began


def _print(title: str, runs: list[dict[str, float]], floor: float) -> None:
    names = list(dict.fromkeys(name for run in runs for name in run))
    print(f"\n{title} ({len(runs)} run(s); median, then each run), seconds")
    for name in names:
        values = [run.get(name, 0.0) for run in runs]
        shown = "  ".join(f"{v:6.1f}" for v in values)
        print(f"  {name:<36}{statistics.median(values):7.1f}   [{shown}]")
    fixed = [
        run.get("dbt start-up + parse", 0.0) + run.get("dbt tail (Dagster reads results)", 0.0)
        for run in runs
    ]
    walls = [run["wall (process)"] for run in runs]
    share = statistics.median(f / w for f, w in zip(fixed, walls, strict=True))
    print(f"  dbt fixed overhead / wall: {share:.0%}")
    ratio = statistics.median(fixed) / floor
    print(f"  dbt fixed overhead / a warm `dbt parse`: {ratio:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="warm runs of each kind")
    parser.add_argument("--child", choices=["demo", "daily"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "DAGSTER_HOME": str(work / "dagster_home"),
            "TICKERPULSE_DUCKDB_PATH": str(work / "tickerpulse.duckdb"),
            "TICKERPULSE_SERVING_DIR": str(work / "serving"),
            "TICKERPULSE_ANALYZER": "offline",
        }
        cold = [_spawn("demo", env, work)]
        warm = [_spawn("demo", env, work) for _ in range(args.repeat)]
        daily = [_spawn("daily", env, work) for _ in range(args.repeat)]
        floor = statistics.median(_floor_dbt_s(env, work) for _ in range(3))
    print(f"\nbaseline: a warm `dbt parse` takes {floor:.1f} s (median of 3)")
    _print("cold demo (new warehouse)", cold, floor)
    _print("warm demo", warm, floor)
    _print("warm daily run (last demo day)", daily, floor)


if __name__ == "__main__":
    main()
