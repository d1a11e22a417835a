"""Another process holding the DuckDB file: runs wait for it, sensors carry on without it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.resources import WarehouseResource
from orchestration.sensors import feed_sensor, file_drop_sensor
from tests.conftest import FIXTURES, make_pipeline, write_sources
from tests.test_sensors import TODAY, _drop_file, _evaluate, _resources, _sources
from testservers.feed_server import FeedServer

# A second process that opens the file for writing, says so, and keeps it for a while.
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists held (x integer)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""

Hold = Callable[[Path, float], subprocess.Popen]


@pytest.fixture
def hold_lock() -> Iterator[Hold]:
    started: list[subprocess.Popen] = []

    def hold(database: Path, seconds: float) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(database), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": ""},
        )
        started.append(process)
        assert process.stdout.readline().strip() == "locked"
        return process

    yield hold
    for process in started:  # only the processes this test started
        process.kill()
        process.wait()


def test_connect_waits_for_a_lock_that_is_released(tmp_path: Path, hold_lock: Hold):
    database = tmp_path / "warehouse.duckdb"
    hold_lock(database, 1.5)

    started = time.monotonic()
    with WarehouseResource(database_path=str(database), lock_wait_s=30).connect() as con:
        assert con.execute("select count(*) from held").fetchone() == (0,)
    waited = time.monotonic() - started

    assert 1.0 <= waited < 15  # it had to let go first


def test_connect_gives_up_clearly_after_its_wait(tmp_path: Path, hold_lock: Hold):
    database = tmp_path / "warehouse.duckdb"
    hold_lock(database, 60)

    started = time.monotonic()
    with (
        pytest.raises(dg.Failure, match=r"still locked by another process after waiting 2 s"),
        WarehouseResource(database_path=str(database), lock_wait_s=2).connect(),
    ):
        pass
    assert 2 <= time.monotonic() - started < 6


def test_a_run_that_meets_the_lock_waits_and_lands_its_work(tmp_path: Path, hold_lock: Hold):
    sources = write_sources(tmp_path / "sources.yaml", {"wire": str(FIXTURES / "atom_one.atom")})
    pipeline = make_pipeline(tmp_path, sources)
    hold_lock(pipeline.database, 2)

    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance,
        partition_key="2026-11-17",
        asset_selection=[dg.AssetKey("raw_articles")],
    )

    assert result.success
    assert pipeline.scalar("select count(*) from raw.articles") == 1
    logged = "\n".join(r.user_message for r in pipeline.instance.all_logs(result.run_id))
    assert "is locked by another process; trying again in" in logged


def test_sensors_carry_on_from_their_cursor_while_a_run_holds_the_file(
    tmp_path: Path, feed_server: FeedServer, hold_lock: Hold
):
    drop = tmp_path / "drop"
    _drop_file(drop, "monday.jsonl", "2026-11-16")
    url = feed_server.conditional("/wire.rss", (FIXTURES / "small.rss").read_bytes(), '"v1"')
    sources = _sources(
        tmp_path,
        [
            {"name": "drop", "kind": "file_drop", "location": str(drop)},
            {"name": "wire", "kind": "feed", "location": url},
        ],
    )
    resources = _resources(tmp_path, sources)
    hold_lock(tmp_path / "warehouse.duckdb", 30)
    instance = dg.DagsterInstance.ephemeral()

    started = time.monotonic()
    drops = _evaluate(file_drop_sensor, instance, resources, None)
    feeds = _evaluate(feed_sensor, instance, resources, None)

    assert time.monotonic() - started < 10  # no waiting on the lock
    assert [r.partition_key for r in drops.run_requests] == ["2026-11-16"]
    assert [r.partition_key for r in feeds.run_requests] == [TODAY]
