"""LLM answers cached in DuckDB, so an article is paid for once per model and prompt.

The key is a hash of what the model reads (the delimited, truncated article) with the
model, prompt version and answer-schema version: re-running or backfilling analysed
articles makes no call; a new prompt version misses the cache and re-scores, while rows of
older versions stay in raw.llm_cache and raw.article_analysis.
The cache keeps the validated answer text, not our analysis: post-processing (clamping,
labels, ticker resolution) is re-applied on every hit, so a new reference table applies.

Answers are paid for as they arrive, so a cache given a `store` writes them as they come
(every `flush_every` answers or `flush_after_s` seconds), each time on a connection opened
for that write only: a run that dies half way keeps what it had been paid for, and no
DuckDB connection is held while the calls wait on the network.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import duckdb

from orchestration.warehouse.schema import LLM_CACHE, create_tables

TABLE = "raw.llm_cache"
_COLUMNS = (
    "cache_key, content_hash, model, prompt_version, schema_version, content, "
    "input_tokens, output_tokens, latency_ms, cost_usd, attempts"
)


@dataclass(frozen=True)
class CachedAnswer:
    """A validated answer and what the call that produced it took."""

    content: str
    input_tokens: int
    output_tokens: int
    latency_ms: int
    cost_usd: float
    attempts: int


@dataclass(frozen=True)
class CacheKey:
    content_hash: str
    model: str
    prompt_version: str
    schema_version: str

    @property
    def value(self) -> str:
        parts = (self.content_hash, self.model, self.prompt_version, self.schema_version)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


Store = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


class AnswerCache:
    """An in-memory view of the cache for one run: load the keys needed, save what is new.

    An analyzer gets its cache when it is built and prefetches the keys of each batch.
    `store` opens a short-lived connection for flushes made while calls are in flight, so
    it must not wait for a lock; `loader` (default: `store`) opens one for prefetching,
    before any call, where waiting out another process's lock is right.
    """

    def __init__(
        self,
        entries: dict[str, CachedAnswer] | None = None,
        store: Store | None = None,
        flush_every: int = 50,
        flush_after_s: float = 10.0,
        loader: Store | None = None,
    ) -> None:
        self._entries = dict(entries or {})
        self._new: dict[CacheKey, CachedAnswer] = {}
        self.store = store
        self.loader = loader or store
        self.flush_every = max(1, flush_every)
        self.flush_after_s = flush_after_s
        self.written = 0  # answers written this run, by flushes and saves together
        self._flushed_at = time.monotonic()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> CachedAnswer | None:
        return self._entries.get(key.value)

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        self._entries[key.value] = answer
        self._new[key] = answer
        due = time.monotonic() - self._flushed_at >= self.flush_after_s
        if self.store is not None and (len(self._new) >= self.flush_every or due):
            try:
                self.flush()
            except duckdb.Error:
                # Another writer holds the file: the answers wait in memory for the next
                # flush or the run's final save, which reports the error if it persists.
                self._flushed_at = time.monotonic()

    def flush(self) -> int:
        """Write what is new through `store` now; returns how many this run wrote in all."""
        if self.store is None or not self._new:
            return 0
        with self.store() as con:
            return self.save(con)

    @property
    def unsaved(self) -> int:
        return len(self._new)

    def prefetch(self, keys: Iterable[CacheKey]) -> int:
        """Read the stored answers for `keys` not in memory yet; returns how many were found."""
        missing = [key.value for key in keys if key.value not in self._entries]
        if self.loader is None or not missing:
            return 0
        with self.loader() as con:
            found = _read(con, missing)
        self._entries.update(found)
        return len(found)

    @classmethod
    def load(
        cls,
        con: duckdb.DuckDBPyConnection,
        keys: Iterable[CacheKey],
        store: Store | None = None,
        flush_every: int = 50,
    ) -> AnswerCache:
        """The entries for `keys`; with a `store`, new answers are written as they come."""
        entries = _read(con, [key.value for key in keys])
        return cls(entries, store=store, flush_every=flush_every)

    def save(self, con: duckdb.DuckDBPyConnection) -> int:
        """Write the answers not yet written; returns how many this run wrote in all."""
        create_tables(con, LLM_CACHE)
        rows = [
            (
                key.value,
                key.content_hash,
                key.model,
                key.prompt_version,
                key.schema_version,
                a.content,
                a.input_tokens,
                a.output_tokens,
                a.latency_ms,
                a.cost_usd,
                a.attempts,
            )
            for key, a in self._new.items()
        ]
        if rows:
            con.executemany(
                f"insert or replace into {TABLE} ({_COLUMNS}) values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self._new.clear()
        self.written += len(rows)
        self._flushed_at = time.monotonic()
        return self.written


def _read(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, CachedAnswer]:
    create_tables(con, LLM_CACHE)
    rows = con.execute(
        "select cache_key, content, input_tokens, output_tokens, latency_ms, cost_usd, "
        f"attempts from {TABLE} where cache_key in (select unnest(?::varchar[]))",
        [keys],
    ).fetchall()
    return {row[0]: CachedAnswer(*row[1:]) for row in rows}
