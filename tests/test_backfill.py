"""A 3-day backfill launched the way the Dagster UI launches one, on a temporary DAGSTER_HOME.

The UI sends the `launchPartitionBackfill` GraphQL mutation; the backfill daemon turns the
backfill into runs, the queued run coordinator starts them (respecting the one-writer pool),
and each run executes in its own process through the code location's gRPC server. The test
drives exactly those pieces, one daemon iteration at a time instead of waiting 30 s per
loop, and then compares the result with running the same dates one by one.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.backfill import execute_backfill_iteration
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)

from orchestration.checks import CHECKS
from orchestration.definitions import build_defs
from orchestration.instance import RANGED_PLANNED_EVENTS_ENV, ensure_warehouse_pool, prepare_home
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.paths import PROJECT_ROOT
from orchestration.resources import AnalyzerResource
from tests.conftest import STORYLINE, make_pipeline
from tests.marts_snapshot import marts_rows
from testservers.launchpad import daily_asset_keys, launch_backfill
from testservers.openai_server import FakeOpenAIServer

DAYS = STORYLINE["dates"][:3]
API_KEY = "sk-test-backfill-0123456789"
# Differs between any two runs by nature; everything else must be equal.
VOLATILE = {"analyzed_at"}
TERMINAL = {
    BulkActionStatus.COMPLETED_SUCCESS,
    BulkActionStatus.COMPLETED_FAILED,
    BulkActionStatus.FAILED,
    BulkActionStatus.CANCELED,
}


def _marts(database: Path) -> dict[str, Counter[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return marts_rows(con, VOLATILE)


def _drive(context: WorkspaceProcessContext, backfill_id: str, timeout_s: float = 600) -> None:
    """Iterate the backfill daemon and the run queue until the backfill ends."""
    instance = context.instance
    logger = logging.getLogger("test-backfill")
    queue = QueuedRunCoordinatorDaemon(interval_seconds=1)
    deadline = time.monotonic() + timeout_s
    while instance.get_backfill(backfill_id).status not in TERMINAL:
        if time.monotonic() > deadline:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
            pytest.fail(
                f"backfill {instance.get_backfill(backfill_id).status} after {timeout_s:.0f} s; "
                f"runs: {[(r.job_name, r.status.value) for r in runs]}"
            )
        list(execute_backfill_iteration(context, logger))
        list(queue.run_iteration(context))
        time.sleep(0.5)


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary DAGSTER_HOME; the warehouse and served marts live beside it."""
    # As `make dev` prepares it: our dagster.yaml (one-writer pool, run retries) and ranged
    # planned events. Set then deleted, so that monkeypatch removes what prepare_home sets.
    monkeypatch.setenv(RANGED_PLANNED_EVENTS_ENV, "unset")
    monkeypatch.delenv(RANGED_PLANNED_EVENTS_ENV)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    home = prepare_home()
    # Everything below reaches the code server and run processes through the environment,
    # as a deployment would configure them.
    monkeypatch.setenv("TICKERPULSE_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("TICKERPULSE_SERVING_DIR", str(tmp_path / "serving"))
    return home


def _planned(instance: dg.DagsterInstance, run_id: str) -> list[dg.EventLogEntry]:
    return instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)


def test_a_run_over_a_year_plans_each_asset_once_with_the_whole_range(dagster_home: Path):
    # What the backfill daemon (or the drop sensor, or the demo) does before a ranged run
    # starts: create it, which writes the "materialization planned" events.
    instance = dg.DagsterInstance.get()
    job = build_defs().resolve_job_def("daily_news_job")
    first, last = "2023-01-01", "2023-12-31"
    run = instance.create_run_for_job(job, tags={RANGE_START: first, RANGE_END: last})

    planned = _planned(instance, run.run_id)
    assets = {e.dagster_event.asset_key for e in planned}
    assert assets == set(daily_asset_keys())
    # One event per asset, not one per asset and day (365 x as many).
    assert len(planned) == len(assets)
    for event in planned:
        days = event.dagster_event.partitions_subset.get_partition_keys()
        assert (len(days), days[0], days[-1]) == (365, first, last)


