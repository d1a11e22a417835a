"""A run that dies with the daemon that launched it frees the warehouse pool; a live run stays.

Under a real `dagster-daemon run` in its own process group (as a service manager starts it):
its code server launches the run worker, so a SIGKILL of the group (a crash, an OOM kill)
takes daemon, code server and worker at once and nothing is left to record the run's end.
The long run is an ingest that waits for the DuckDB file, which this test holds the way a
notebook would: a healthy run that takes as long as the test wants.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import dagster as dg
import duckdb
import pytest
from dagster._core.scheduler.instigation import InstigatorType, TickStatus
from dagster._core.storage.tags import MAX_RETRIES_TAG, PARTITION_NAME_TAG
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from orchestration.instance import ensure_warehouse_pool, prepare_home
from orchestration.operations.run_health import Worker, process_start
from orchestration.paths import PROJECT_ROOT
from orchestration.sensors import dead_run_sensor
from tests.conftest import FIXTURES, write_sources
from testservers.daemon import daemon as run_daemon
from testservers.daemon import wait_for
from testservers.launchpad import launch_run

SENSOR_INTERVAL_S = 2
DAY = (datetime.now(tz=UTC).date() - timedelta(days=1)).isoformat()
T = TypeVar("T")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME as `make dev` prepares it; daemon, code servers and runs share the env."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("TICKERPULSE_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("TICKERPULSE_SERVING_DIR", str(tmp_path / "serving"))
    sources = write_sources(tmp_path / "sources.yaml", {"local": str(FIXTURES / "small.rss")})
    monkeypatch.setenv("TICKERPULSE_SOURCES", str(sources))
    monkeypatch.setenv("TICKERPULSE_ANALYZER", "offline")
    monkeypatch.setenv("TICKERPULSE_DROP_SENSOR", "off")
    # On by default, it would launch runs of its own from the feed: this test counts runs.
    monkeypatch.setenv("TICKERPULSE_FEED_SENSOR", "off")
    monkeypatch.setenv("TICKERPULSE_DEAD_RUN_SENSOR_INTERVAL_S", str(SENSOR_INTERVAL_S))
    # Longer than the test: the long run is healthy for as long as the file is held.
    monkeypatch.setenv("TICKERPULSE_DUCKDB_LOCK_WAIT_S", "600")
    return prepare_home()


def _wait(condition: Callable[[], T], timeout_s: float, what: str, log: Path) -> T:
    return wait_for(condition, timeout_s, what, log, poll_s=0.25)


def _sensor_skips(instance: dg.DagsterInstance, after: float) -> list[str]:
    """What dead_run_sensor said on each tick since `after` (epoch seconds)."""
    states = [
        s
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        if s.name == "dead_run_sensor"
    ]
    return [
        tick.skip_reason or ""
        for state in states
        for tick in instance.get_ticks(
            state.instigator_origin_id,
            state.selector_id,
            after=after,
            statuses=[TickStatus.SKIPPED],
        )
    ]


def _started_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        found = re.fullmatch(r"Started process for run \(pid: (\d+)\)\.", record.message)
        if found:
            return int(found.group(1))
    return None


@pytest.mark.slow
def test_a_run_killed_with_its_daemon_is_failed_and_the_queued_run_then_succeeds(
    home: Path, tmp_path: Path
):
    log = tmp_path / "daemon.log"
    began = time.monotonic()
    instance = dg.DagsterInstance.get()
    ensure_warehouse_pool(instance)

    def status(run_id: str) -> dg.DagsterRunStatus:
        return instance.get_run_by_id(run_id).status

    # Another writer holds the file, so the ingest below stays busy until it is let go.
    holder = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    target = WorkspaceFileTarget(paths=[str(PROJECT_ROOT / "workspace.yaml")])
    # Leaving this block SIGKILLs the daemon's whole process group; the test's own code
    # server, which queues runs as the UI does, lives outside that group.
    with run_daemon(log), WorkspaceProcessContext(instance, target) as context:
        # A retry would be a third warehouse run; this test is about the pool.
        tags = {PARTITION_NAME_TAG: DAY, MAX_RETRIES_TAG: "0"}
        long_run = launch_run(context, "ingest_job", tags)
        worker = _wait(
            lambda: Worker.from_tags(long_run, instance.get_run_by_id(long_run).tags),
            180,
            "the long run's worker to record itself",
            log,
        )
        recorded_after = time.monotonic() - began
        assert worker.pid == _started_pid(instance, long_run)
        queued = launch_run(context, "reference_job", assets=["ticker_reference"])

        # A healthy long run: the sensor looks at it again and again and leaves it be.
        since = time.time()
        skips = _wait(
            lambda: (s := _sensor_skips(instance, since)) and len(s) >= 2 and s,
            60,
            "two dead_run_sensor ticks",
            log,
        )
        assert all(s.startswith("0 dead runs ended; 1 running here") for s in skips), skips
        assert status(long_run) == dg.DagsterRunStatus.STARTED
        assert status(queued) == dg.DagsterRunStatus.QUEUED
        assert "blocked by global concurrency limits" in log.read_text(errors="replace")

    # The whole group is gone: daemon, code server and the run's worker; the run is not.
    _wait(lambda: process_start(worker.pid) is None, 30, "the worker to be gone", log)
    assert status(long_run) == dg.DagsterRunStatus.STARTED
    holder.close()

    restarted = time.monotonic()
    with run_daemon(log):
        _wait(
            lambda: status(long_run) == dg.DagsterRunStatus.FAILURE,
            120,
            "the dead run to be failed",
            log,
        )
        failed_after = time.monotonic() - restarted
        _wait(
            lambda: status(queued) == dg.DagsterRunStatus.SUCCESS,
            120,
            "the queued run to succeed",
            log,
        )
        succeeded_after = time.monotonic() - restarted

    [failure] = instance.all_logs(long_run, of_type=dg.DagsterEventType.PIPELINE_FAILURE)
    assert failure.message == (
        f"Run worker pid {worker.pid} on {worker.host}: the process no longer exists. "
        "dead_run_sensor marked the run failed so that it no longer holds its pools."
    )
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.tickers").fetchone()[0] > 0
    print(
        f"\nworker recorded {recorded_after:.1f} s after the test began; after the new daemon "
        f"started, the dead run failed at {failed_after:.1f} s and the queued run succeeded "
        f"at {succeeded_after:.1f} s"
    )


def test_a_killed_demo_run_is_failed_by_the_sensor_and_names_the_cli_pid(
    home: Path, tmp_path: Path
):
    """`tickerpulse demo` runs in its own process: killed, its run would stay STARTED."""
    log = tmp_path / "demo.log"
    instance = dg.DagsterInstance.get()
    with log.open("ab") as out:
        demo = subprocess.Popen(
            [str(Path(sys.executable).with_name("tickerpulse")), "demo"],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def started_run() -> dg.DagsterRun | None:
        runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        return next(iter(runs), None)

    try:
        run = _wait(started_run, 180, "the demo's first run to start", log)
    finally:
        demo.kill()
        demo.wait()
    worker = Worker.from_tags(run.run_id, run.tags)
    assert worker is not None and worker.pid == demo.pid
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

    with dg.build_sensor_context(instance=instance) as context:
        dead_run_sensor(context)

    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    [failure] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.PIPELINE_FAILURE)
    assert failure.message.startswith(f"Run worker pid {demo.pid} on {worker.host}: ")
