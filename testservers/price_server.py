"""Price APIs on 127.0.0.1, built on the feed server: Polygon daily aggregates and Stooq's
daily CSV, answering from bars a test gives, with scripted trouble.

    def test_something(price_server):
        price_server.add_bars("AAPL", [(date(2026, 11, 16), 100.0), ...])
        price_server.throttle_first(1)           # one 429 before the first answer
        price_server.garbage_for("MSFT")         # an HTML page instead of data
        polygon_read(..., price_server.url("/"))
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from testservers.feed_server import FeedServer

AGGS_PREFIX = "/v2/aggs/ticker/"
STOOQ_PATH = "/q/d/l/"
_NEW_YORK = ZoneInfo("America/New_York")
GARBAGE = b"<html><body>Service temporarily unavailable</body></html>"


class PriceServer:
    """Scripted price APIs; `requests` on the underlying FeedServer records every call."""

    def __init__(self, server: FeedServer, page_size: int = 2) -> None:
        self.server = server
        self.page_size = page_size  # bars per Polygon page: small, so tests page
        self.bars: dict[str, list[tuple[date, float]]] = {}
        self.garbage: set[str] = set()
        self._throttled = 0
        self._lock = threading.Lock()
        server.route_prefix(AGGS_PREFIX, self._aggs)
        server.route(STOOQ_PATH, self._stooq)

    def url(self, path: str = "/") -> str:
        return self.server.url(path)

    def add_bars(self, ticker: str, bars: list[tuple[date, float]]) -> None:
        self.bars.setdefault(ticker, []).extend(sorted(bars))

    def throttle_first(self, count: int) -> None:
        """Answer 429 (Retry-After: 0) to the next `count` requests, whatever they ask."""
        self._throttled = count

    def garbage_for(self, ticker: str) -> None:
        self.garbage.add(ticker)

    def _take_throttle(self) -> bool:
        with self._lock:
            if self._throttled > 0:
                self._throttled -= 1
                return True
            return False

    def _aggs(self, handler) -> None:
        if self._take_throttle():
            body = json.dumps({"status": "ERROR", "error": "exceeded the maximum requests"})
            handler.respond(429, body.encode(), "application/json", {"Retry-After": "0"})
            return
        parts = urlsplit(handler.path)
        # /v2/aggs/ticker/{T}/range/1/day/{from}/{to}
        ticker, _, _, _, first, last = parts.path[len(AGGS_PREFIX) :].split("/")
        if ticker in self.garbage:
            handler.respond(200, GARBAGE, "text/html")
            return
        offset = int(parse_qs(parts.query).get("cursor", ["0"])[0])
        inside = [
            (d, c)
            for d, c in self.bars.get(ticker, [])
            if date.fromisoformat(first) <= d <= date.fromisoformat(last)
        ]
        page = inside[offset : offset + self.page_size]
        payload: dict[str, object] = {
            "ticker": ticker,
            "status": "OK",
            "adjusted": True,
            "queryCount": len(page),
            "resultsCount": len(page),
        }
        if page:  # like the API: no `results` key for a range without bars
            payload["results"] = [_agg(d, c) for d, c in page]
        if offset + self.page_size < len(inside):
            payload["next_url"] = self.server.url(parts.path) + f"?cursor={offset + self.page_size}"
        handler.respond(200, json.dumps(payload).encode(), "application/json")

    def _stooq(self, handler) -> None:
        if self._take_throttle():
            handler.respond(429, b"Too many requests", "text/plain", {"Retry-After": "0"})
            return
        query = parse_qs(urlsplit(handler.path).query)
        symbol = query["s"][0]
        ticker = symbol.rsplit(".", 1)[0].upper().replace("-", ".")
        if ticker in self.garbage:
            handler.respond(200, GARBAGE, "text/html")
            return
        first = datetime.strptime(query["d1"][0], "%Y%m%d").date()
        last = datetime.strptime(query["d2"][0], "%Y%m%d").date()
        inside = [(d, c) for d, c in self.bars.get(ticker, []) if first <= d <= last]
        if not inside:
            handler.respond(200, b"No data", "text/plain")
            return
        lines = ["Date,Open,High,Low,Close,Volume"] + [
            f"{d.isoformat()},{c - 1:.2f},{c + 1:.2f},{c - 2:.2f},{c:.2f},{1000 + i}"
            for i, (d, c) in enumerate(inside)
        ]
        handler.respond(200, ("\r\n".join(lines) + "\r\n").encode(), "text/csv")


def _agg(day: date, close: float) -> dict[str, float | int]:
    start = datetime.combine(day, time(), tzinfo=_NEW_YORK).astimezone(UTC)
    return {
        "o": close - 1,
        "h": close + 1,
        "l": close - 2,
        "c": close,
        "v": 1_000_000,
        "vw": close,
        "t": int(start.timestamp() * 1000),
        "n": 100,
    }


@pytest.fixture
def price_server(feed_server: FeedServer) -> Iterator[PriceServer]:
    """Polygon aggregates and Stooq daily CSV on a fresh 127.0.0.1 server, for one test."""
    yield PriceServer(feed_server)
