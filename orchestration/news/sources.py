"""The configured news sources, and collecting articles from all of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from orchestration.news import file_drop, polygon
from orchestration.news.articles import Article
from orchestration.news.dates import zone_named
from orchestration.news.dedup import deduplicate
from orchestration.news.drop_columns import column_map_problems
from orchestration.news.feeds import FeedError
from orchestration.news.fetch import NO_RETRY, FetchError, RetryPolicy, http_client
from orchestration.news.http_state import ResponseCache
from orchestration.news.language import detect_language
from orchestration.news.limits import DEFAULT_MAX_ARTICLE_CHARS, cap_article, truncation_note
from orchestration.news.normalize import redact_url
from orchestration.news.pool import run_per_host
from orchestration.news.reading import SourceRead, read_feed
from orchestration.news.source_entries import EntryRules, common_value_problems, read_entries

# Kinds whose complete read lists everything they have for the window (docs/sources.md).
REPLACING_KINDS = frozenset({"polygon", "file_drop"})
# The keys each kind takes besides name, kind, location and enabled.
_KIND_KEYS = {
    "feed": frozenset({"user_agent", "full_text"}),
    "polygon": frozenset({"api_key_env", "tickers", "requests_per_minute", "full_text"}),
    "file_drop": frozenset({"columns", "timezone"}),
}


class SourcesConfigError(Exception):
    """sources.yaml is missing, unreadable or names something we cannot use."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    location: str  # an http(s) URL, an absolute path, or a folder for file drops
    options: Mapping[str, Any] = field(default_factory=dict)  # kind-specific settings


@dataclass(frozen=True)
class SourceOutcome:
    """How reading one source went: what the ingestion log and the asset metadata show."""

    source: str
    location: str  # redacted: safe for logs
    status: str  # ok | partial | not_modified | error
    items: int
    message: str | None = None
    # False when what was read is not all of the source (an error, a paging failure): its
    # rows from earlier runs are then kept instead of replaced.
    complete: bool = True
    files: tuple[file_drop.FileResult, ...] = ()  # file drops: one result per file read
    # True when this read is the whole truth about the window (a complete API query, a
    # complete file drop), so its earlier rows there that it no longer has may go. A feed
    # shows only its latest items: an item that left it is not gone, so never True.
    replaces_window: bool = False


@dataclass(frozen=True)
class CollectOptions:
    """How to reach sources: retries, concurrency, the date window API sources query."""

    window: tuple[date, date] | None = None  # inclusive UTC days; None: today
    retry: RetryPolicy = NO_RETRY
    max_workers: int = 4
    max_per_host: int = 2
    secrets: Mapping[str, str] = field(default_factory=dict)  # env var name -> value
    max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS  # per text of one article


def load_sources(path: Path) -> list[Source]:
    """Enabled sources from a YAML file; relative file locations are relative to that file.

    Anything misspelt or out of range is an error naming it (news/source_entries.py).
    """
    entries = read_entries(path, _RULES)
    return [Source(e.name, e.kind, e.location, e.options) for e in entries]


def _bad_values(item: dict[str, Any]) -> list[str]:
    problems = common_value_problems(item, column_map_problems)
    if "timezone" in item:
        try:
            zone_named(item["timezone"])
        except ValueError as exc:
            problems.append(str(exc))
    return problems


_RULES = EntryRules("sources file", _KIND_KEYS, "feed", _bad_values, SourcesConfigError)


def full_text_sources(sources: list[Source], default: bool = False) -> set[str]:
    """Names of the sources whose article pages are fetched for their main text.

    A source's own `full_text: true|false` wins over `default` (TICKERPULSE_FULL_TEXT).
    File drops carry their own bodies and are never expanded.
    """
    chosen = set()
    for source in sources:
        wanted = source.options.get("full_text", default)
        if not isinstance(wanted, bool):
            raise SourcesConfigError(
                f"source {source.name!r}: full_text must be true or false, not {wanted!r}"
            )
        if wanted and source.kind != "file_drop":
            chosen.add(source.name)
    return chosen


