"""A news API source (Polygon ticker news) against a local server speaking its JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from orchestration.news import polygon
from orchestration.news.fetch import RetryPolicy, http_client
from orchestration.news.sources import CollectOptions, Source, collect
from testservers.feed_server import FeedServer

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
KEY = "pk_test_SECRET123"
WINDOW = (date(2026, 11, 16), date(2026, 11, 17))
NEWS = "/v2/reference/news"


def item(n: int, day: str = "2026-11-17", **extra: object) -> dict[str, object]:
    return {
        "id": f"poly-{n}",
        "publisher": {"name": "Example Wire", "homepage_url": "https://wire.example.com/"},
        "title": f"Story number {n} about Apple and its suppliers",
        "author": "A. Writer",
        "published_utc": f"{day}T1{n % 10}:00:00Z",
        "article_url": f"https://wire.example.com/apple/story-{n}?utm_source=polygon",
        "tickers": ["AAPL"],
        "description": f"<p>Apple said item {n} matters.</p>",
        **extra,
    }


class PolygonServer:
    """Scripts /v2/reference/news: a 429 first, then two pages joined by next_url."""

    def __init__(self, server: FeedServer, first_status: int = 429) -> None:
        self.server = server
        self.calls = 0
        self.first_status = first_status
        server.route(NEWS, self._answer)

    def _answer(self, handler) -> None:
        self.calls += 1
        query = parse_qs(handler.path.partition("?")[2])
        if self.calls == 1 and self.first_status:
            body = json.dumps({"status": "ERROR", "error": "too many requests"}).encode()
            handler.respond(self.first_status, body, "application/json", {"Retry-After": "1"})
        elif "cursor" not in query:
            insights = [{"ticker": "AAPL", "sentiment": "positive", "sentiment_reasoning": "ok"}]
            page = {
                "status": "OK",
                "count": 2,
                "results": [item(1, insights=insights), item(2)],
                "next_url": self.server.url(NEWS) + "?cursor=page2",
            }
            handler.respond(200, json.dumps(page).encode(), "application/json")
        else:
            page = {"status": "OK", "count": 2, "results": [item(3, "2026-11-16"), {"id": "x"}]}
            handler.respond(200, json.dumps(page).encode(), "application/json")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client(timeout_s=2) as c:
        yield c


def source(server: FeedServer, **options: object) -> Source:
    settings = {"api_key_env": "TEST_POLYGON_KEY", "requests_per_minute": 6000, **options}
    return Source("polygon-news", "polygon", server.url("/"), settings)


def options(**overrides: object) -> CollectOptions:
    return CollectOptions(window=WINDOW, secrets={"TEST_POLYGON_KEY": KEY}, **overrides)


def test_two_pages_after_a_429_land_every_article_once(
    feed_server: FeedServer, client: httpx.Client
):
    api = PolygonServer(feed_server)

    started = time.monotonic()
    articles, (outcome,) = collect([source(feed_server)], client, NOW, options=options())

    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured
    assert sorted(a.title for a in articles) == [
        f"Story number {n} about Apple and its suppliers" for n in (1, 2, 3)
    ]
    assert outcome.status == "partial"  # the result without a title is reported
    assert outcome.message == "1 results had no title, date or link and were skipped"
    assert outcome.items == 3 and api.calls == 3  # the 429, then two pages
    first = next(a for a in articles if a.title.startswith("Story number 1"))
    assert first.url == "https://wire.example.com/apple/story-1"
    assert first.body == "Apple said item 1 matters."
    assert first.published_at == datetime(2026, 11, 17, 11, 0, tzinfo=UTC)
    assert first.publisher == "Example Wire"
    assert json.loads(first.provider_sentiment)["insights"][0]["sentiment"] == "positive"
    assert next(a for a in articles if "number 2" in a.title).provider_sentiment is None


def test_the_request_asks_for_exactly_the_window_and_carries_the_key_in_a_header(
    feed_server: FeedServer, client: httpx.Client
):
    PolygonServer(feed_server, first_status=0)

    collect([source(feed_server, tickers=["AAPL"])], client, NOW, options=options())

    first, second = feed_server.requests_to(NEWS)
    query = parse_qs(first.query)
    assert query["published_utc.gte"] == ["2026-11-16T00:00:00Z"]
    assert query["published_utc.lt"] == ["2026-11-18T00:00:00Z"]
    assert query["ticker"] == ["AAPL"] and query["limit"] == ["1000"]
    assert second.query == "cursor=page2"
    assert {r.headers["authorization"] for r in (first, second)} == {f"Bearer {KEY}"}
    assert all(KEY not in r.query for r in (first, second))


def test_a_missing_api_key_is_a_clear_error_and_nothing_is_requested(
    feed_server: FeedServer, client: httpx.Client
):
    PolygonServer(feed_server)

    articles, (outcome,) = collect(
        [source(feed_server)], client, NOW, options=CollectOptions(window=WINDOW)
    )

    assert articles == [] and outcome.status == "error"
    assert outcome.message == "no API key: environment variable TEST_POLYGON_KEY is not set"
    assert feed_server.requests_to(NEWS) == []


def test_an_error_answer_never_shows_the_key(feed_server: FeedServer, client: httpx.Client):
    body = json.dumps({"status": "ERROR", "error": f"Unknown API Key {KEY}"}).encode()
    feed_server.serve(NEWS, body, "application/json", 401)
    feed_server.serve("/v3" + NEWS, body, "application/json")

    _, (refused,) = collect([source(feed_server)], client, NOW, options=options())
    wrong = Source("p2", "polygon", feed_server.url("/v3"), source(feed_server).options)
    _, (answered,) = collect([wrong], client, NOW, options=options())

    assert refused.message == "HTTP 401 from 127.0.0.1"
    assert answered.message == "127.0.0.1 answered an error: Unknown API Key …"


def test_a_next_url_on_another_host_is_not_followed_with_our_key(
    feed_server: FeedServer, client: httpx.Client
):
    page = {"status": "OK", "results": [item(1)], "next_url": "https://evil.example/next"}
    feed_server.serve(NEWS, json.dumps(page).encode(), "application/json")

    articles, (outcome,) = collect([source(feed_server)], client, NOW, options=options())

    assert [a.title for a in articles] == []
    assert outcome.status == "error"
    assert "next_url points at evil.example" in outcome.message


def test_a_failing_second_page_keeps_the_first_and_marks_the_read_incomplete(
    feed_server: FeedServer, client: httpx.Client
):
    api = PolygonServer(feed_server, first_status=0)
    feed_server.route(NEWS, lambda h: api._answer(h) if api.calls == 0 else _fail(h, api))
    retry = RetryPolicy(attempts=4, base_delay_s=0.01)

    articles, (outcome,) = collect([source(feed_server)], client, NOW, options=options(retry=retry))

    assert len(articles) == 2
    assert (outcome.status, outcome.complete) == ("partial", False)
    assert outcome.message.startswith("stopped after 1 pages: page 2 failed: HTTP 500")


def _fail(handler, api: PolygonServer) -> None:
    api.calls += 1
    handler.respond(500, b"oops", "text/plain")


def test_the_minute_limiter_spaces_requests_evenly():
    clock, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = polygon.MinuteLimiter(5, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()

    assert slept == [12.0, 12.0]
