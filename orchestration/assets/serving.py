"""served_marts: the marts published for BI tools after every successful build."""

import dagster as dg

from orchestration.assets.dbt import dbt_daily_models, dbt_reference_models
from orchestration.partitions import WAREHOUSE_POOL, daily_partitions
from orchestration.resources import ServingResource, WarehouseResource
from orchestration.serving import CATALOG, publish

MART_KEYS = sorted(
    (key for key in (*dbt_daily_models.keys, *dbt_reference_models.keys) if key.path[0] == "marts"),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=MART_KEYS,
    group_name="serving",
    kinds={"duckdb", "parquet"},
    description=(
        "Every mart copied to an immutable Parquet version and switched live atomically; "
        "BI tools read serving/tickerpulse.duckdb and never lock the warehouse."
    ),
)
def served_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    published = publish(warehouse.path, serving.path, keep=serving.keep_versions)
    context.log.info(f"published version {published.version} to {serving.path}")
    return dg.MaterializeResult(
        metadata={
            "version": published.version,
            "catalog": dg.MetadataValue.path(str(serving.path / CATALOG)),
            "rows": dg.MetadataValue.json(published.tables),
            "versions_pruned": len(published.pruned),
        }
    )