def test_a_run_over_a_year_plans_no_check_row_per_day_for_dbt_tests(dagster_home: Path):
    instance = dg.DagsterInstance.get()
    job = build_defs().resolve_job_def("daily_news_job")
    run = instance.create_run_for_job(
        job, tags={RANGE_START: "2023-01-01", RANGE_END: "2023-12-31"}
    )

    planned = instance.all_logs(
        run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    )
    # Dagster stores one row per planned check and day of the run (no setting changes it).
    rows = sum(
        len(e.dagster_event.asset_check_planned_data.partitions_subset.get_partition_keys())
        for e in planned
    )
    # Only our own checks of the daily Python assets are planned; the ~120 dbt tests of the
    # daily models (before: 122 x 365 = 44,530 rows) run inside dbt build instead.
    ours = {check.check_key.name for check in CHECKS}
    assert {e.dagster_event.asset_check_planned_data.asset_check_key.name for e in planned} <= ours
    assert rows <= len(ours) * 365


def test_an_explicit_false_keeps_dagsters_per_day_planned_events(
    dagster_home: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(RANGED_PLANNED_EVENTS_ENV, "false")
    prepare_home()
    instance = dg.DagsterInstance.get()
    job = build_defs().resolve_job_def("ingest_job")
    run = instance.create_run_for_job(
        job, tags={RANGE_START: "2023-01-01", RANGE_END: "2023-01-05"}
    )
    planned = _planned(instance, run.run_id)
    assert len(planned) == 5 * len({e.dagster_event.asset_key for e in planned})


@pytest.mark.slow
def test_a_ui_backfill_of_three_days_equals_the_days_run_one_by_one(
    dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with FakeOpenAIServer() as llm:
        monkeypatch.setenv("TICKERPULSE_ANALYZER", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        instance = dg.DagsterInstance.get()
        ensure_warehouse_pool(instance)
        # The reference data exists before daily backfills (it is loaded once, unpartitioned).
        reference = build_defs().resolve_job_def("reference_job")
        assert reference.execute_in_process(instance=instance).success

        target = WorkspaceFileTarget(paths=[str(PROJECT_ROOT / "workspace.yaml")])
        with WorkspaceProcessContext(instance, target) as context:
            first = launch_backfill(context, DAYS, "3 days")
            _drive(context, first)
            assert instance.get_backfill(first).status == BulkActionStatus.COMPLETED_SUCCESS
            # Every daily asset has a single-run backfill policy: the whole range is one run,
            # so the range is fetched once and dbt builds it in one invocation.
            [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": first}))
            assert run.status == dg.DagsterRunStatus.SUCCESS
            assert (run.tags[RANGE_START], run.tags[RANGE_END]) == (DAYS[0], DAYS[-1])
            assert run.asset_selection == set(daily_asset_keys())
            # The run was planned with one ranged event per asset, not one per asset and day.
            assert len(_planned(instance, run.run_id)) == len(daily_asset_keys())
            dbt_steps = [
                e
                for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
                if e.step_key == "dbt_daily_models"
            ]
            assert len(dbt_steps) == 1
            calls = len(llm.completions)
            assert calls > 0
            backfilled = _marts(tmp_path / "warehouse.duckdb")

            # Backfilling the same range again: the answer cache makes it free and the
            # marts do not change.
            second = launch_backfill(context, DAYS, "3 days")
            _drive(context, second)
            assert instance.get_backfill(second).status == BulkActionStatus.COMPLETED_SUCCESS
            assert len(llm.completions) == calls
            assert _marts(tmp_path / "warehouse.duckdb") == backfilled

        # The same dates one by one, in a warehouse of their own.
        (tmp_path / "one-by-one").mkdir()
        one_by_one = make_pipeline(
            tmp_path / "one-by-one",
            analyzer=AnalyzerResource(backend="openai", base_url=llm.base_url, api_key=API_KEY),
        )
        reference = one_by_one.defs.resolve_job_def("reference_job")
        assert reference.execute_in_process(instance=one_by_one.instance).success
        daily = one_by_one.defs.resolve_job_def("daily_news_job")
        for day in DAYS:
            assert daily.execute_in_process(instance=one_by_one.instance, partition_key=day).success

    assert _marts(one_by_one.database) == backfilled
    assert sum(backfilled["fct_ticker_mentions"].values()) > 0

    logged = "\n".join(
        str(record.user_message)
        for run in instance.get_runs()
        for record in instance.all_logs(run.run_id)
    )
    assert API_KEY not in logged
