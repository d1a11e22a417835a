"""What we remember about http sources between runs: validators and the last good body.

A 304 answer carries no body, and a partition is replaced from what was read, so the last
body that parsed is kept beside its ETag / Last-Modified and re-parsed on a 304.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from orchestration.news.fetch import Validators
from orchestration.news.normalize import redact_url, stable_id
from orchestration.warehouse.conflicts import in_transaction
from orchestration.warehouse.schema import HTTP_CACHE, create_tables, is_lake


@dataclass(frozen=True)
class CachedResponse:
    validators: Validators
    body: bytes
    content_type: str | None
    fetched_at: datetime


@dataclass
class ResponseCache:
    """Last good responses by source location; `updated` holds what a run should save."""

    entries: dict[str, CachedResponse] = field(default_factory=dict)
    updated: dict[str, CachedResponse] = field(default_factory=dict)

    def get(self, location: str) -> CachedResponse | None:
        return self.entries.get(location_key(location))

    def put(self, location: str, response: CachedResponse) -> None:
        key = location_key(location)
        self.entries[key] = response
        self.updated[location] = response


def location_key(location: str) -> str:
    """The cache key: a hash, so a key in a URL's query never lands in the table."""
    return stable_id("http-cache", location)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    create_tables(con, HTTP_CACHE)


def load_cache(con: duckdb.DuckDBPyConnection) -> ResponseCache:
    ensure_tables(con)
    rows = con.execute(
        "select location_key, etag, last_modified, body, content_type, fetched_at "
        "from raw.http_cache"
    ).fetchall()
    return ResponseCache(
        {
            key: CachedResponse(
                Validators(etag, last_modified),
                bytes(body),
                content_type,
                fetched_at.replace(tzinfo=UTC),
            )
            for key, etag, last_modified, body, content_type, fetched_at in rows
        }
    )


def load_validators(con: duckdb.DuckDBPyConnection) -> dict[str, Validators]:
    """Validators by location key, without the bodies: what a sensor's cheap check needs.
    Works on a read-only connection (no table yet: nothing known)."""
    try:
        rows = con.execute(
            "select location_key, etag, last_modified from raw.http_cache"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {key: Validators(etag, last_modified) for key, etag, last_modified in rows}


def save_cache(con: duckdb.DuckDBPyConnection, cache: ResponseCache) -> int:
    """Upsert the responses this run stored; returns how many."""
    ensure_tables(con)
    rows = [
        [
            location_key(location),
            redact_url(location),
            response.validators.etag,
            response.validators.last_modified,
            response.content_type,
            response.body,
            response.fetched_at.astimezone(UTC).replace(tzinfo=None),
        ]
        for location, response in cache.updated.items()
    ]

    # A DuckLake has no primary key for `insert or replace`: there the keys are deleted and
    # inserted in one transaction; the file keeps its statement-by-statement upserts.
    def upsert() -> None:
        con.execute(
            "delete from raw.http_cache where location_key in (select unnest(?::varchar[]))",
            [[row[0] for row in rows]],
        )
        con.executemany("insert into raw.http_cache values (?, ?, ?, ?, ?, ?, ?)", rows)

    if rows and is_lake(con):
        in_transaction(con, upsert)
    else:
        for row in rows:
            con.execute("insert or replace into raw.http_cache values (?, ?, ?, ?, ?, ?, ?)", row)
    saved = len(cache.updated)
    cache.updated.clear()
    return saved
