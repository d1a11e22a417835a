"""LLM answers cached in DuckDB, so an article is paid for once per model and prompt.

The key is a hash of what the model reads (the delimited, truncated article) with the
model, prompt version and answer-schema version: re-running or backfilling analysed
articles makes no call; a new prompt version misses the cache and re-scores, while rows of
older versions stay in raw.llm_cache and raw.article_analysis.
The cache keeps the validated answer text, not our analysis: post-processing (clamping,
labels, ticker resolution) is re-applied on every hit, so a new reference table applies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

TABLE = "raw.llm_cache"
DDL = f"""create table if not exists {TABLE} (
    cache_key varchar primary key, content_hash varchar not null, model varchar not null,
    prompt_version varchar not null, schema_version varchar not null, content varchar not null,
    input_tokens integer, output_tokens integer, latency_ms integer, cost_usd double,
    attempts integer, created_at timestamp not null default current_timestamp)"""
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


class AnswerCache:
    """An in-memory view of the cache for one run: load the keys needed, save what is new."""

    def __init__(self, entries: dict[str, CachedAnswer] | None = None) -> None:
        self._entries = dict(entries or {})
        self._new: dict[CacheKey, CachedAnswer] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> CachedAnswer | None:
        return self._entries.get(key.value)

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        self._entries[key.value] = answer
        self._new[key] = answer

    @property
    def unsaved(self) -> int:
        return len(self._new)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, keys: Iterable[CacheKey]) -> AnswerCache:
        con.execute(DDL)
        rows = con.execute(
            "select cache_key, content, input_tokens, output_tokens, latency_ms, cost_usd, "
            f"attempts from {TABLE} where cache_key in (select unnest(?::varchar[]))",
            [[key.value for key in keys]],
        ).fetchall()
        return cls({row[0]: CachedAnswer(*row[1:]) for row in rows})

    def save(self, con: duckdb.DuckDBPyConnection) -> int:
        """Write the answers added this run; returns how many."""
        con.execute(DDL)
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
        return len(rows)
