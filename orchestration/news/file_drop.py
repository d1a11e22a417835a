"""A folder of article files (JSONL, CSV, Parquet) as a news source, read with polars.

Each file needs a title, a publication time and a url or id, under any of the common column
names (news/drop_columns.py) or those the source's `columns:` option names; body, source
(the publisher) and tickers (kept as a hint) are optional. Every skipped row is counted by
reason, with the lines of the first few. Every run reads every file (a partition is
replaced from what was read); the raw.file_drop_log table says which (path, size, mtime)
versions have landed, so a sensor (orchestration/sensors.py) can tell what arrived since
and which days it fills.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from orchestration.news.articles import Article, canonical_link, new_article
from orchestration.news.dates import to_utc, zone_named
from orchestration.news.drop_columns import resolve_columns, ticker_hints
from orchestration.news.limits import DEFAULT_MAX_ARTICLE_CHARS, RAW_FACTOR
from orchestration.news.normalize import html_to_text
from orchestration.warehouse.schema import FILE_DROP_LOG, create_tables

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_EXAMPLES = 3  # line numbers shown per skip reason
_READERS = {
    ".jsonl": pl.read_ndjson,
    ".ndjson": pl.read_ndjson,
    ".csv": lambda path: pl.read_csv(path, infer_schema=False),  # every column a string
    ".parquet": pl.read_parquet,
}


@dataclass(frozen=True)
class DropOptions:
    """A file drop source's reading options from sources.yaml."""

    columns: Mapping[str, str] = field(default_factory=dict)  # field -> the file's column
    zone: tzinfo = UTC  # for times written without an offset
    max_chars: int = DEFAULT_MAX_ARTICLE_CHARS

    @classmethod
    def from_source(
        cls, options: Mapping[str, Any], max_chars: int = DEFAULT_MAX_ARTICLE_CHARS
    ) -> DropOptions:
        zone = zone_named(options["timezone"]) if "timezone" in options else UTC
        return cls(dict(options.get("columns") or {}), zone, max_chars)


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
    skipped: Mapping[str, int] = field(default_factory=dict)  # rows left out, per reason


def list_files(folder: Path, suffixes: Collection[str] = _READERS) -> list[DroppedFile]:
    """The files of a folder we can read (article files unless `suffixes` says otherwise,
    as the price drop does), sorted by name; hidden and partial files ignored."""
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith("."):
            stat = path.stat()
            files.append(DroppedFile(str(path), stat.st_size, stat.st_mtime_ns))
    return files


def landed_versions(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every file version landed so far; works read-only."""
    try:
        rows = con.execute("select distinct path, size, mtime_ns from raw.file_drop_log")
    except duckdb.CatalogException:  # no run has landed a drop file yet
        return set()
    return set(rows.fetchall())


def dates_in(dropped: DroppedFile, now: datetime, options: DropOptions | None = None) -> set[date]:
    """The UTC publication days of a file's usable rows: the partitions it fills."""
    articles, _ = _read_file(Path(dropped.path), "", now, options or DropOptions())
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
    folder: Path, source: str, now: datetime, options: DropOptions | None = None
) -> tuple[list[Article], list[FileResult], list[str]]:
    """Articles from every readable file; a broken file is reported and the others land."""
    if not folder.is_dir():
        raise FileNotFoundError(f"file drop folder {folder} does not exist")
    options = options or DropOptions()
    articles: list[Article] = []
    results: list[FileResult] = []
    for dropped in list_files(folder):
        try:
            found, skips = _read_file(Path(dropped.path), source, now, options)
        except Exception as exc:  # polars raises many types for a corrupt file
            message = f"{Path(dropped.path).name}: {first_line(exc)}"
            results.append(FileResult(dropped, "error", 0, message))
            continue
        note = None
        if skips.total:
            total = skips.total + len(found)
            note = f"{Path(dropped.path).name}: {skips.summary(total)}"
        status = "partial" if skips.total else "ok"
        results.append(FileResult(dropped, status, len(found), note, dict(skips.counts)))
        articles.extend(found)
    warnings = [r.message for r in results if r.message]
    return articles, results, warnings


def _read_file(
    path: Path, source: str, now: datetime, options: DropOptions
) -> tuple[list[Article], Skips]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"over the {MAX_FILE_BYTES:,} byte limit")
    suffix = path.suffix.lower()
    frame = _READERS[suffix](path)
    columns = resolve_columns(frame.columns, options.columns)
    # Where a row sits in the file, for the examples: CSV has a header line first.
    first_line_no, unit = {".csv": (2, "line"), ".parquet": (1, "row")}.get(suffix, (1, "line"))
    articles: list[Article] = []
    skips = Skips(unit)
    for index, row in enumerate(frame.iter_rows(named=True)):
        try:
            articles.append(_article(row, columns, source, now, options))
        except SkippedRow as skip:
            skips.add(skip.reason, index + first_line_no, skip.example)
    return articles, skips


class SkippedRow(Exception):
    def __init__(self, reason: str, example: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.example = reason, example


@dataclass
class Skips:
    """Rows left out of a file, per reason, with where the first few are."""

    unit: str  # "line" or "row"
    counts: Counter[str] = field(default_factory=Counter)
    where: dict[str, list[int]] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, reason: str, position: int, example: str | None) -> None:
        self.counts[reason] += 1
        places = self.where.setdefault(reason, [])
        if len(places) < MAX_EXAMPLES:
            places.append(position)
        if example and reason not in self.examples:
            self.examples[reason] = example

    def summary(self, rows: int) -> str:
        """'3 of 143 rows skipped: unreadable publication time: 2 (lines 4, 9; e.g. ...)'."""
        parts = []
        for reason, count in self.counts.most_common():
            places = ", ".join(map(str, self.where[reason]))
            more = ", ..." if count > len(self.where[reason]) else ""
            unit = self.unit if len(self.where[reason]) == 1 else f"{self.unit}s"
            example = f"; e.g. {self.examples[reason]}" if reason in self.examples else ""
            parts.append(f"{reason}: {count} ({unit} {places}{more}{example})")
        return f"{self.total} of {rows} rows skipped: {', '.join(parts)}"


def _article(
    row: dict[str, object],
    columns: dict[str, str],
    source: str,
    now: datetime,
    options: DropOptions,
) -> Article:
    cut: list[str] = []

    def text(field_name: str) -> str:
        value = row.get(columns[field_name]) if field_name in columns else None
        value = "" if value is None else str(value)
        if len(value) > options.max_chars * RAW_FACTOR:
            cut.append(field_name)  # cut before its markup is stripped: cut for good
            value = value[: options.max_chars * RAW_FACTOR]
        return value

    title = html_to_text(text("title"))
    if not title:
        raise SkippedRow("no title")
    when = row.get(columns["published_at"])
    try:
        published_at = to_utc(when, options.zone)
    except ValueError:
        if when is None or not str(when).strip():
            raise SkippedRow("no publication time") from None
        raise SkippedRow("unreadable publication time", repr(str(when)[:40])) from None
    url = canonical_link(text("url"))
    row_id = text("id")
    if not url and not row_id:
        raise SkippedRow("no url or id")
    origin = text("source").strip()
    hints = ticker_hints(row.get(columns["tickers"])) if "tickers" in columns else None
    article = new_article(
        source,
        url,
        (row_id,),
        title,
        html_to_text(text("body")),
        published_at,
        now,
        publisher=origin or None,
        ticker_hints=hints or None,
    )
    article.truncated_fields = cut
    return article


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
