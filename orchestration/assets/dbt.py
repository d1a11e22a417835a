"""The dbt project's models as assets: reference dimensions, and daily sentiment marts.

Sources in dbt carry `meta.dagster.asset_key`, so raw_articles -> staging -> marts is one
lineage graph. Daily marts take the partition window as dbt vars and backfill a whole
date range in one dbt invocation.
"""

import json
import os
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.partitions import WAREHOUSE_POOL, daily_partitions
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.resources import WarehouseResource, dbt_executable

REFERENCE_SELECT = "tag:reference"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    watched = [project.project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched.extend((project.project_dir / folder).rglob("*"))
    return any(path.is_file() and path.stat().st_mtime > built for path in watched)


def ensure_manifest(project: DbtProject) -> Path:
    """Parse the dbt project when its manifest is missing or older than its files.

    `dagster dev` would do this through prepare_if_dev(); tests, the demo command and
    plain Python imports need it too, and it costs a few seconds only when files changed.
    """
    if _manifest_is_stale(project):
        DbtCliResource(
            project_dir=os.fspath(project.project_dir), dbt_executable=dbt_executable()
        ).cli(["--quiet", "parse"], target_path=project.target_path).wait()
    return project.manifest_path


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


def _point_dbt_at(warehouse: WarehouseResource) -> None:
    # dbt resolves a relative path from its own folder; give it the absolute file the
    # Python assets used. DbtCliResource copies os.environ into the dbt process.
    os.environ["TICKERPULSE_DUCKDB_PATH"] = str(warehouse.path)


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    select=REFERENCE_SELECT,
    name="dbt_reference_models",
    pool=WAREHOUSE_POOL,
    dagster_dbt_translator=TickerPulseTranslator(),
)
def dbt_reference_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    _point_dbt_at(warehouse)
    # Cautious: a relationships test from a daily fact to dim_tickers waits for the daily
    # build, where the fact exists, instead of failing here.
    yield from dbt.cli(["build", "--indirect-selection", "cautious"], context=context).stream()


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    exclude=REFERENCE_SELECT,
    name="dbt_daily_models",
    pool=WAREHOUSE_POOL,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TickerPulseTranslator(),
)
def dbt_daily_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DailyModelsConfig,
) -> Iterator[Any]:
    _point_dbt_at(warehouse)
    window = context.partition_time_window
    dbt_vars = {
        "min_date": window.start.date().isoformat(),
        "max_date": (window.end - timedelta(days=1)).date().isoformat(),
    }
    context.log.info(f"dbt build for {dbt_vars['min_date']} .. {dbt_vars['max_date']}")
    args = ["build", "--vars", json.dumps(dbt_vars)]
    if config.full_refresh:
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
