"""LLM answers cached in DuckDB, so an article is paid for once per model and prompt.

The key is a hash of what the model reads (the delimited, truncated article) with the
model, prompt version and answer-schema version: re-running or backfilling analysed
articles makes no call; a new prompt version misses the cache and re-scores, while rows of
older versions stay in raw.llm_cache and raw.article_analysis.
The cache keeps the validated answer text, not our analysis: post-processing (clamping,
labels, ticker resolution) is re-applied on every hit, so a new reference table applies.

Answers are paid for as they arrive, so a cache given a `store` writes them as they come,
from a thread of its own, each time on a connection opened for that write only: a run that
dies half way keeps what it had been paid for, the calls never wait on DuckDB, and no
DuckDB connection is held while they wait on the network.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import duckdb

from orchestration.warehouse.conflicts import in_transaction
from orchestration.warehouse.schema import LLM_CACHE, create_tables, is_lake

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
    `store` opens a short-lived connection for writes made while calls are in flight;
    `loader` (default: `store`) opens one for prefetching, before any call, where waiting
    out another process's lock is right.

    With a store, answers are written by a writer thread of the cache's own, as they come
    (every `flush_every` answers, and at least every `flush_after_s` seconds), so the event
    loop making the calls never waits on DuckDB, and a run killed half way has lost at
    most the answers that arrived in the last moments. `background=False` writes in the
    caller's thread instead.
    """

    def __init__(
        self,
        entries: dict[str, CachedAnswer] | None = None,
        store: Store | None = None,
        flush_every: int = 1,
        flush_after_s: float = 1.0,
        loader: Store | None = None,
        background: bool = True,
    ) -> None:
        self._entries = dict(entries or {})
        self._new: dict[CacheKey, CachedAnswer] = {}
        self.store = store
        self.loader = loader or store
        self.flush_every = max(1, flush_every)
        self.flush_after_s = flush_after_s
        self.background = background and store is not None
        self.written = 0  # answers written this run, by flushes and saves together
        self._flushed_at = time.monotonic()
        self._lock = threading.Lock()  # guards _entries, _new and the counters
        self._writing = threading.Lock()  # one write at a time: the thread's or a save's
        self._wake = threading.Event()
        self._closed = False
        self._writer: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> CachedAnswer | None:
        return self._entries.get(key.value)

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        with self._lock:
            self._entries[key.value] = answer
            self._new[key] = answer
            due = len(self._new) >= self.flush_every
            due = due or time.monotonic() - self._flushed_at >= self.flush_after_s
        if self.store is None or not due:
            return
        if self.background:
            self._start_writer()
            self._wake.set()
            return
        try:
            self.flush()
        except duckdb.Error:
            # Another writer holds the file: the answers wait in memory for the next
            # flush or the run's final save, which reports the error if it persists.
            self._flushed_at = time.monotonic()

    def flush(self) -> int:
        """Write what is new through `store` now; returns how many this run wrote in all."""
        if self.store is None:
            return self.written
        with self._writing:
            batch = self._pending()
            if batch:
                with self.store() as con:
                    self._write(con, batch)
        return self.written

    def close(self) -> None:
        """Stop the writer thread after its last write; answers not written stay in memory."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join()
            self._writer = None

    def _start_writer(self) -> None:
        if self._writer is None and not self._closed:
            self._writer = threading.Thread(
                target=self._write_loop, name="answer-cache-writer", daemon=True
            )
            self._writer.start()

    def _write_loop(self) -> None:
        while not self._closed:
            self._wake.wait(timeout=self.flush_after_s)
            self._wake.clear()
            try:
                self.flush()
            except duckdb.Error:
                # Another process holds the file: try again on the next tick; the run's
                # final save reports the error if it persists.
                continue

    def _pending(self) -> dict[CacheKey, CachedAnswer]:
        with self._lock:
            return dict(self._new)

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

    def save(self, con: duckdb.DuckDBPyConnection) -> int:
        """Write the answers not yet written; returns how many this run wrote in all.

        The end of a run: the writer thread is stopped first, so nothing writes after it.
        """
        self.close()
        with self._writing:
            self._write(con, self._pending())
        return self.written

    def _write(self, con: duckdb.DuckDBPyConnection, batch: dict[CacheKey, CachedAnswer]) -> None:
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
            for key, a in batch.items()
        ]

        columns = f"({_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

        # A DuckLake has no primary key for `insert or replace`: there the keys are deleted
        # and inserted in one transaction. The file keeps its row-by-row commits, which a
        # killed run keeps up to its last row.
        def upsert() -> None:
            con.execute(
                f"delete from {TABLE} where cache_key in (select unnest(?::varchar[]))",
                [[row[0] for row in rows]],
            )
            con.executemany(f"insert into {TABLE} {columns}", rows)

        if rows and is_lake(con):
            in_transaction(con, upsert)
        elif rows:
            con.executemany(f"insert or replace into {TABLE} {columns}", rows)
        with self._lock:
            for key, answer in batch.items():
                if self._new.get(key) is answer:
                    del self._new[key]
            self.written += len(rows)
            self._flushed_at = time.monotonic()


def _read(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, CachedAnswer]:
    create_tables(con, LLM_CACHE)
    rows = con.execute(
        "select cache_key, content, input_tokens, output_tokens, latency_ms, cost_usd, "
        f"attempts from {TABLE} where cache_key in (select unnest(?::varchar[]))",
        [keys],
    ).fetchall()
    return {row[0]: CachedAnswer(*row[1:]) for row in rows}
