"""The rolling IC and quintile spread charts: on hand-made marts, and on the demo's metadata."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.serving import returns_charts
from tests.conftest import Pipeline

SVG = "{http://www.w3.org/2000/svg}"
FIRST = date(2026, 3, 2)


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_sentiment_vs_returns_daily (group_type varchar, "
        "group_name varchar, session_date date, rank_ic_1d double, rolling_mean_ic_1d double)"
    )
    con.execute(
        "create table marts.fct_sentiment_quintile_spreads (group_type varchar, "
        "group_name varchar, session_date date, spread_fwd_return_1d double, "
        "cumulative_spread_1d double)"
    )
    days = [FIRST + timedelta(days=i) for i in range(6)]
    con.executemany(
        "insert into marts.fct_sentiment_vs_returns_daily values (?, ?, ?, ?, ?)",
        [
            ("all", "all", days[0], 0.4, 0.4),
            ("all", "all", days[1], None, 0.4),  # too few tickers that session
            ("all", "all", days[2], -0.2, 0.1),
            ("all", "all", days[5], 0.1, 0.1),  # after the chart's last day
            ("sector", "Energy", days[0], 0.9, 0.9),  # another cross-section
        ],
    )
    con.executemany(
        "insert into marts.fct_sentiment_quintile_spreads values (?, ?, ?, ?, ?)",
        [
            ("all", "all", days[0], 0.01, 0.01),
            ("all", "all", days[2], -0.03, -0.02),
            ("all", "all", days[5], 0.02, 0.0),  # after the chart's last day
            ("portfolio", "tech_growth", days[2], 0.5, 0.5),  # another cross-section
        ],
    )
    return con


def test_the_ic_series_has_the_sessions_ics_and_rolling_means_up_to_the_day(marts):
    daily, rolling = returns_charts.rolling_ic_series(marts, FIRST + timedelta(days=4))
    assert daily.points == [(FIRST, 0.4), (FIRST + timedelta(days=2), -0.2)]
    assert [v for _, v in rolling.points] == [0.4, 0.4, 0.1]
    assert (daily.line, rolling.line) == (False, True)


def test_the_spread_series_has_the_sessions_running_sums_up_to_the_day(marts):
    (cumulative,) = returns_charts.quintile_spread_series(marts, FIRST + timedelta(days=4))
    assert cumulative.points == [(FIRST, 0.01), (FIRST + timedelta(days=2), -0.02)]


def test_the_chart_draws_dots_and_a_line_within_the_plot_and_marks_zero(marts):
    series = returns_charts.rolling_ic_series(marts, FIRST + timedelta(days=4))
    root = ET.fromstring(returns_charts.value_chart_svg(series))
    assert len(root.findall(f"{SVG}circle")) == 2
    assert len(root.findall(f"{SVG}polyline")) == 1
    ys = [float(c.get("cy")) for c in root.findall(f"{SVG}circle")]
    assert all(16 <= y <= 260 - 28 for y in ys)
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "0" in texts and "+0.40" in texts and "-0.20" in texts
    assert texts[-2:] == ["daily IC", "rolling mean"]
    spread = returns_charts.quintile_spread_series(marts, FIRST + timedelta(days=4))
    assert "-2.0%" in returns_charts.value_chart_svg(spread, percent=True)


def test_no_points_make_no_chart(marts):
    before = FIRST - timedelta(days=1)
    assert returns_charts.value_chart_svg(returns_charts.rolling_ic_series(marts, before)) is None
    empty = returns_charts.Series("nothing", [], line=True)
    assert returns_charts.value_chart_svg([empty]) is None


def test_the_served_marts_materialization_carries_the_return_charts(demo: Pipeline):
    event = demo.instance.get_latest_materialization_event(dg.AssetKey("served_marts"))
    metadata = event.asset_materialization.metadata
    day = event.dagster_event.partition
    ics = demo.scalar(
        "select count(rank_ic_1d) from marts.fct_sentiment_vs_returns_daily "
        "where group_type = 'all' and session_date <= ?",
        [day],
    )
    for key in ("rolling_ic_chart", "quintile_spread_chart"):
        text = metadata[key].value
        assert f"up to {day}" in text
        encoded = re.search(r"base64,([A-Za-z0-9+/=]+)\)", text)
        if ics:
            assert ET.fromstring(base64.b64decode(encoded.group(1))).tag == f"{SVG}svg"
        else:
            # A demo without prices (or too few tickers) says so instead of a blank chart.
            assert encoded is None and "No sessions" in text
    # Served next to the top movers, and the new marts are what BI sees.
    assert "top_movers" in metadata
    served = set(metadata["rows"].value)
    assert {
        "marts.fct_ticker_returns_daily",
        "marts.fct_sentiment_vs_returns_daily",
        "marts.fct_sentiment_quintile_returns",
        "marts.fct_sentiment_quintile_spreads",
        "marts.fct_shock_event_returns",
        "marts.fct_shock_event_study",
    } <= served
