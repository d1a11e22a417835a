"""Top movers and the sentiment chart: on hand-made marts, and on the demo run's metadata."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.serving import highlights
from tests.conftest import Pipeline

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_ticker_sentiment_daily (ticker varchar, sector varchar, "
        "sentiment_date date, article_count int, weighted_sentiment_score double, "
        "total_relevance double, sentiment_label varchar)"
    )
    con.execute(
        "create table marts.fct_sentiment_shocks (ticker varchar, sentiment_date date, "
        "shock_type varchar)"
    )
    rows = [
        # AAA: steady positive, then a collapse on the 10th.
        *[("AAA", "Tech", f"2026-03-0{d}", 2, 0.6, 1.5, "Bullish") for d in range(3, 10)],
        ("AAA", "Tech", "2026-03-10", 5, -0.7, 4.0, "Bearish"),
        # BBB: a small move. CCC: first news ever. DDD: news only before the day.
        ("BBB", "Energy", "2026-03-08", 1, 0.1, 1.0, "Neutral"),
        ("BBB", "Energy", "2026-03-10", 1, 0.3, 1.0, "Somewhat-Bullish"),
        ("CCC", "Retail", "2026-03-10", 3, -0.5, 2.0, "Bearish"),
        ("DDD", "Tech", "2026-03-07", 9, 0.9, 8.0, "Bullish"),
        # Outside the prior week of the 10th: must not count.
        ("BBB", "Energy", "2026-02-20", 1, -1.0, 1.0, "Bearish"),
    ]
    con.executemany("insert into marts.fct_ticker_sentiment_daily values (?,?,?,?,?,?,?)", rows)
    con.execute(
        "insert into marts.fct_sentiment_shocks values "
        "('AAA', '2026-03-10', 'sentiment'), ('AAA', '2026-03-10', 'volume')"
    )
    return con


def test_movers_rank_the_change_against_each_tickers_prior_week(marts):
    movers = highlights.top_movers(marts, date(2026, 3, 10))

    assert [m.ticker for m in movers] == ["AAA", "CCC", "BBB"]
    aaa, ccc, bbb = movers
    assert aaa.prior == pytest.approx(0.6) and aaa.change == pytest.approx(-1.3)
    assert aaa.shocks == "sentiment, volume"
    assert ccc.prior is None and ccc.change == pytest.approx(-0.5)
    assert bbb.prior == pytest.approx(0.1) and bbb.change == pytest.approx(0.2)


def test_movers_markdown_is_a_table_that_says_new_for_first_news(marts):
    text = highlights.movers_markdown(
        highlights.top_movers(marts, date(2026, 3, 10)), date(2026, 3, 10)
    )

    lines = text.splitlines()
    assert lines[2].startswith("| ticker |") and len(lines) == 4 + 3
    assert "| CCC | Retail | 3 | -0.50 | new | -0.50 | Bearish |" in text
    assert highlights.movers_markdown([], date(2026, 3, 11)) == "No ticker had news on 2026-03-11."


def test_the_chart_shows_the_busiest_tickers_with_gaps_for_days_without_news(marts):
    first, last = date(2026, 3, 1), date(2026, 3, 10)
    series = highlights.sentiment_series(marts, last, days=10, tickers=3)
    assert list(series) == ["AAA", "DDD", "CCC"]  # by articles in the window

    root = ET.fromstring(highlights.sentiment_chart_svg(series, first, last))
    # AAA: one unbroken run of 8 days; DDD and CCC: a single point each.
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert len(root.findall(f"{SVG}circle")) == 8 + 1 + 1
    assert [t.text for t in root.findall(f"{SVG}text")][-3:] == ["AAA", "DDD", "CCC"]

    # BBB's news on the 8th and the 10th are two points, not one line through the 9th.
    gappy = highlights.sentiment_chart_svg(
        {"BBB": highlights.sentiment_series(marts, last, 10, 9)["BBB"]}, first, last
    )
    assert not ET.fromstring(gappy).findall(f"{SVG}polyline")
    # Scores map into the plot area: +1 at the top, -1 at the bottom.
    ys = [float(c.get("cy")) for c in root.findall(f"{SVG}circle")]
    assert all(16 <= y <= 260 - 28 for y in ys)


def test_chart_markdown_embeds_the_svg_as_a_data_image():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    text = highlights.chart_markdown(svg, "caption")
    encoded = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text).group(1)
    assert base64.b64decode(encoded).decode() == svg


def test_the_served_marts_materialization_carries_movers_and_chart(demo: Pipeline):
    event = demo.instance.get_latest_materialization_event(dg.AssetKey("served_marts"))
    metadata = event.asset_materialization.metadata

    # Other tests re-run single days of the demo: the report is about the latest one's day.
    day = event.dagster_event.partition
    movers = metadata["top_movers"].value
    assert f"Top movers on {day}" in movers
    tickers = {
        row[0]
        for row in demo.query(
            "select ticker from marts.fct_ticker_sentiment_daily where sentiment_date = ?",
            [day],
        )
    }
    listed = set(re.findall(r"^\| ([A-Z.]+) \|", movers, flags=re.MULTILINE))
    assert listed and listed <= tickers

    chart = metadata["sentiment_chart"].value
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)\)", chart).group(1)
    root = ET.fromstring(base64.b64decode(encoded))
    legend = [t.text for t in root.findall(f"{SVG}text")][-5:]
    busiest = [
        row[0]
        for row in demo.query(
            "select ticker from marts.fct_ticker_sentiment_daily where sentiment_date <= ? "
            "group by ticker order by sum(article_count) desc, ticker limit 5",
            [day],
        )
    ]
    assert legend == busiest
