"""A folder of JSONL, CSV and Parquet article files as a source."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import polars as pl

from orchestration.news import file_drop
from orchestration.news.sources import Source, collect

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)


def drop_folder(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    rows = [
        {
            "id": "j1",
            "url": "https://files.example.com/a?utm_source=x",
            "title": "Boeing wins an order",
            "published_at": "2026-11-17T08:00:00+01:00",
            "body": "Boeing won a large order.",
            "source": "Partner Wire",
        },
        {"id": "j2", "title": "Boeing delays deliveries", "published_at": "2026-11-16T23:30:00Z"},
        {"id": "j3", "title": "", "published_at": "2026-11-16T23:30:00Z"},  # skipped: no title
    ]
    (folder / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (folder / "desk.csv").write_text(
        "url,title,published_at,body\n"
        "https://files.example.com/c,Ford recalls trucks,2026-11-17 12:00:00,Ford said so.\n"
    )
    pl.DataFrame(
        {
            "url": ["https://files.example.com/p"],
            "title": ["Nvidia ships a new chip"],
            "published_at": [datetime(2026, 11, 17, 15, 0, tzinfo=UTC)],
        }
    ).write_parquet(folder / "batch.parquet")
    (folder / "corrupt.parquet").write_bytes(b"PAR1 this is not really parquet")
    (folder / "columns.csv").write_text("headline,when\nSomething,2026-11-17\n")
    (folder / "notes.txt").write_text("not an article file")
    return folder


def test_good_files_land_and_each_broken_file_is_reported(tmp_path: Path):
    folder = drop_folder(tmp_path / "drop")

    with httpx.Client() as client:
        articles, (outcome,) = collect(
            [Source("drop", "file_drop", str(folder))], client=client, now=NOW
        )

    titles = sorted(a.title for a in articles)
    assert titles == [
        "Boeing delays deliveries",
        "Boeing wins an order",
        "Ford recalls trucks",
        "Nvidia ships a new chip",
    ]
    assert (outcome.status, outcome.items, outcome.complete) == ("partial", 4, False)
    assert "corrupt.parquet: " in outcome.message
    # `headline` is read as the title; `when` is no name for a publication time we know.
    assert "columns.csv: ColumnError: missing required columns: published_at, url or id" in (
        outcome.message
    )
    assert "wire.jsonl: 1 of 3 rows skipped: no title: 1 (line 3)" in outcome.message
    statuses = {Path(r.file.path).name: r.status for r in outcome.files}
    assert statuses == {
        "batch.parquet": "ok",
        "columns.csv": "error",
        "corrupt.parquet": "error",
        "desk.csv": "ok",
        "wire.jsonl": "partial",
    }
    boeing = next(a for a in articles if a.title == "Boeing wins an order")
    assert boeing.published_at == datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    assert boeing.url == "https://files.example.com/a"
    assert (boeing.publisher, boeing.sources) == ("Partner Wire", ["drop"])
    ford = next(a for a in articles if a.title == "Ford recalls trucks")
    assert ford.published_at == datetime(2026, 11, 17, 12, 0, tzinfo=UTC)  # naive is UTC


def test_a_folder_of_only_broken_files_is_an_error(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "corrupt.parquet").write_bytes(b"garbage")

    articles, (outcome,) = collect([Source("drop", "file_drop", str(folder))], now=NOW)

    assert articles == [] and outcome.status == "error"
    assert outcome.message.startswith("corrupt.parquet: ")


def test_a_missing_folder_is_an_error_naming_it(tmp_path: Path):
    missing = tmp_path / "nowhere"

    _, (outcome,) = collect([Source("drop", "file_drop", str(missing))], now=NOW)

    assert (outcome.status, outcome.message) == (
        "error",
        f"file drop folder {missing} does not exist",
    )


def test_landed_versions_tell_which_files_are_new_as_the_sensor_asks(tmp_path: Path):
    folder = drop_folder(tmp_path / "drop")
    con = duckdb.connect(str(tmp_path / "state.duckdb"))
    assert [Path(f.path).name for f in _new_files(con, folder)] == [
        "batch.parquet",
        "columns.csv",
        "corrupt.parquet",
        "desk.csv",
        "wire.jsonl",
    ]
    _, results, _ = file_drop.read_folder(folder, "drop", NOW)

    file_drop.record_landed(con, "drop", results)
    assert _new_files(con, folder) == []

    (folder / "more.jsonl").write_text(
        json.dumps({"id": "m", "title": "More", "published_at": "2026-11-17T00:00:00Z"}) + "\n"
    )
    stat = (folder / "desk.csv").stat()
    os.utime(folder / "desk.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert [Path(f.path).name for f in _new_files(con, folder)] == [
        "desk.csv",
        "more.jsonl",
    ]
    logged = dict(con.execute("select path, status from raw.file_drop_log").fetchall())
    assert logged[str(folder / "corrupt.parquet")] == "error"
    con.close()


def _new_files(con: duckdb.DuckDBPyConnection, folder: Path) -> list[file_drop.DroppedFile]:
    """What the drop sensor asks: files whose current version has not landed yet."""
    landed = file_drop.landed_versions(con)
    return [f for f in file_drop.list_files(folder) if (f.path, f.size, f.mtime_ns) not in landed]
