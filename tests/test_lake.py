"""The DuckLake warehouse: the demo on a lake, writers at once, conflicts, re-runs.

A real DuckLake each time: a DuckDB catalog file with a folder data path for the demo
build (one process at a time may open that catalog), and a throw-away PostgreSQL on
127.0.0.1 as the catalog that several processes write at once.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration import instance as instance_settings
from orchestration import pools
from orchestration.analysis.cache import AnswerCache, CachedAnswer, CacheKey
from orchestration.cli import materialize_range
from orchestration.definitions import build_defs
from orchestration.news import http_state
from orchestration.news.fetch import Validators
from orchestration.news.http_state import CachedResponse, ResponseCache
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import (
    AnalyzerResource,
    NewsSourcesResource,
    ServingResource,
    WarehouseResource,
)
from orchestration.warehouse.connection import connect
from orchestration.warehouse.location import (
    WarehouseConfigError,
    WarehouseLocation,
    from_environment,
    parse,
)
from orchestration.warehouse.schema import for_lake
from tests.conftest import STORYLINE, Pipeline
from tests.marts_snapshot import marts_rows

PG_BIN = Path("/usr/lib/postgresql/15/bin")
WRITER = Path(__file__).with_name("lake_writer.py")
# Columns that hold when a row was computed, not what it says.
RUN_TIME_COLUMNS = {"analyzed_at", "landed_at", "run_id"}


# --- the setting ------------------------------------------------------------------------


def test_no_setting_is_the_duckdb_file_of_today() -> None:
    assert from_environment({}).path is not None
    assert from_environment({}).path.name == "tickerpulse.duckdb"
    assert from_environment({"TICKERPULSE_DUCKDB_PATH": "/x/a.duckdb"}).path == Path("/x/a.duckdb")


def test_a_path_setting_is_a_duckdb_file_that_wins_over_the_old_variable() -> None:
    location = from_environment(
        {"TICKERPULSE_WAREHOUSE": "/x/b.duckdb", "TICKERPULSE_DUCKDB_PATH": "/x/a.duckdb"}
    )
    assert location == WarehouseLocation(path=Path("/x/b.duckdb"))
    assert not location.is_lake


def test_a_postgres_lake_keeps_its_catalog_and_ends_its_data_path_with_a_slash() -> None:
    location = parse("ducklake:postgres:dbname=lake host=127.0.0.1 user=u", "s3://bucket/lake")
    assert location.is_lake
    assert location.catalog == "postgres:dbname=lake host=127.0.0.1 user=u"
    assert location.data_path == "s3://bucket/lake/"


def test_a_lake_setting_refuses_a_password_and_a_missing_data_path() -> None:
    with pytest.raises(WarehouseConfigError, match="TICKERPULSE_WAREHOUSE_PASSWORD"):
        parse("ducklake:postgres:dbname=lake password=hunter2", "/tmp/lake")
    with pytest.raises(WarehouseConfigError, match="TICKERPULSE_WAREHOUSE_DATA_PATH"):
        parse("ducklake:/tmp/catalog.ducklake", None)


def test_lake_ddl_drops_only_the_primary_keys() -> None:
    statement = (
        "create table if not exists t (k varchar primary key, v int not null, "
        "w int default 0, primary key (k, v))"
    )
    assert for_lake(statement) == (
        "create table if not exists t (k varchar, v int not null, w int default 0)"
    )


def test_lake_writers_get_a_pool_per_table_group_and_the_file_one_pool() -> None:
    lake = {pools.writer_pool(group, lake=True) for group in pools.LAKE_GROUPS}
    assert len(lake) == len(pools.LAKE_GROUPS) and WAREHOUSE_POOL not in lake
    assert {pools.writer_pool(group, lake=False) for group in pools.LAKE_GROUPS} == {WAREHOUSE_POOL}


def test_the_caches_upsert_on_a_lake_one_row_per_key_the_newest(tmp_path: Path) -> None:
    lake = parse(f"ducklake:{tmp_path / 'catalog.ducklake'}", str(tmp_path / "lake"))
    with connect(lake) as con:
        for content in ("first", "second"):
            answers = AnswerCache()
            answers.put(CacheKey("h1", "m", "p", "s"), CachedAnswer(content, 1, 1, 1, 0.0, 1))
            answers.put(CacheKey("h2", "m", "p", "s"), CachedAnswer(content, 1, 1, 1, 0.0, 1))
            answers.save(con)
            responses = ResponseCache()
            fetched = datetime(2026, 12, 1, tzinfo=UTC)
            responses.put(
                "https://example.com/feed",
                CachedResponse(Validators(content, None), content.encode(), None, fetched),
            )
            http_state.save_cache(con, responses)
        assert con.execute(
            "select count(*), count(distinct cache_key), min(content) from raw.llm_cache"
        ).fetchone() == (2, 2, "second")
        assert con.execute("select count(*), min(etag) from raw.http_cache").fetchone() == (
            1,
            "second",
        )


def test_a_lake_instance_records_each_pool_at_its_documented_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LAKE_MODE is read from TICKERPULSE_WAREHOUSE when the module loads.
    monkeypatch.setattr(instance_settings, "LAKE_MODE", True)
    with dg.DagsterInstance.ephemeral() as instance:
        instance_settings.ensure_warehouse_pool(instance)
        limits = {pool.name: pool.limit for pool in instance.event_log_storage.get_pool_limits()}
    assert limits == pools.lake_pools()
    assert limits["ducklake_raw_articles"] == 2 and limits["ducklake_dbt"] == 1
    assert (Path(__file__).parents[1] / "docs/scaling.md").read_text().count("ducklake_") >= 6


# --- the demo on a lake -------------------------------------------------------------------
# The whole demo on a lake takes a worker over a minute: these three run in `make test-slow`
# (CI runs it), and `make test-cluster CLUSTER_WAREHOUSE=ducklake` builds the demo on a
# Postgres-catalog lake and compares its marts with the file mode's too.


@pytest.fixture(scope="module")
def lake_demo(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The demo through the whole graph on a DuckLake (catalog file, folder data path)."""
    tmp = tmp_path_factory.mktemp("lake_demo")
    warehouse = WarehouseResource(
        lake_catalog=str(tmp / "catalog.ducklake"), lake_data_path=str(tmp / "lake")
    )
    defs = build_defs(
        warehouse=warehouse,
        news_sources=NewsSourcesResource(sources_file="sources.yaml", timeout_s=5),
        analyzer=AnalyzerResource(backend="offline"),
        serving=ServingResource(directory=str(tmp / "serving")),
    )
    pipeline = Pipeline(defs, dg.DagsterInstance.ephemeral(), tmp / "catalog.ducklake")
    dates = STORYLINE["dates"]
    result = materialize_range(pipeline.defs, pipeline.instance, dates[0], dates[-1])
    assert result.success, "the demo pipeline run failed on the lake"
    return pipeline