def collect(
    sources: list[Source],
    client: httpx.Client | None = None,
    now: datetime | None = None,
    *,
    options: CollectOptions | None = None,
    cache: ResponseCache | None = None,
) -> tuple[list[Article], list[SourceOutcome]]:
    """Articles from every source, de-duplicated; one failing source never stops the rest.

    Sources are read concurrently (at most `max_per_host` at a time from one host);
    outcomes come back in the order of `sources`. `cache` is read for conditional GETs
    and receives the responses worth remembering.
    """
    now = now or datetime.now(tz=UTC)
    options = options or CollectOptions()
    owns_client = client is None
    client = client or http_client()
    try:
        reads = run_per_host(
            [(_host(s), lambda s=s: _read(s, client, now, options, cache)) for s in sources],
            max_workers=options.max_workers,
            max_per_host=options.max_per_host,
        )
    finally:
        if owns_client:
            client.close()
    articles: list[Article] = []
    outcomes: list[SourceOutcome] = []
    for source, read in zip(sources, reads, strict=True):
        articles.extend(read.articles)
        note = _cap(read.articles, options.max_article_chars)
        outcomes.append(
            SourceOutcome(
                source.name,
                redact_url(source.location),
                "partial" if note and read.status == "ok" else read.status,
                len(read.articles),
                "; ".join(m for m in (read.message, note) if m) or None,
                read.complete,
                read.files,
                replaces_window=read.complete and source.kind in REPLACING_KINDS,
            )
        )
    unique = deduplicate(articles)
    for article in unique:
        article.language = detect_language(f"{article.title} {article.body}")
    return unique, outcomes


def _cap(articles: list[Article], limit: int) -> str | None:
    """Cut every article's texts to the limit; a note for the log when any was cut."""
    counts: Counter[str] = Counter()
    for article in articles:
        cut = set(cap_article(article, limit)) | set(article.truncated_fields)
        article.truncated_fields = sorted(cut)
        if cut:
            counts["articles"] += 1
            counts.update(cut)
    return truncation_note(dict(counts), limit)


def _read(
    source: Source,
    client: httpx.Client,
    now: datetime,
    options: CollectOptions,
    cache: ResponseCache | None,
) -> SourceRead:
    try:
        if source.kind == "polygon":
            window = options.window or (now.date(), now.date())
            return polygon.read(
                source.name,
                source.location,
                source.options,
                polygon.Context(client, window, options.retry, options.secrets, now),
            )
        if source.kind == "file_drop":
            articles, files, warnings = file_drop.read_folder(
                Path(source.location),
                source.name,
                now,
                file_drop.DropOptions.from_source(source.options, options.max_article_chars),
            )
            read = SourceRead.from_warnings(articles, warnings)
            if files and all(f.status == "error" for f in files):
                return SourceRead([], "error", read.message, complete=False, files=tuple(files))
            # A corrupt file keeps its rows from earlier runs rather than wiping them.
            complete = all(f.status != "error" for f in files)
            return replace(read, files=tuple(files), complete=complete)
        user_agent = source.options.get("user_agent")  # e.g. SEC asks for a contact address
        return read_feed(
            source.name,
            source.location,
            client,
            now,
            options.retry,
            cache,
            str(user_agent) if user_agent else None,
        )
    except (FetchError, FeedError, polygon.ApiError, FileNotFoundError) as exc:
        return SourceRead.failed(str(exc))
    except Exception as exc:  # a parser bug on one source must not stop the others
        return SourceRead.failed(f"unexpected {type(exc).__name__}: {exc}")


def _host(source: Source) -> str | None:
    """The host a source is read from; None for local files (no limit applies)."""
    return httpx.URL(source.location).host or None if "://" in source.location else None
