"""The demo range through a production stack: the servers scripts/cluster/up.sh starts.

Runs are launched the way the UI launches them (GraphQL against the code server), queued
on the Postgres instance, started by a real dagster-daemon through the queued run
coordinator, and their steps executed by celery workers over Redis. The marts must equal,
row for row, those of the embedded file-mode demo. The warehouse mode is whatever
TICKERPULSE_WAREHOUSE says (the DuckDB file when unset). `make test-cluster` runs it.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from collections.abc import Iterator

import dagster as dg
import duckdb
import pytest
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_postgres import PostgresRunStorage

from orchestration.cli import materialize_range
from orchestration.definitions import build_defs
from orchestration.instance import ensure_warehouse_pool
from orchestration.partitions import RANGE_END, RANGE_START, WAREHOUSE_POOL
from orchestration.resources import build_resources
from tests.conftest import STORYLINE, make_pipeline
from tests.marts_snapshot import marts_rows
from testservers.launchpad import launch_run

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not os.environ.get("TICKERPULSE_WORKSPACE"),
        reason="needs the servers of scripts/cluster/up.sh (run `make test-cluster`)",
    ),
]

DAYS = STORYLINE["dates"]
# Differs between any two runs by nature; everything else must be equal.
VOLATILE = {"analyzed_at"}
RUN_TIMEOUT_S = 600
# What the cluster's processes read; the file-mode baseline must not see any of it.
CLUSTER_VARIABLES = (
    "TICKERPULSE_DUCKDB_PATH",
    "TICKERPULSE_SERVING_DIR",
    "TICKERPULSE_WAREHOUSE",
    "TICKERPULSE_WAREHOUSE_DATA_PATH",
    "TICKERPULSE_EXECUTOR",
)


@pytest.fixture(scope="module")
def file_mode_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[tuple]]:
    """The embedded demo (in-process, a DuckDB file), as `make demo` builds it."""
    saved = {name: os.environ.pop(name) for name in CLUSTER_VARIABLES if name in os.environ}
    try:
        pipeline = make_pipeline(tmp_path_factory.mktemp("file_mode"))
        result = materialize_range(pipeline.defs, pipeline.instance, DAYS[0], DAYS[-1])
        assert result.success, "the file-mode demo failed"
    finally:
        os.environ.update(saved)
    with duckdb.connect(str(pipeline.database), read_only=True) as con:
        return marts_rows(con, VOLATILE)


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as instance:
        ensure_warehouse_pool(instance)
        yield instance


@pytest.fixture(scope="module")
def workspace(instance: dg.DagsterInstance) -> Iterator[WorkspaceProcessContext]:
    target = WorkspaceFileTarget([os.environ["TICKERPULSE_WORKSPACE"]])
    with WorkspaceProcessContext(instance, target) as context:
        yield context


def _wait(instance: dg.DagsterInstance, run_ids: list[str]) -> list[dg.DagsterRun]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
        if all(run.is_finished for run in runs):
            return runs
        if time.monotonic() > deadline:
            pytest.fail(f"runs unfinished after {RUN_TIMEOUT_S} s: {_statuses(runs)}")
        time.sleep(1)


def _statuses(runs: list[dg.DagsterRun]) -> list[tuple[str, str]]:
    return [(run.job_name, run.status.value) for run in runs]


def _celery_workers(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """The celery workers that report having executed the run's steps."""
    workers = set()
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        if event is not None and "in celery worker" in (event.message or ""):
            workers.add(str(event.engine_event_data.metadata["Celery worker"].value))
    return workers


def _pool_nodes(instance: dg.DagsterInstance, run_id: str, pool: str) -> set[str]:
    """The steps of a run's job whose op is in `pool` (every one runs in these jobs)."""
    job = build_defs().resolve_job_def(instance.get_run_by_id(run_id).job_name)
    return {n.name for n in job.graph.nodes if n.definition.pool == pool}


