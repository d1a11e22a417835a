"""The cheap questions sensors ask between runs: which drop files are new, which feeds moved.

Nothing here writes the warehouse. What sensors remember lives in their cursors (JSON), and
the warehouse is only peeked at read-only, giving up at once when a run holds the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import duckdb
import httpx

from orchestration.news import file_drop
from orchestration.news.fetch import FetchError, Validators, fetch
from orchestration.news.http_state import location_key
from orchestration.news.pool import run_per_host
from orchestration.warehouse.location import WarehouseLocation, connect_lake

T = TypeVar("T")


def peek(
    database: Path | WarehouseLocation, query: Callable[[duckdb.DuckDBPyConnection], T]
) -> T | None:
    """`query` on a read-only connection; None when the file is missing or another process
    holds its lock (a run is writing), or the lake cannot be reached: a sensor then decides
    from its cursor alone."""
    if isinstance(database, WarehouseLocation):
        if database.is_lake:
            try:
                con = connect_lake(database, read_only=True)
            except duckdb.Error:
                return None
            try:
                return query(con)
            finally:
                con.close()
        database = database.path
    if not database.exists():
        return None
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException:
        return None
    try:
        return query(con)
    finally:
        con.close()


def version_key(dropped: file_drop.DroppedFile) -> str:
    return f"{dropped.path}|{dropped.size}|{dropped.mtime_ns}"


def digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DropCheck:
    present: list[str]  # version keys of every file now in the folders
    new: list[file_drop.DroppedFile]  # versions neither landed nor already requested
    dates: set[date]  # publication days inside the new files
    notes: list[str]  # unreadable files, missing folders


def check_drops(
    folders: Iterable[tuple[Path, file_drop.DropOptions]],
    seen: set[str],
    landed: set[tuple[str, int, int]],
    now: datetime,
) -> DropCheck:
    """New file versions in the drop folders (each read with its source's options) and the
    days they fill.

    `seen` holds version keys already requested (a sensor's cursor), `landed` the versions
    raw.file_drop_log has. A file that cannot be read now is still new: the run reports it
    in raw.file_drop_log, and a fixed copy (another size or mtime) is new again.
    """
    present: list[str] = []
    new: list[file_drop.DroppedFile] = []
    dates: set[date] = set()
    notes: list[str] = []
    for folder, options in folders:
        if not folder.is_dir():
            notes.append(f"file drop folder {folder} does not exist")
            continue
        for dropped in file_drop.list_files(folder):
            key = version_key(dropped)
            present.append(key)
            if key in seen or (dropped.path, dropped.size, dropped.mtime_ns) in landed:
                continue
            new.append(dropped)
            try:
                dates |= file_drop.dates_in(dropped, now, options)
            except Exception as exc:  # polars raises many types for a corrupt file
                notes.append(f"{Path(dropped.path).name}: {file_drop.first_line(exc)}")
    return DropCheck(present, new, dates, notes)


@dataclass(frozen=True)
class FeedState:
    """What a feed looked like at the last look: its validators, or a digest of it."""

    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"etag": self.etag, "last_modified": self.last_modified, "digest": self.digest}

    @classmethod
    def from_json(cls, value: dict[str, str | None]) -> FeedState:
        return cls(value.get("etag"), value.get("last_modified"), value.get("digest"))


@dataclass(frozen=True)
class FeedCheck:
    name: str
    changed: bool
    state: FeedState | None  # None: keep what was known (the check failed)
    message: str | None = None


def check_feeds(
    feeds: list[tuple[str, str]],
    client: httpx.Client,
    states: dict[str, FeedState],
    stored: dict[str, Validators],
    max_per_host: int = 2,
) -> list[FeedCheck]:
    """Whether each (name, location) feed changed since `states` (by name) saw it.

    http(s) feeds get a conditional GET with the validators last seen, or those the last
    run stored (`stored`, by location); a 304 is no change. Local files compare size and
    mtime. A feed that cannot be read is no change: the scheduled run will report it.
    """
    tasks = [
        (
            urlsplit(location).hostname if "://" in location else None,
            lambda n=name, loc=location: _check_feed(n, loc, client, states.get(n), stored),
        )
        for name, location in feeds
    ]
    return run_per_host(tasks, max_workers=4, max_per_host=max_per_host)


def _check_feed(
    name: str,
    location: str,
    client: httpx.Client,
    state: FeedState | None,
    stored: dict[str, Validators],
) -> FeedCheck:
    if "://" not in location:
        try:
            stat = Path(location).stat()
        except OSError as exc:
            return FeedCheck(name, False, None, f"{name}: {exc.strerror or exc}")
        now = FeedState(digest=f"{stat.st_size}:{stat.st_mtime_ns}")
        return FeedCheck(name, state != now, now)
    if state is not None:
        known = Validators(state.etag, state.last_modified)
    else:
        known = stored.get(location_key(location), Validators())
    try:
        fetched = fetch(location, client, validators=known)
    except FetchError as exc:
        return FeedCheck(name, False, None, f"{name}: {exc}")
    if fetched.not_modified:
        return FeedCheck(name, False, state or FeedState(known.etag, known.last_modified))
    now = FeedState(
        fetched.validators.etag,
        fetched.validators.last_modified,
        hashlib.sha256(fetched.content).hexdigest()[:16],
    )
    # A server without validators answers 200 every time: the content decides.
    return FeedCheck(name, state is None or state.digest != now.digest, now)
