"""Stooq's daily CSV download: a second price API, one request per ticker, no paging.

GET {base}/q/d/l/?s=aapl.us&i=d&d1=YYYYMMDD&d2=YYYYMMDD answers `Date,Open,High,Low,Close,
Volume` lines, `No data` for a range without bars, or a line of text when it refuses (over
its daily quota). Stooq has asked for an `apikey` parameter since early 2026: set
`api_key_env` to the variable holding it. The key is then in the URL, so only the redacted
location and the host ever reach a message. Stooq's terms allow personal use: check them
before you redistribute what it serves.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

import httpx
import polars as pl

from orchestration.news.drop_columns import ColumnError
from orchestration.news.fetch import FetchError, fetch
from orchestration.news.json_api import ApiError, MinuteLimiter, api_retry
from orchestration.prices.api import ApiContext, PriceRead, per_ticker
from orchestration.prices.bars import Bar
from orchestration.prices.file_drop import frame_bars

PATH = "/q/d/l/"
DEFAULT_REQUESTS_PER_MINUTE = 30.0
DEFAULT_MARKET = "us"
_NO_DATA = b"no data"


def read(name: str, base_url: str, options: Mapping[str, Any], ctx: ApiContext) -> PriceRead:
    """Every bar of the window for each ticker; one failing ticker never loses the others."""
    key_env = options.get("api_key_env")
    key = ctx.secrets.get(str(key_env)) if key_env else None
    if key_env and not key:
        return PriceRead.failed(f"no API key: environment variable {key_env} is not set")
    limiter = MinuteLimiter(float(options.get("requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE)))
    market = str(options.get("market", DEFAULT_MARKET))
    retry = api_retry(ctx.retry)
    bars: list[Bar] = []
    failures: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    for ticker in ctx.tickers:
        limiter.wait()
        url = ticker_url(base_url, ticker, market, ctx, key)
        try:
            body = fetch(url, ctx.client, retry=retry).content
            found, skips = parse(body, ticker, name, httpx.URL(url).host)
        except (FetchError, ApiError) as exc:
            failures[ticker] = str(exc)
            continue
        bars.extend(found)
        skipped.update(skips)
    return per_ticker(bars, failures, skipped, len(ctx.tickers))


def symbol(ticker: str, market: str = DEFAULT_MARKET) -> str:
    """Stooq's name for a listing: lower case, class shares with a dash (brk-b.us)."""
    return f"{ticker.lower().replace('.', '-')}.{market}"


def ticker_url(
    base_url: str, ticker: str, market: str, ctx: ApiContext, key: str | None = None
) -> str:
    start, end = (day.strftime("%Y%m%d") for day in ctx.window)
    params = {"s": symbol(ticker, market), "i": "d", "d1": start, "d2": end}
    if key:
        params["apikey"] = key
    return str(httpx.URL(base_url.rstrip("/") + PATH, params=params))


def parse(body: bytes, ticker: str, source: str, host: str) -> tuple[list[Bar], Counter[str]]:
    """Bars from one answer; an ApiError when it is not Stooq's daily CSV."""
    text = body.strip()
    if not text or text.lower().startswith(_NO_DATA):
        return [], Counter()
    header = text.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if "date" not in header or "close" not in header:
        sample = text[:80].decode("utf-8", "replace").splitlines()[0]
        raise ApiError(f"{host} did not answer a price CSV: {sample!r}")
    try:
        frame = pl.read_csv(io.BytesIO(text), infer_schema=False)
        found, skips = frame_bars(frame, source, {}, ticker)
    except (ColumnError, pl.exceptions.PolarsError) as exc:
        raise ApiError(f"{host} answered a CSV we cannot read: {str(exc)[:120]}") from exc
    return found, skips.counts
