"""What reading one source produced, and reading a feed with its conditional-GET cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from orchestration.news.articles import Article
from orchestration.news.feeds import parse_feed
from orchestration.news.fetch import FetchError, RetryPolicy, fetch
from orchestration.news.file_drop import FileResult
from orchestration.news.http_state import CachedResponse, ResponseCache


@dataclass(frozen=True)
class SourceRead:
    articles: list[Article]
    status: str  # ok | partial | not_modified | error
    message: str | None = None
    complete: bool = True
    files: tuple[FileResult, ...] = ()

    @classmethod
    def failed(cls, message: str) -> SourceRead:
        return cls([], "error", message, complete=False)

    @classmethod
    def from_warnings(cls, articles: list[Article], warnings: list[str]) -> SourceRead:
        return cls(articles, "partial" if warnings else "ok", "; ".join(warnings) or None)


def read_feed(
    name: str,
    location: str,
    client: httpx.Client,
    now: datetime,
    retry: RetryPolicy,
    cache: ResponseCache | None,
    user_agent: str | None = None,
) -> SourceRead:
    """A feed's articles; on a 304 the stored copy is parsed again, so the day keeps them."""
    cached = cache.get(location) if cache is not None else None
    fetched = fetch(
        location,
        client,
        retry=retry,
        validators=cached.validators if cached else None,
        headers={"User-Agent": user_agent} if user_agent else None,
    )
    if fetched.not_modified:
        if cached is None:
            raise FetchError("HTTP 304 (not modified) but no stored copy to re-read")
        parsed = parse_feed(cached.body, name, cached.fetched_at, cached.content_type)
        notes = [f"unchanged since {cached.fetched_at:%Y-%m-%d %H:%M} UTC (HTTP 304)"]
        return SourceRead(parsed.articles, "not_modified", "; ".join(notes + parsed.warnings))
    parsed = parse_feed(fetched.content, name, now, fetched.content_type)
    if cache is not None and fetched.validators and parsed.articles:
        cache.put(
            location,
            CachedResponse(fetched.validators, fetched.content, fetched.content_type, now),
        )
    warnings = list(parsed.warnings)
    if fetched.attempts > 1:
        warnings.append(f"read on attempt {fetched.attempts}")
    return SourceRead.from_warnings(parsed.articles, warnings)