def _lake(pipeline: Pipeline) -> WarehouseLocation:
    return pipeline.defs.resources["warehouse"].location


def _marts(where: Path | WarehouseLocation) -> dict[str, Counter[tuple]]:
    with connect(where, read_only=True) as con:
        return marts_rows(con, RUN_TIME_COLUMNS)


@pytest.mark.slow
def test_the_demo_on_a_lake_gives_marts_equal_row_for_row_to_the_file(
    demo: Pipeline, lake_demo: Pipeline
) -> None:
    on_file, on_lake = _marts(demo.database), _marts(_lake(lake_demo))
    assert len(on_file) >= 10
    for table, rows in on_file.items():
        assert on_lake.get(table) == rows, table
    assert sum(on_lake[table].total() for table in on_file) > 1000


@pytest.mark.slow
def test_the_served_version_of_a_lake_records_its_snapshot_and_how_to_attach(
    lake_demo: Pipeline,
) -> None:
    current = Path(lake_demo.defs.resources["serving"].path) / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["lake_snapshot"] > 0
    attach = (current / "lake.sql").read_text()
    assert f"snapshot_version {manifest['lake_snapshot']}" in attach
    assert "read_only" in attach


@pytest.mark.slow
def test_rerunning_a_partition_on_a_lake_duplicates_nothing(lake_demo: Pipeline) -> None:
    day = STORYLINE["dates"][1]
    counts = (
        "select (select count(*) from raw.articles), "
        "(select count(distinct article_id) from raw.articles), "
        "(select count(*) from raw.article_analysis), "
        "(select count(*) from raw.articles where partition_date = ?)"
    )
    with connect(_lake(lake_demo), read_only=True) as con:
        before = con.execute(counts, [day]).fetchone()
    assert before[0] == before[1] and before[3] > 0

    result = lake_demo.ingest(day)

    assert result.success
    with connect(_lake(lake_demo), read_only=True) as con:
        assert con.execute(counts, [day]).fetchone() == before


