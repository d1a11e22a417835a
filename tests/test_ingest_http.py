"""HTTP behaviour of feed sources: retries, Retry-After, conditional GET, per-host limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from orchestration.news import http_state
from orchestration.news.fetch import FetchError, RetryPolicy, fetch, http_client, parse_retry_after
from orchestration.news.sources import CollectOptions, Source, collect
from tests.conftest import FIXTURES
from testservers.feed_server import RSS, FeedServer, Response

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
FAST_RETRY = RetryPolicy(attempts=3, base_delay_s=0.05, max_delay_s=2.0)
SMALL_RSS = (FIXTURES / "small.rss").read_bytes()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client(timeout_s=0.5) as c:
        yield c


def feed(name: str, location: str) -> Source:
    return Source(name, "feed", location)


def retrying(**overrides: object) -> CollectOptions:
    return CollectOptions(retry=FAST_RETRY, **overrides)


# -- retries ---------------------------------------------------------------------------------


def test_a_500_then_success_is_retried_and_lands(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.flaky("/flaky.rss", SMALL_RSS, failures=1, status=500)

    articles, (outcome,) = collect([feed("flaky", url)], client, NOW, options=retrying())

    assert len(articles) == 3 and outcome.items == 3
    assert "read on attempt 2" in outcome.message
    assert len(feed_server.requests_to("/flaky.rss")) == 2


def test_a_source_that_keeps_failing_gives_up_after_the_attempts_and_says_so(
    feed_server: FeedServer, client: httpx.Client
):
    url = feed_server.status("/down.rss", 503)

    articles, (outcome,) = collect([feed("down", url)], client, NOW, options=retrying())

    assert articles == []
    assert (outcome.status, outcome.complete) == ("error", False)
    assert outcome.message == "HTTP 503 from 127.0.0.1 (gave up after 3 attempts)"
    assert len(feed_server.requests_to("/down.rss")) == 3


def test_a_429_is_retried_no_sooner_than_its_retry_after(
    feed_server: FeedServer, client: httpx.Client
):
    url = feed_server.sequence(
        "/limited.rss",
        [Response(429, b"slow down", "text/plain", {"Retry-After": "1"}), Response(200, SMALL_RSS)],
    )

    started = time.monotonic()
    articles, (outcome,) = collect([feed("limited", url)], client, NOW, options=retrying())

    assert time.monotonic() - started >= 1.0
    assert outcome.items == 3 and len(articles) == 3
    assert len(feed_server.requests_to("/limited.rss")) == 2


def test_a_retry_after_longer_than_we_wait_fails_at_once(
    feed_server: FeedServer, client: httpx.Client
):
    url = feed_server.serve(
        "/later.rss", b"come back tomorrow", "text/plain", 503, {"Retry-After": "3600"}
    )

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"asked to retry after 3600 s, longer than we wait"):
        fetch(url, client, retry=FAST_RETRY)

    assert time.monotonic() - started < 1
    assert len(feed_server.requests_to("/later.rss")) == 1


def test_a_response_slower_than_the_timeout_is_retried_then_reported(
    feed_server: FeedServer, client: httpx.Client
):
    url = feed_server.slow("/slow.rss", delay_s=5, body=SMALL_RSS)
    options = CollectOptions(retry=RetryPolicy(attempts=2, base_delay_s=0.05))

    started = time.monotonic()
    articles, (outcome,) = collect([feed("slow", url)], client, NOW, options=options)

    assert articles == [] and outcome.status == "error"
    assert outcome.message.startswith("timed out reading 127.0.0.1")
    assert outcome.message.endswith("(gave up after 2 attempts)")
    assert time.monotonic() - started < 2.5


def test_a_redirect_loop_and_an_oversized_body_are_not_retried(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("looping", feed_server.redirect_loop("/loop.rss")),
        feed("huge", feed_server.oversized("/huge.rss", size=20 * 1024 * 1024)),
        feed("good", feed_server.serve("/good.rss", SMALL_RSS)),
    ]

    articles, outcomes = collect(sources, client, NOW, options=retrying())

    messages = {o.source: o.message for o in outcomes}
    assert messages["looping"] == "more than 5 redirects from 127.0.0.1"
    assert messages["huge"] == "response from 127.0.0.1 is over the 10,485,760 byte limit"
    assert len(feed_server.requests_to("/loop.rss")) == 6
    assert len(feed_server.requests_to("/huge.rss")) == 1
    assert {a.source for a in articles} == {"good"} and len(articles) == 3


def test_a_redirect_to_another_scheme_is_refused(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.serve("/ftp.rss", b"", None, 302, {"Location": "ftp://127.0.0.1/x.rss"})

    with pytest.raises(FetchError, match="redirected to a scheme other than http or https"):
        fetch(url, client, retry=FAST_RETRY)


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    now = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 18 Nov 2026 06:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 18 Nov 2026 05:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after():
    policy = RetryPolicy(attempts=5, base_delay_s=1.0, max_delay_s=8.0)

    for failures, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delays = [policy.delay(failures, None) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert policy.delay(1, retry_after=5.0) == 5.0


# -- conditional GET -------------------------------------------------------------------------


def _collect_with_cache(
    database: Path, sources: list[Source], client: httpx.Client, now: datetime
) -> tuple[list, list]:
    with duckdb.connect(str(database)) as con:
        cache = http_state.load_cache(con)
    result = collect(sources, client, now, cache=cache)
    with duckdb.connect(str(database)) as con:
        http_state.save_cache(con, cache)
    return result


def test_an_unchanged_feed_costs_one_304_and_keeps_its_articles(
    feed_server: FeedServer, client: httpx.Client, tmp_path: Path
):
    url = feed_server.conditional("/wire.rss", SMALL_RSS, etag='"v1"', last_modified="x")
    database = tmp_path / "state.duckdb"

    first, (before,) = _collect_with_cache(database, [feed("wire", url)], client, NOW)
    later = NOW + timedelta(hours=3)
    second, (after,) = _collect_with_cache(database, [feed("wire", url)], client, later)

    assert before.status == "partial" and after.status == "not_modified"
    assert after.items == 3 and "HTTP 304" in after.message
    first_request, second_request = feed_server.requests_to("/wire.rss")
    assert "if-none-match" not in first_request.headers
    assert second_request.headers["if-none-match"] == '"v1"'
    assert second_request.headers["if-modified-since"] == "x"
    # Same rows as the first read, undated entry included: it keeps the original fetch time.
    assert [(a.article_id, a.published_at) for a in second] == [
        (a.article_id, a.published_at) for a in first
    ]
    with duckdb.connect(str(database)) as con:
        (location,) = con.execute("select location from raw.http_cache").fetchone()
    assert location == url


def test_a_304_with_nothing_stored_is_an_error(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.serve("/odd.rss", b"", None, 304)

    articles, (outcome,) = collect(
        [feed("odd", url)], client, NOW, cache=http_state.ResponseCache()
    )

    assert articles == [] and outcome.status == "error"
    assert outcome.message == "HTTP 304 (not modified) but no stored copy to re-read"


def test_the_cache_never_stores_a_key_from_a_feed_url(
    feed_server: FeedServer, client: httpx.Client, tmp_path: Path
):
    feed_server.conditional("/private.rss", SMALL_RSS, etag='"v1"')
    secret = feed_server.url("/private.rss") + "?token=KEY123"

    _collect_with_cache(tmp_path / "state.duckdb", [feed("private", secret)], client, NOW)

    with duckdb.connect(str(tmp_path / "state.duckdb")) as con:
        rows = con.execute("select location_key, location from raw.http_cache").fetchall()
    assert "KEY123" not in repr(rows)


# -- concurrency, and a few awkward bodies ---------------------------------------------------


def test_at_most_two_requests_at_once_reach_one_host(feed_server: FeedServer):
    active, peak, lock = [0], [0], threading.Lock()

    def busy(handler) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        handler.respond(200, SMALL_RSS, RSS)

    sources = [feed(f"desk-{i}", feed_server.route(f"/desk{i}.rss", busy)) for i in range(6)]
    options = CollectOptions(max_workers=6, max_per_host=2)

    started = time.monotonic()
    with http_client(timeout_s=5) as client:
        articles, outcomes = collect(sources, client, NOW, options=options)

    assert peak[0] == 2
    assert time.monotonic() - started >= 0.6  # three rounds of two
    assert [o.source for o in outcomes] == [s.name for s in sources]
    assert all(o.items == 3 for o in outcomes)
    assert len(articles) == 3  # the same three stories, one article each
    assert sorted(articles[0].sources) == sorted(s.name for s in sources)


def test_an_empty_but_valid_feed_is_ok_with_no_items(feed_server: FeedServer, client: httpx.Client):
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    url = feed_server.serve("/quiet.rss", empty)

    articles, (outcome,) = collect([feed("quiet", url)], client, NOW)

    assert (articles, outcome.status, outcome.items) == ([], "ok", 0)


def test_a_feed_declared_in_one_charset_and_sent_in_another_is_read(
    feed_server: FeedServer, client: httpx.Client
):
    xml = (
        '<rss version="2.0"><channel><title>Desk</title><item>'
        "<title>Soci\u00e9t\u00e9 G\u00e9n\u00e9rale beats forecasts</title>"
        "<link>https://news.example.com/test/socgen</link>"
        "<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        "</item></channel></rss>"
    )
    url = feed_server.mislabelled("/socgen.rss", xml, declared="utf-8", actual="iso-8859-1")

    (article,), (outcome,) = collect([feed("desk", url)], client, NOW)

    assert article.title == "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale beats forecasts"
    assert outcome.status == "partial" and outcome.items == 1


def test_a_source_can_send_its_own_user_agent(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.serve("/filings.atom", SMALL_RSS)
    agent = "TickerPulse research ops@example.com"

    collect([Source("sec", "feed", url, {"user_agent": agent})], client, NOW)

    (request,) = feed_server.requests_to("/filings.atom")
    assert request.headers["user-agent"] == agent
