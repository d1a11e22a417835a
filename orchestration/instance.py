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


def prepare_home(home: Path | None = None) -> Path:
    """Use `home` (else $DAGSTER_HOME, else .dagster/) with our dagster.yaml unless it has one."""
    home = Path(home or os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster")
    os.environ["DAGSTER_HOME"] = str(home)
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
