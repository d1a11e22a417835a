"""Polygon.io (now Massive) daily aggregates: split-adjusted OHLCV bars for any date range.

GET {base}/v2/aggs/ticker/{T}/range/1/day/{from}/{to}?adjusted=true pages through
`next_url`, with the key in a header and the pacing, retries and secret hygiene of the news
source (news/json_api.py). A bar's `t` is the start of its day in New York, in Unix ms.
`adjusted=true` adjusts for splits, not dividends: the close lands as close and adj_close.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from orchestration.news.fetch import FetchError
from orchestration.news.json_api import ApiError, MinuteLimiter, api_retry, get_json, next_page_url
from orchestration.prices.api import ApiContext, PriceRead, per_ticker
from orchestration.prices.bars import BadBar, Bar, checked

DEFAULT_KEY_ENV = "POLYGON_API_KEY"
DEFAULT_REQUESTS_PER_MINUTE = 5.0  # the free plan's documented limit
PAGE_SIZE = 50_000  # the API's maximum bars per page
MAX_PAGES = 50  # per ticker: a runaway cursor must end
_NEW_YORK = ZoneInfo("America/New_York")


def read(name: str, base_url: str, options: Mapping[str, Any], ctx: ApiContext) -> PriceRead:
    """Every bar of the window for each ticker; one failing ticker never loses the others."""
    key_env = str(options.get("api_key_env", DEFAULT_KEY_ENV))
    key = ctx.secrets.get(key_env)
    if not key:
        return PriceRead.failed(f"no API key: environment variable {key_env} is not set")
    limiter = MinuteLimiter(float(options.get("requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE)))
    retry = api_retry(ctx.retry)
    bars: list[Bar] = []
    failures: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    for ticker in ctx.tickers:
        url: str | None = first_page_url(base_url, ticker, ctx)
        for _ in range(MAX_PAGES):
            if url is None:
                break
            limiter.wait()
            try:
                payload = get_json(url, ctx.client, key, retry, needs_results=False)
                bars.extend(_page_bars(payload, ticker, name, skipped))
                url = next_page_url(payload, base_url)
            except (FetchError, ApiError) as exc:
                failures[ticker] = str(exc)
                break
        else:
            failures[ticker] = f"stopped after {MAX_PAGES} pages"
    return per_ticker(bars, failures, skipped, len(ctx.tickers))


def first_page_url(base_url: str, ticker: str, ctx: ApiContext) -> str:
    start, end = (day.isoformat() for day in ctx.window)
    path = f"/v2/aggs/ticker/{quote(ticker, safe='.')}/range/1/day/{start}/{end}"
    params = {"adjusted": "true", "sort": "asc", "limit": str(PAGE_SIZE)}
    return str(httpx.URL(base_url.rstrip("/") + path, params=params))


def _page_bars(
    payload: Mapping[str, Any], ticker: str, source: str, skipped: Counter[str]
) -> list[Bar]:
    bars = []
    for item in payload.get("results") or []:
        try:
            bars.append(_bar(item, ticker, source))
        except BadBar as bad:
            skipped[str(bad)] += 1
    return bars


def _bar(item: object, ticker: str, source: str) -> Bar:
    if not isinstance(item, dict):
        raise BadBar("result is not an object")
    stamp, close = item.get("t"), _float(item.get("c"))
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        raise BadBar("no time")
    if close is None:
        raise BadBar("no close")
    day = datetime.fromtimestamp(stamp / 1000, tz=_NEW_YORK).date()
    return checked(
        Bar(
            ticker,
            day,
            close,
            open=_float(item.get("o")),
            high=_float(item.get("h")),
            low=_float(item.get("l")),
            adj_close=close,
            volume=_float(item.get("v")),
            source=source,
        )
    )


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
