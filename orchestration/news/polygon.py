"""Polygon.io (now Massive) ticker news: a news API that answers for any date range.

GET {base}/v2/reference/news?ticker=X&published_utc.gte=...&published_utc.lt=...
pages through `next_url`. The key travels in an Authorization header, never in a URL we
log. Polygon's per-ticker `insights` (its own sentiment) are kept as provider_sentiment,
a reference only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx

from orchestration.news.articles import Article, canonical_link, new_article
from orchestration.news.fetch import FetchError, RetryPolicy
from orchestration.news.json_api import (
    API_RETRY,
    ApiError,
    MinuteLimiter,
    api_retry,
    get_json,
    next_page_url,
)
from orchestration.news.normalize import html_to_text
from orchestration.news.reading import SourceRead

# Re-exported: news sources catch polygon.ApiError; tests pace with polygon.MinuteLimiter.
__all__ = ["API_RETRY", "ApiError", "Context", "MinuteLimiter", "read"]

NEWS_PATH = "/v2/reference/news"
DEFAULT_KEY_ENV = "POLYGON_API_KEY"
DEFAULT_REQUESTS_PER_MINUTE = 5.0  # the free plan's documented limit
PAGE_SIZE = 1000  # the API's maximum
MAX_PAGES = 200  # per ticker: a runaway cursor must end


@dataclass(frozen=True)
class Context:
    client: httpx.Client
    window: tuple[date, date]  # inclusive UTC days
    retry: RetryPolicy
    secrets: Mapping[str, str]
    now: datetime


def read(name: str, base_url: str, options: Mapping[str, Any], ctx: Context) -> SourceRead:
    """Every article of the window, for each configured ticker (or all news without any)."""
    key_env = str(options.get("api_key_env", DEFAULT_KEY_ENV))
    key = ctx.secrets.get(key_env)
    if not key:
        raise ApiError(f"no API key: environment variable {key_env} is not set")
    limiter = MinuteLimiter(float(options.get("requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE)))
    retry = api_retry(ctx.retry)
    tickers = [str(t) for t in options.get("tickers") or []] or [None]
    articles: list[Article] = []
    warnings: list[str] = []
    skipped = pages = 0
    for ticker in tickers:
        url: str | None = first_page_url(base_url, ticker, ctx.window)
        for _ in range(MAX_PAGES):
            if url is None:
                break
            limiter.wait()
            try:
                payload = get_json(url, ctx.client, key, retry)
            except (FetchError, ApiError) as exc:
                if pages == 0:
                    raise
                what = f" for {ticker}" if ticker else ""
                message = f"stopped after {pages} pages: page {pages + 1}{what} failed: {exc}"
                return SourceRead(articles, "partial", message, complete=False)
            pages += 1
            for item in payload.get("results") or []:
                article = _article(item, name, ctx.now)
                skipped += article is None
                if article is not None:
                    articles.append(article)
            url = next_page_url(payload, base_url)
        else:
            warnings.append(f"stopped after {MAX_PAGES} pages for {ticker or 'all tickers'}")
    if skipped:
        warnings.append(f"{skipped} results had no title, date or link and were skipped")
    return SourceRead.from_warnings(articles, warnings)


def first_page_url(base_url: str, ticker: str | None, window: tuple[date, date]) -> str:
    start = datetime.combine(window[0], clock_time(), tzinfo=UTC)
    end = datetime.combine(window[1] + timedelta(days=1), clock_time(), tzinfo=UTC)
    params = {
        "published_utc.gte": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published_utc.lt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "order": "asc",
        "sort": "published_utc",
        "limit": str(PAGE_SIZE),
    }
    if ticker:
        params["ticker"] = ticker
    return str(httpx.URL(base_url.rstrip("/") + NEWS_PATH, params=params))


def _article(item: Mapping[str, Any], source: str, now: datetime) -> Article | None:
    title = html_to_text(str(item.get("title") or ""))
    published_at = _parse_time(item.get("published_utc"))
    url = canonical_link(str(item.get("article_url") or ""))
    item_id = str(item.get("id") or "")
    if not title or published_at is None or not (url or item_id):
        return None
    body = html_to_text(str(item.get("description") or ""))
    publisher = item.get("publisher") or {}
    return new_article(
        source,
        url,
        (item_id,),
        title,
        body,
        published_at,
        now,
        publisher=publisher.get("name") if isinstance(publisher, dict) else None,
        provider_sentiment=_provider_sentiment(item),
    )


def _provider_sentiment(item: Mapping[str, Any]) -> str | None:
    insights = item.get("insights") or []
    if not insights:
        return None
    return json.dumps(
        {"provider": "polygon", "tickers": item.get("tickers") or [], "insights": insights},
        sort_keys=True,
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
