"""Price sources against local servers speaking Polygon's aggregates and Stooq's CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from orchestration.news.fetch import RetryPolicy, http_client
from orchestration.prices.sources import PriceSource, ReadOptions, read_all
from testservers.price_server import AGGS_PREFIX, STOOQ_PATH, PriceServer

KEY = "pk_test_PRICES_SECRET"
WINDOW = (date(2026, 11, 16), date(2026, 11, 20))
WEEK = [date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
FAST = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=1.0)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client(timeout_s=5) as c:
        yield c


def polygon(server: PriceServer) -> PriceSource:
    options = {"api_key_env": "TEST_PRICES_KEY", "requests_per_minute": 60_000}
    return PriceSource("polygon-prices", "polygon", server.url("/"), options)


def stooq(server: PriceServer, **options: object) -> PriceSource:
    return PriceSource(
        "stooq-daily", "stooq", server.url("/"), {"requests_per_minute": 60_000, **options}
    )


def options(*tickers: str) -> ReadOptions:
    return ReadOptions(WINDOW, tickers, "SPY", "XNYS", retry=FAST, secrets={"TEST_PRICES_KEY": KEY})


def week(base: float) -> list[tuple[date, float]]:
    return [(day, base + i) for i, day in enumerate(WEEK)]


def test_polygon_aggregates_page_through_next_url_and_land_new_york_trading_days(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    bars, (outcome,) = read_all([polygon(price_server)], client, options("AAPL"))
    assert outcome.status == "ok", outcome.message
    assert [(b.trade_date, b.close) for b in bars] == week(100.0)
    first = bars[0]
    assert (first.open, first.high, first.low, first.volume) == (99.0, 101.0, 98.0, 1e6)
    assert first.adj_close == first.close and not first.invented
    calls = price_server.server.requests
    assert len(calls) == 3  # five bars, two per page
    assert calls[0].path == f"{AGGS_PREFIX}AAPL/range/1/day/2026-11-16/2026-11-20"
    assert "adjusted=true" in calls[0].query
    assert all(c.headers["authorization"] == f"Bearer {KEY}" for c in calls)
    assert all(KEY not in c.query for c in calls)


def test_polygon_waits_out_a_429_and_then_lands_every_bar(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    price_server.throttle_first(2)
    bars, (outcome,) = read_all([polygon(price_server)], client, options("AAPL"))
    assert outcome.status == "ok", outcome.message
    assert len(bars) == 5
    assert len(price_server.server.requests) == 5  # two 429s, then three pages


def test_a_garbage_body_for_one_ticker_is_a_clear_error_and_the_others_land(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    price_server.add_bars("SPY", week(500.0))
    price_server.garbage_for("MSFT")
    bars, (outcome,) = read_all([polygon(price_server)], client, options("AAPL", "MSFT", "SPY"))
    assert outcome.status == "partial"
    assert "MSFT" in outcome.message and "did not answer JSON" in outcome.message
    assert KEY not in outcome.message
    assert {b.ticker for b in bars} == {"AAPL", "SPY"}
    assert len(bars) == 10


def test_polygon_without_its_key_fails_naming_the_variable_not_a_value(
    price_server: PriceServer, client: httpx.Client
):
    no_key = ReadOptions(WINDOW, ("AAPL",), "SPY", "XNYS", retry=FAST)
    bars, (outcome,) = read_all([polygon(price_server)], client, no_key)
    assert (bars, outcome.status) == ([], "error")
    assert "TEST_PRICES_KEY" in outcome.message
    assert price_server.server.requests == []


def test_a_next_url_on_another_host_is_not_followed_with_our_key(feed_server, client: httpx.Client):
    def answer(handler) -> None:
        body = (
            b'{"status": "OK", "results": [{"c": 10.0, "t": 1794805200000}], '
            b'"next_url": "http://203.0.113.9/v2/aggs/ticker/AAPL?cursor=1"}'
        )
        handler.respond(200, body, "application/json")

    feed_server.route_prefix(AGGS_PREFIX, answer)
    source = PriceSource("p", "polygon", feed_server.url("/"), {"api_key_env": "TEST_PRICES_KEY"})
    _, (outcome,) = read_all([source], client, options("AAPL"))
    assert outcome.status == "error"
    assert "not followed" in outcome.message
    assert len(feed_server.requests) == 1


def test_stooq_daily_csv_lands_each_ticker_from_its_own_parser(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    price_server.add_bars("BRK.B", week(400.0))
    bars, (outcome,) = read_all([stooq(price_server)], client, options("AAPL", "BRK.B", "NOPE"))
    assert outcome.status == "ok", outcome.message  # "No data" for NOPE is not an error
    assert {(b.ticker, b.trade_date): b.close for b in bars}[("BRK.B", WEEK[2])] == 402.0
    assert bars[0].volume == 1000.0 and bars[0].open == 99.0
    symbols = sorted(r.query.split("s=")[1].split("&")[0] for r in price_server.server.requests)
    assert symbols == ["aapl.us", "brk-b.us", "nope.us"]
    assert all(r.path == STOOQ_PATH for r in price_server.server.requests)


def test_stooq_retries_a_429_and_says_which_ticker_answered_garbage(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    price_server.throttle_first(1)
    price_server.garbage_for("MSFT")
    bars, (outcome,) = read_all([stooq(price_server)], client, options("AAPL", "MSFT"))
    assert outcome.status == "partial"
    assert "MSFT" in outcome.message and "not answer a price CSV" in outcome.message
    assert [b.ticker for b in bars] == ["AAPL"] * 5


def test_stooq_sends_its_key_only_as_the_apikey_parameter_and_never_says_it(
    price_server: PriceServer, client: httpx.Client
):
    price_server.garbage_for("AAPL")
    source = stooq(price_server, api_key_env="TEST_PRICES_KEY")
    _, (outcome,) = read_all([source], client, options("AAPL"))
    assert f"apikey={KEY}" in price_server.server.requests[0].query
    assert KEY not in (outcome.message or "") and KEY not in outcome.location


def test_the_first_source_listed_wins_a_ticker_and_day_the_next_fills_the_gaps(
    price_server: PriceServer, client: httpx.Client
):
    price_server.add_bars("AAPL", week(100.0))
    price_server.add_bars("SPY", week(500.0))
    price_server.garbage_for("SPY")  # Polygon and Stooq both serve garbage for SPY here
    sources = [polygon(price_server), stooq(price_server)]
    bars, outcomes = read_all(sources, client, options("AAPL", "SPY"))
    assert [o.status for o in outcomes] == ["partial", "partial"]
    assert {b.source for b in bars} == {"polygon-prices"}
    assert len(bars) == 5  # one per day, never one per source


def test_polygon_results_that_cannot_be_bars_are_counted_by_reason(
    feed_server, client: httpx.Client
):
    def answer(handler) -> None:
        body = (
            b'{"status": "DELAYED", "results": [{"c": 10.0, "t": 1794805200000}, '
            b'{"t": 1794891600000}, {"c": 11.0}, {"c": -1, "t": 1794978000000}]}'
        )
        handler.respond(200, body, "application/json")

    feed_server.route_prefix(AGGS_PREFIX, answer)
    source = PriceSource("p", "polygon", feed_server.url("/"), {"api_key_env": "TEST_PRICES_KEY"})
    bars, (outcome,) = read_all([source], client, options("AAPL"))
    assert [(b.trade_date, b.close) for b in bars] == [(date(2026, 11, 16), 10.0)]
    assert outcome.status == "partial"
    assert dict(outcome.skipped) == {"no close": 1, "no time": 1, "close not positive": 1}


def test_stooq_refusing_over_its_quota_is_an_error_that_quotes_it(
    feed_server, client: httpx.Client
):
    feed_server.serve(STOOQ_PATH, b"Exceeded the daily hits limit", "text/plain")
    _, (outcome,) = read_all([stooq_at(feed_server.url("/"))], client, options("AAPL", "SPY"))
    assert outcome.status == "error"
    assert "Exceeded the daily hits limit" in outcome.message
    assert "2 tickers failed" in outcome.message


def stooq_at(url: str) -> PriceSource:
    return PriceSource("stooq-daily", "stooq", url, {"requests_per_minute": 60_000})