# --- several processes at once on a Postgres catalog --------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Callable[[str], str]]:
    """A throw-away PostgreSQL on 127.0.0.1; yields a function that makes a catalog DB."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL binaries are not in {PG_BIN} (apt-get install postgresql-15)")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb and pg_ctl refuse root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="tickerpulse-pg-"))
    if as_postgres:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    data = folder / "data"

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=60)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    run(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )

    def catalog(name: str) -> str:
        run(
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-c",
            f"create database {name}",
        )
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={port} user=postgres"

    try:
        yield catalog
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _create_table(setting: str, data_path: Path, *tables: str) -> None:
    with connect(parse(setting, str(data_path))) as con:
        for table in tables:
            con.execute(
                f"create table if not exists {table} "
                "(writer varchar, day integer, round integer, item integer)"
            )


def _writers(
    setting: str, data_path: Path, jobs: list[tuple[str, str]], days: int, rounds: int
) -> list[dict]:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(WRITER),
                setting,
                str(data_path),
                table,
                writer,
                str(days),
                str(rounds),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[1],
        )
        for table, writer in jobs
    ]
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=300)
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_two_processes_writing_different_tables_at_once_both_succeed(
    postgres: Callable[[str], str], tmp_path: Path
) -> None:
    setting = postgres("different_tables")
    _create_table(setting, tmp_path, "raw.first", "raw.second")

    reports = _writers(setting, tmp_path, [("raw.first", "a"), ("raw.second", "b")], 3, 3)

    assert [report["error"] for report in reports] == [None, None]
    with connect(parse(setting, str(tmp_path)), read_only=True) as con:
        for table in ("raw.first", "raw.second"):
            rows = con.execute(f"select day, round, count(*) from {table} group by all").fetchall()
            assert sorted(rows) == [(day, 2, 3) for day in range(3)]


def test_writers_of_one_table_at_once_retry_their_conflicts_and_lose_nothing(
    postgres: Callable[[str], str], tmp_path: Path
) -> None:
    setting = postgres("same_table")
    _create_table(setting, tmp_path, "raw.shared")

    reports = _writers(
        setting, tmp_path, [("raw.shared", "a"), ("raw.shared", "b"), ("raw.shared", "c")], 2, 3
    )

    assert [report["error"] for report in reports] == [None, None, None]
    assert sum(report["conflicts"] for report in reports) > 0, "the writers never met"
    with connect(parse(setting, str(tmp_path)), read_only=True) as con:
        rows = con.execute(
            "select writer, day, round, count(*) from raw.shared group by all"
        ).fetchall()
    # Every writer's last round of every day, each row once: nothing lost, nothing doubled.
    assert sorted(rows) == [(writer, day, 2, 3) for writer in "abc" for day in range(2)]


def test_a_lake_resource_turns_a_conflict_into_a_step_retry(tmp_path: Path) -> None:
    import duckdb

    warehouse = WarehouseResource(
        lake_catalog=str(tmp_path / "catalog.ducklake"), lake_data_path=str(tmp_path / "lake")
    )
    with pytest.raises(dg.RetryRequested), warehouse.connect():
        raise duckdb.TransactionException("TransactionContext Error: Transaction conflict: x")
    with pytest.raises(duckdb.TransactionException), warehouse.connect():
        raise duckdb.TransactionException("TransactionContext Error: something else")
