"""What the Dagster UI sends when a user launches a run or a backfill: the same GraphQL
mutations, executed against a workspace, so tests and benches queue work exactly as the
Launchpad and the asset graph's "Materialize" do (the run coordinator and the backfill
daemon then take over)."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster_graphql.client.query import (
    LAUNCH_PARTITION_BACKFILL_MUTATION,
    LAUNCH_PIPELINE_EXECUTION_MUTATION,
)
from dagster_graphql.test.utils import execute_dagster_graphql

from orchestration.definitions import build_defs

LOCATION = "tickerpulse"  # workspace.yaml and pyproject's code_location_name


def _mutation(context: WorkspaceProcessContext, mutation: str, variables: dict) -> dict:
    return execute_dagster_graphql(context.create_request_context(), mutation, variables).data


def daily_asset_keys() -> list[dg.AssetKey]:
    """Every daily-partitioned asset, in a stable order."""
    graph = build_defs().resolve_asset_graph()
    return sorted(
        (k for k in graph.materializable_asset_keys if graph.get(k).partitions_def),
        key=lambda k: k.to_user_string(),
    )


def launch_run(
    context: WorkspaceProcessContext,
    job: str,
    tags: dict[str, str] | None = None,
    assets: Sequence[str] | None = None,
) -> str:
    """The Launchpad's run of `job` (or of `assets` within it); queued, not started."""
    selector: dict[str, object] = {
        "repositoryLocationName": LOCATION,
        "repositoryName": "__repository__",
        "jobName": job,
    }
    if assets:
        selector["assetSelection"] = [{"path": [name]} for name in assets]
    metadata = {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
    params = {"selector": selector, "executionMetadata": metadata}
    data = _mutation(context, LAUNCH_PIPELINE_EXECUTION_MUTATION, {"executionParams": params})
    launched = data["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def launch_backfill(context: WorkspaceProcessContext, days: Sequence[str], title: str) -> str:
    """ "Materialize" on every daily asset over `days` (ISO dates): a backfill for the daemon."""
    params = {
        "assetSelection": [{"path": list(key.path)} for key in daily_asset_keys()],
        "partitionNames": list(days),
        "title": title,
    }
    data = _mutation(context, LAUNCH_PARTITION_BACKFILL_MUTATION, {"backfillParams": params})
    launched = data["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]
