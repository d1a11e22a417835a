"""A folder of article files (JSONL, CSV, Parquet) as a news source, read with polars.

Each file needs the columns title, published_at and url or id; body and source are
optional. Every run reads every file (a partition is replaced from what was read); the
raw.file_drop_log table says which (path, size, mtime) versions have landed, so a sensor
(orchestration/sensors.py) can tell what arrived since and which days it fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from orchestration.news.articles import Article, canonical_link, new_article
from orchestration.news.normalize import html_to_text
from orchestration.warehouse.schema import FILE_DROP_LOG, create_tables

MAX_FILE_BYTES = 200 * 1024 * 1024
_READERS = {
    ".jsonl": pl.read_ndjson,
    ".ndjson": pl.read_ndjson,
    ".csv": lambda path: pl.read_csv(path, infer_schema=False),  # every column a string
    ".parquet": pl.read_parquet,
}


@dataclass(frozen=True)
class DroppedFile:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FileResult:
    file: DroppedFile
    status: str  # ok | partial | error
    rows: int
    message: str | None = None


def list_files(folder: Path) -> list[DroppedFile]:
    """The article files in a folder, sorted by name (hidden and partial files ignored)."""
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in _READERS and not path.name.startswith("."):
            stat = path.stat()
            files.append(DroppedFile(str(path), stat.st_size, stat.st_mtime_ns))
    return files


def new_files(con: duckdb.DuckDBPyConnection, folder: Path) -> list[DroppedFile]:
    """Files whose current version has not been recorded as landed: what a sensor asks."""
    ensure_tables(con)
    seen = set(con.execute("select path, size, mtime_ns from raw.file_drop_log").fetchall())
    return [f for f in list_files(folder) if (f.path, f.size, f.mtime_ns) not in seen]


def landed_versions(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every file version landed so far; works read-only."""
    try:
        rows = con.execute("select distinct path, size, mtime_ns from raw.file_drop_log")
    except duckdb.CatalogException:  # no run has landed a drop file yet
        return set()
    return set(rows.fetchall())


def dates_in(dropped: DroppedFile, now: datetime) -> set[date]:
    """The UTC publication days of a file's usable rows: the partitions it fills."""
    articles, _ = _read_file(Path(dropped.path), "", now)
    return {a.published_at.date() for a in articles}


def record_landed(con: duckdb.DuckDBPyConnection, source: str, results: list[FileResult]) -> None:
    ensure_tables(con)
    for r in results:
        con.execute(
            "insert into raw.file_drop_log (source, path, size, mtime_ns, status, rows, message) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [source, r.file.path, r.file.size, r.file.mtime_ns, r.status, r.rows, r.message],
        )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    create_tables(con, FILE_DROP_LOG)


def read_folder(
    folder: Path, source: str, now: datetime
) -> tuple[list[Article], list[FileResult], list[str]]:
    """Articles from every readable file; a broken file is reported and the others land."""
    if not folder.is_dir():
        raise FileNotFoundError(f"file drop folder {folder} does not exist")
    articles: list[Article] = []
    results: list[FileResult] = []
    for dropped in list_files(folder):
        try:
            found, skipped = _read_file(Path(dropped.path), source, now)
        except Exception as exc:  # polars raises many types for a corrupt file
            message = f"{Path(dropped.path).name}: {first_line(exc)}"
            results.append(FileResult(dropped, "error", 0, message))
            continue
        note = f"{Path(dropped.path).name}: {skipped} rows skipped" if skipped else None
        results.append(FileResult(dropped, "partial" if skipped else "ok", len(found), note))
        articles.extend(found)
    warnings = [r.message for r in results if r.message]
    return articles, results, warnings


def _read_file(path: Path, source: str, now: datetime) -> tuple[list[Article], int]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"over the {MAX_FILE_BYTES:,} byte limit")
    frame = _READERS[path.suffix.lower()](path)
    missing = {"title", "published_at"} - set(frame.columns)
    if missing or not {"url", "id"} & set(frame.columns):
        need = sorted(missing) + ([] if {"url", "id"} & set(frame.columns) else ["url or id"])
        raise ValueError(f"missing required columns: {', '.join(need)}")
    articles, skipped = [], 0
    for row in frame.iter_rows(named=True):
        article = _article(row, source, now)
        if article is None:
            skipped += 1
        else:
            articles.append(article)
    return articles, skipped


def _article(row: dict[str, object], source: str, now: datetime) -> Article | None:
    title = html_to_text(str(row.get("title") or ""))
    published_at = _utc(row.get("published_at"))
    if not title or published_at is None:
        return None
    body = html_to_text(str(row.get("body") or ""))
    url = canonical_link(str(row.get("url") or ""))
    row_id = str(row.get("id") or "")
    if not url and not row_id:
        return None
    origin = str(row.get("source") or "").strip()
    return new_article(
        source, url, (row_id,), title, body, published_at, now, publisher=origin or None
    )


def _utc(value: object) -> datetime | None:
    """A datetime from an ISO string, a datetime or Unix seconds; naive means UTC."""
    try:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value, tz=UTC)
        elif isinstance(value, str) and value.strip():
            parsed = datetime.fromisoformat(value.strip())
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
