"""Preparing a Dagster home for TickerPulse: instance settings and the one-writer pool."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from orchestration.partitions import WAREHOUSE_POOL
from orchestration.paths import PROJECT_ROOT
from orchestration.pools import LAKE_MODE, lake_pools

INSTANCE_SETTINGS = Path(__file__).with_name("dagster.yaml")
# Dagster's opt-in (read by every process that creates runs: webserver, daemon, the demo
# CLI): a run over a range writes one "materialization planned" event per asset with the
# range, instead of one per asset and day. On SQLite each event costs two commits, so a
# 402-day single-run backfill spent minutes writing 7,638 of them before its first step.
# The price: an asset's partition bar shows the days of a running or failed ranged run as
# missing, not as in progress or failed (the run, the backfill page and run retries still
# show and handle the failure).
RANGED_PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def prepare_home(home: Path | None = None) -> Path:
    """Use `home` (else $DAGSTER_HOME, else .dagster/) with our dagster.yaml unless it has one.

    Also turns on ranged planned events for this process and those it starts.
    """
    home = Path(home or os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster")
    os.environ["DAGSTER_HOME"] = str(home)
    # An explicit "false" in the environment is kept: that restores Dagster's default.
    os.environ.setdefault(RANGED_PLANNED_EVENTS_ENV, "true")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_SETTINGS, home / "dagster.yaml")
    return home


def ensure_warehouse_pool(instance: dg.DagsterInstance) -> None:
    """Record the pool's limit before the first run is queued.

    The run queue only learns a pool's default limit while dequeuing, after it has read
    the limits it enforces; so the first runs ever queued in a new home (a backfill's
    first runs, two schedules at once) would start together. Recording the limit up front
    closes that gap.
    """
    storage = instance.event_log_storage
    known = {pool.name for pool in storage.get_pool_limits()}
    if not LAKE_MODE:
        if WAREHOUSE_POOL not in known:
            storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        return
    # A lake's pools start at the limits docs/scaling.md explains; later changes (CLI, UI)
    # are kept.
    for pool, limit in lake_pools().items():
        if pool not in known:
            storage.set_concurrency_slots(pool, limit)


def main() -> None:
    """`python -m orchestration.instance`: prepare the home `make dev` is about to use."""
    home = prepare_home()
    with dg.DagsterInstance.get() as instance:
        ensure_warehouse_pool(instance)
    print(f"Dagster home {home}")


if __name__ == "__main__":
    main()
