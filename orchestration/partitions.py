"""Partitions: one per UTC day of publication."""

from __future__ import annotations

import dagster as dg

# end_offset=1 makes today a partition, so frequent runs can ingest the day as it happens.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date="2025-01-01", timezone="UTC", end_offset=1
)
