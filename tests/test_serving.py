"""Serving the marts to BI tools while runs write: versions, atomic switch, a real reader."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import materialize_range
from orchestration.resources import ServingResource
from orchestration.serving.catalog import CATALOG, prune, publish
from orchestration.warehouse.connection import connect
from tests.conftest import FIXTURES, STORYLINE, make_pipeline, write_sources

READER = Path(__file__).with_name("bi_reader.py")


def _warehouse(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.numbers as select range as n from range(?)", [rows]
        )
    return path


def test_a_connection_keeps_reading_the_version_it_opened(tmp_path: Path):
    serving = tmp_path / "serving"
    first = publish(_warehouse(tmp_path / "w.duckdb", 3), serving)
    with duckdb.connect(str(serving / CATALOG), read_only=True) as early:
        second = publish(_warehouse(tmp_path / "w.duckdb", 5), serving)
        assert early.execute("select count(*) from marts.numbers").fetchone() == (3,)
        assert early.execute("select version from serving.current_version").fetchone() == (
            first.version,
        )
    with duckdb.connect(str(serving / CATALOG), read_only=True) as late:
        assert late.execute("select count(*) from marts.numbers").fetchone() == (5,)
    assert second.tables == {"marts.numbers": 5}
    assert (serving / "current").resolve() == second.directory.resolve()
    assert (serving / "current" / "marts.numbers.parquet").exists()


def test_the_alerts_schema_is_published_next_to_the_marts(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 2)
    with connect(warehouse) as con:  # the warehouse's own tables, alerts.* among them
        con.execute(
            "insert into alerts.alerts values ('a1', 'demo', 'article_negative', 'BA', "
            "'2026-11-16', '2026-11-16 08:12', 'down', -0.93, 'Boeing halts a line', "
            "[{'article_id': 'x', 'title': 't', 'url': 'https://news.example.com/x', "
            "'published_at': '2026-11-16 08:12', 'sentiment_score': -0.93, "
            "'relevance_score': 1.0}], 'run', now())"
        )
        con.execute(
            "insert into alerts.deliveries values ('a1', 'team', 'sent', 1, 200, null, 'run', "
            "now())"
        )

    published = publish(warehouse, tmp_path / "serving")

    assert published.tables["alerts.alerts"] == published.tables["alerts.deliveries"] == 1
    with duckdb.connect(str(tmp_path / "serving" / CATALOG), read_only=True) as bi:
        assert bi.execute(
            "select ticker, articles[1].url from alerts.alerts join alerts.deliveries "
            "using (alert_id) where status = 'sent'"
        ).fetchall() == [("BA", "https://news.example.com/x")]


def test_old_versions_are_pruned_only_after_the_grace_period(tmp_path: Path):
    serving = tmp_path / "serving"
    warehouse = _warehouse(tmp_path / "w.duckdb", 1)
    versions = [publish(warehouse, serving, keep=2).version for _ in range(4)]
    on_disk = sorted(p.name for p in (serving / "versions").iterdir())
    assert on_disk == versions  # all retired less than the grace period ago
    assert prune(serving, keep=2, grace_s=0) == versions[:2]
    assert sorted(p.name for p in (serving / "versions").iterdir()) == versions[2:]


def test_publishing_an_empty_warehouse_is_a_clear_error_and_keeps_the_current_version(
    tmp_path: Path,
):
    serving = tmp_path / "serving"
    good = publish(_warehouse(tmp_path / "w.duckdb", 2), serving)
    with duckdb.connect(str(tmp_path / "empty.duckdb")):
        pass
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(tmp_path / "empty.duckdb", serving)
    assert (serving / "current").resolve().name == good.version


def test_bi_readers_never_fail_or_see_half_a_version_while_a_run_writes(tmp_path: Path):
    """A separate process queries through SQLAlchemy (duckdb-engine) during real runs."""
    sources = write_sources(
        tmp_path / "sources.yaml",
        {
            "wire": str(Path("orchestration/demo/feeds/markets_wire.xml").resolve()),
            "desk": str(Path("orchestration/demo/feeds/tech_desk.atom").resolve()),
            "brief": str(Path("orchestration/demo/feeds/industry_brief.xml").resolve()),
        },
    )
    pipeline = make_pipeline(
        tmp_path, sources, serving=ServingResource(directory=str(tmp_path / "serving"))
    )
    start, end = STORYLINE["dates"][0], STORYLINE["dates"][-1]
    assert materialize_range(pipeline.defs, pipeline.instance, start, end).success
    catalog = tmp_path / "serving" / CATALOG

    out, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(catalog), str(out), str(stop)],
        start_new_session=True,  # its own process group: killed whole, never orphaned
    )
    try:
        _wait_for_reads(out, 3)
        # A second run with one feed fewer: the marts shrink, so versions differ.
        write_sources(
            sources,
            {"wire": str(FIXTURES.parent.parent / "orchestration/demo/feeds/markets_wire.xml")},
        )
        result = pipeline.defs.resolve_job_def("daily_news_job").execute_in_process(
            instance=pipeline.instance,
            tags={
                "dagster/asset_partition_range_start": start,
                "dagster/asset_partition_range_end": end,
            },
        )
        assert result.success
        reads_before_stop = _wait_for_reads(out, len(out.read_text().splitlines()) + 3)
    finally:
        stop.touch()
        try:
            reader.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(reader.pid, signal.SIGKILL)

    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) >= reads_before_stop
    errors = [r["error"] for r in records if not r["ok"]]
    assert errors == []
    manifests = {
        json.loads(p.read_text())["version"]: json.loads(p.read_text())["tables"]
        for p in (tmp_path / "serving" / "versions").glob("*/manifest.json")
    }
    assert len(manifests) == 2
    for record in records:
        tables = manifests[record["version"]]
        assert (
            record["mentions"] == record["daily_sum"] == tables["marts.fct_ticker_mentions"]["rows"]
        )
        assert record["articles"] == tables["marts.fct_article_sentiment"]["rows"]
    assert len({r["version"] for r in records}) == 2, "the reader saw both versions"


def _wait_for_reads(out: Path, count: int, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_text().splitlines()) >= count:
            return count
        time.sleep(0.1)
    raise AssertionError(f"the BI reader made fewer than {count} reads in {timeout:.0f} s")