def _pool_steps(
    instance: dg.DagsterInstance, run_ids: list[str], pool: str
) -> Iterator[tuple[float, float, str]]:
    """(start, end, run:step) of every step of the runs whose op is in `pool`."""
    jobs = {}
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        if run.job_name not in jobs:
            jobs[run.job_name] = _pool_nodes(instance, run_id, pool)
        starts: dict[str, float] = {}
        ends: dict[str, float] = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or record.step_key not in jobs[run.job_name]:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[record.step_key] = record.timestamp
            elif event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            ):
                ends[record.step_key] = record.timestamp
        for step, start in starts.items():
            yield start, ends[step], f"{run.job_name}:{step}"


def test_the_instance_is_postgres_with_a_queue(instance: dg.DagsterInstance) -> None:
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_the_demo_through_daemon_queue_and_celery_equals_the_file_mode_demo(
    instance: dg.DagsterInstance, workspace: WorkspaceProcessContext, request: pytest.FixtureRequest
) -> None:
    reference = launch_run(workspace, "reference_job")
    # The embedded demo is built while the cluster works on the reference run.
    file_mode_marts = request.getfixturevalue("file_mode_marts")
    assert _statuses(_wait(instance, [reference])) == [("reference_job", "SUCCESS")]

    # Two writing runs at once: the demo's days in two halves, queued together.
    half = len(DAYS) // 2
    halves = [
        launch_run(workspace, "ingest_job", {RANGE_START: DAYS[0], RANGE_END: DAYS[half - 1]}),
        launch_run(workspace, "ingest_job", {RANGE_START: DAYS[half], RANGE_END: DAYS[-1]}),
    ]
    assert _statuses(_wait(instance, halves)) == [("ingest_job", "SUCCESS")] * 2
    # The demo's invented prices, which the return marts read (the demo lands them in its
    # daily job; here they are a job of their own, as a price backfill would be).
    prices = launch_run(workspace, "prices_job", {RANGE_START: DAYS[0], RANGE_END: DAYS[-1]})
    assert _statuses(_wait(instance, [prices])) == [("prices_job", "SUCCESS")]
    marts = launch_run(workspace, "marts_job", {RANGE_START: DAYS[0], RANGE_END: DAYS[-1]})
    assert _statuses(_wait(instance, [marts])) == [("marts_job", "SUCCESS")]

    run_ids = [reference, *halves, prices, marts]
    for run_id in run_ids:
        assert _celery_workers(instance, run_id), f"run {run_id} ran no step on a celery worker"
    if os.environ.get("TICKERPULSE_WAREHOUSE", "").startswith("ducklake:"):
        # The code location loaded in lake mode: both halves landed through the articles'
        # own pool (limit 2), not through the file's single one.
        landed = list(_pool_steps(instance, halves, "ducklake_raw_articles"))
        assert len(landed) == 2, landed
        assert not list(_pool_steps(instance, run_ids, WAREHOUSE_POOL))
    else:
        # File mode: the duckdb_warehouse pool (limit 1, per step) let one process at a
        # time write the file, across runs and within one.
        steps = sorted(_pool_steps(instance, run_ids, WAREHOUSE_POOL))
        expected = sum(len(_pool_nodes(instance, run_id, WAREHOUSE_POOL)) for run_id in run_ids)
        assert len(steps) == expected, steps
        for (_, end, name), (start, _, next_name) in itertools.pairwise(steps):
            assert end <= start, f"{name} and {next_name} held the DuckDB file at once"

    # The warehouse resource as the runs got it, its EnvVars resolved as in a run.
    with (
        dg.build_resources({"warehouse": build_resources()["warehouse"]}) as resources,
        resources.warehouse.connect(read_only=True) as con,
    ):
        cluster_marts = marts_rows(con, VOLATILE)
    assert cluster_marts.keys() == file_mode_marts.keys()
    differing = [t for t, rows in file_mode_marts.items() if cluster_marts[t] != rows]
    assert not differing, f"these marts differ from the file-mode demo: {differing}"
    for table in ("fct_article_sentiment", "fct_ticker_mentions", "fct_ticker_sentiment_daily"):
        assert file_mode_marts[table], f"marts.{table} is empty: the comparison proves nothing"
