"""Partitions (one per UTC day of publication) and the warehouse concurrency pool."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import dagster as dg

# How far back history may be loaded. Every day since is a partition, so an earlier start
# means more partitions for the UI and backfill planning to list (11 years: ~4,000).
PARTITIONS_START_ENV = "TICKERPULSE_PARTITIONS_START"
DEFAULT_PARTITIONS_START = "2015-01-01"


class PartitionRangeError(ValueError):
    """A day outside the partitions; the message is one line that names the setting."""


def partitions_start(environ: dict[str, str] | os._Environ[str] = os.environ) -> date:
    value = (environ.get(PARTITIONS_START_ENV) or DEFAULT_PARTITIONS_START).strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PartitionRangeError(
            f"{PARTITIONS_START_ENV} must be a date such as {DEFAULT_PARTITIONS_START}, "
            f"not {value!r}"
        ) from None


PARTITIONS_START = partitions_start()
# end_offset=1 makes today a partition, so frequent runs can ingest the day as it happens.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START.isoformat(), timezone="UTC", end_offset=1
)

# Every asset that writes the DuckDB warehouse is in this pool. DuckDB admits one writing
# process per file, so orchestration/dagster.yaml limits the pool to one run at a time:
# schedules, sensors and backfills queue instead of meeting the file lock.
WAREHOUSE_POOL = "duckdb_warehouse"

# Tags of a run that covers a range of partitions in one go (what a single-run backfill
# sets); the CLI and the file-drop sensor set them too.
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def last_partition_day(now: datetime | None = None) -> date:
    """Today, in UTC: the newest partition (end_offset=1)."""
    return (now or datetime.now(tz=UTC)).astimezone(UTC).date()


def check_range(first: str, last: str, now: datetime | None = None) -> None:
    """A PartitionRangeError unless first..last are ISO days inside the partitions."""
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise PartitionRangeError(f"dates must be YYYY-MM-DD, not {first!r} .. {last!r}") from None
    if start > end:
        raise PartitionRangeError(f"the range {first} .. {last} ends before it starts")
    if start < PARTITIONS_START:
        raise PartitionRangeError(
            f"{first} is before the first partition, {PARTITIONS_START}: set "
            f"{PARTITIONS_START_ENV}={first} (or earlier) to load older history"
        )
    today = last_partition_day(now)
    if end > today:
        raise PartitionRangeError(
            f"{last} is after today ({today}, UTC), the last partition "
            f"(first: {PARTITIONS_START}, {PARTITIONS_START_ENV})"
        )


def split_by_range(days: set[date], now: datetime | None = None) -> tuple[list[date], list[date]]:
    """(days that are partitions, days before the first one); days after today are dropped."""
    today = last_partition_day(now)
    inside = sorted(d for d in days if PARTITIONS_START <= d <= today)
    before = sorted(d for d in days if d < PARTITIONS_START)
    return inside, before
