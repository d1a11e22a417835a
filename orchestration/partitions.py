"""Partitions (one per UTC day of publication) and the warehouse concurrency pool."""

from __future__ import annotations

import dagster as dg

# end_offset=1 makes today a partition, so frequent runs can ingest the day as it happens.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date="2025-01-01", timezone="UTC", end_offset=1
)

# Every asset that writes the DuckDB warehouse is in this pool. DuckDB admits one writing
# process per file, so orchestration/dagster.yaml limits the pool to one run at a time:
# schedules, sensors and backfills queue instead of meeting the file lock.
WAREHOUSE_POOL = "duckdb_warehouse"

# Tags of a run that covers a range of partitions in one go (what a single-run backfill
# sets); the CLI and the file-drop sensor set them too.
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
