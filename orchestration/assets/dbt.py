"""The dbt project's models as assets: reference dimensions, and daily sentiment marts.

Sources in dbt carry `meta.dagster.asset_key`, so raw_articles -> staging -> marts is one
lineage graph. Daily marts take the partition window through the environment
(macros/incremental_window.sql) and backfill a whole date range in one dbt invocation.

Every dbt process costs seconds of start-up and parsing, so builds keep dbt's partial
parsing on: the manifest is parsed for the warehouse path the builds use (dbt parses the
whole project again when the profile changes), and the window is no --vars (a change of
vars does the same).
"""

import fcntl
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration import pools
from orchestration.partitions import daily_partitions
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.pools import writer_pool
from orchestration.resources import DbtResource, WarehouseResource, dbt_executable
from orchestration.settings import env_flag
from orchestration.warehouse.location import WarehouseLocation, dbt_environment, from_environment

REFERENCE_SELECT = "tag:reference"
# Read by macros/incremental_window.sql while nodes run; inclusive ISO dates.
WINDOW_START_ENV = "TICKERPULSE_DBT_MIN_DATE"
WINDOW_END_ENV = "TICKERPULSE_DBT_MAX_DATE"
# Beside the manifest: the warehouse (file path or lake) it was parsed for.
_PARSED_FOR = "parsed_for_database.txt"
_PARTIAL_PARSE = "partial_parse.msgpack"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in os.environ for the block only: DbtCliResource.cli() copies os.environ
    into the dbt process when it starts it, and later runs in this process must not
    inherit a window or a warehouse path."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _parse_lock(target: Path) -> Iterator[None]:
    # Test workers, code servers and the CLI may import this at once; one of them parses.
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _manifest_is_stale(project: DbtProject, database: WarehouseLocation) -> bool:
    manifest = project.manifest_path
    stamp = manifest.with_name(_PARSED_FOR)
    if not manifest.exists() or not stamp.exists():
        return True
    if stamp.read_text(encoding="utf-8") != database.describe():
        return True
    built = manifest.stat().st_mtime
    watched = [project.project_dir / "dbt_project.yml", project.project_dir / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched.extend((project.project_dir / folder).rglob("*"))
    return any(path.is_file() and path.stat().st_mtime > built for path in watched)


def ensure_manifest(project: DbtProject, database: WarehouseLocation | None = None) -> Path:
    """Parse the dbt project when its manifest is missing, older than its files, or parsed
    for another warehouse than `database` (TICKERPULSE_WAREHOUSE, TICKERPULSE_DUCKDB_PATH or
    the default).

    `dagster dev` would parse through prepare_if_dev(); tests, the demo command and plain
    Python imports need it too. Builds copy the parse's partial_parse.msgpack, so a build
    on the same warehouse path only re-parses the files that changed.
    """
    database = database or from_environment()
    target = project.project_dir / project.target_path
    with _parse_lock(target):
        if _manifest_is_stale(project, database):
            # Parsed beside target/ and moved in whole: builds of other processes copy
            # target/partial_parse.msgpack while this runs.
            scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
            try:
                _parse(project, scratch, database)
                for name in (_PARTIAL_PARSE, project.manifest_path.name):
                    os.replace(scratch / name, target / name)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            (target / _PARSED_FOR).write_text(database.describe(), encoding="utf-8")
    return project.manifest_path


def _parse(project: DbtProject, target: Path, database: WarehouseLocation) -> None:
    project_dir = os.fspath(project.project_dir)
    dbt = DbtResource(project_dir=project_dir, dbt_executable=dbt_executable())
    with _environment(dbt_environment(database)):
        invocation = dbt.cli(["--quiet", "parse"], target_path=target)
    invocation.wait()


# Checked once per import: both dbt asset definitions read the same manifest.
DBT_MANIFEST = ensure_manifest(dbt_project)


class DailyModelsConfig(dg.Config):
    """Run config for the daily dbt build."""

    full_refresh: bool = False  # rebuild incremental marts from scratch (new columns, vars)


class TickerPulseTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer folder; reference models join the reference group."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if "reference" in dbt_resource_props.get("tags", []):
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


# The daily models' dbt tests are not Dagster asset checks. Dagster 1.13 stores a planned
# check for every day a run covers (no setting changes it, unlike materialization planned
# events), and the backfill daemon selects every check of the assets it builds: a 5-year
# backfill wrote ~216,000 check rows (118 tests x 1,827 days) before its first step. `dbt
# build` still runs the tests: an error-severity failure fails the step (dbt exits non-zero,
# so the steps after it do not run) and every result is an observation of the tested model
# with its status and failed row count. The reference models, never partitioned, keep theirs.
# TICKERPULSE_DBT_TESTS_AS_CHECKS=true brings the daily ones back, with the per-day cost.
DBT_TESTS_AS_CHECKS_ENV = "TICKERPULSE_DBT_TESTS_AS_CHECKS"
DAILY_TRANSLATOR = TickerPulseTranslator(
    DagsterDbtTranslatorSettings(enable_asset_checks=env_flag(DBT_TESTS_AS_CHECKS_ENV))
)


def _dbt_environment(warehouse: WarehouseResource, **values: str) -> dict[str, str]:
    # dbt resolves a relative path from its own folder; give it the absolute file (or the
    # lake) the Python assets used.
    return {**dbt_environment(warehouse.location), **values}


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    select=REFERENCE_SELECT,
    name="dbt_reference_models",
    pool=writer_pool(pools.DBT),
    dagster_dbt_translator=TickerPulseTranslator(),
)
def dbt_reference_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    # Cautious: a relationships test from a daily fact to dim_tickers waits for the daily
    # build, where the fact exists, instead of failing here.
    with _environment(_dbt_environment(warehouse)):
        invocation = dbt.cli(["build", "--indirect-selection", "cautious"], context=context)
    yield from invocation.stream()


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    exclude=REFERENCE_SELECT,
    name="dbt_daily_models",
    pool=writer_pool(pools.DBT),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=DAILY_TRANSLATOR,
)
def dbt_daily_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DailyModelsConfig,
) -> Iterator[Any]:
    window = context.partition_time_window
    first, last = window.start.date(), (window.end - timedelta(days=1)).date()
    context.log.info(f"dbt build for {first} .. {last}")
    args = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    environment = _dbt_environment(
        warehouse, **{WINDOW_START_ENV: first.isoformat(), WINDOW_END_ENV: last.isoformat()}
    )
    with _environment(environment):
        invocation = dbt.cli(args, context=context)
    tests: dict[str, str] = {}
    try:
        for event in invocation.stream():
            _note_test_result(event, tests)
            yield event
    finally:
        # Also when a failing test fails the build: the line names it beside dbt's error.
        context.log.info(summarize_dbt_tests(tests))


def _note_test_result(event: Any, tests: dict[str, str]) -> None:
    """A dbt test's result: an observation of each model it reads (or a check result)."""
    if not isinstance(event, dg.AssetObservation | dg.AssetCheckResult):
        return
    unique_id = event.metadata.get("unique_id")
    status = event.metadata.get("status")
    if unique_id is not None and status is not None:
        tests[str(getattr(unique_id, "value", unique_id))] = str(getattr(status, "value", status))


def summarize_dbt_tests(tests: Mapping[str, str]) -> str:
    """One line: dbt tests per status, naming those that did not pass."""
    if not tests:
        return "dbt tests: none ran"
    counts = Counter(tests.values())
    line = "dbt tests: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    others = sorted(_test_name(uid) for uid, status in tests.items() if status != "pass")
    return f"{line} ({', '.join(others)})" if others else line


def _test_name(unique_id: str) -> str:
    # test.<project>.<name>.<hash>; unit_test.<project>.<model>.<name>
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id
