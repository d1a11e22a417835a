"""Does the sentiment pay, at a glance: the rolling IC and the quintile spread as SVG charts.

Plain functions over a DuckDB connection (the warehouse or the served catalog), like
highlights.py; the serving asset attaches them next to the top movers, and
scripts/returns_chart.py writes one for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

import duckdb

from orchestration.serving.highlights import _COLOURS

CHART_SESSIONS = 120

_IC_SQL = """
select session_date, rank_ic_1d, rolling_mean_ic_1d
from marts.fct_sentiment_vs_returns_daily
where group_type = 'all' and session_date <= $last
order by session_date desc
limit $sessions
"""

_SPREAD_SQL = """
select session_date, spread_fwd_return_1d, cumulative_spread_1d
from marts.fct_sentiment_quintile_spreads
where group_type = 'all' and session_date <= $last
order by session_date desc
limit $sessions
"""


@dataclass(frozen=True)
class Series:
    name: str
    points: list[tuple[date, float]]
    line: bool  # joined by a line; otherwise dots only


def rolling_ic_series(
    con: duckdb.DuckDBPyConnection, last: date, sessions: int = CHART_SESSIONS
) -> list[Series]:
    """The daily 1-session rank IC (dots) and its rolling mean (line), all tickers."""
    rows = con.execute(_IC_SQL, {"last": last, "sessions": sessions}).fetchall()[::-1]
    return [
        Series("daily IC", [(d, ic) for d, ic, _ in rows if ic is not None], line=False),
        Series("rolling mean", [(d, m) for d, _, m in rows if m is not None], line=True),
    ]


def quintile_spread_series(
    con: duckdb.DuckDBPyConnection, last: date, sessions: int = CHART_SESSIONS
) -> list[Series]:
    """The cumulative top-minus-bottom quintile spread of 1-session returns, all tickers."""
    rows = con.execute(_SPREAD_SQL, {"last": last, "sessions": sessions}).fetchall()[::-1]
    return [Series("cumulative Q5 - Q1", [(d, c) for d, _, c in rows if c is not None], line=True)]


def value_chart_svg(series: list[Series], percent: bool = False) -> str | None:
    """An SVG chart of dated values on their own scale, zero marked; None without points."""
    points = [p for s in series for p in s.points]
    if not points:
        return None
    width, height = 640, 260
    left, right, top, bottom = 56, 130, 16, 28
    first, last = min(d for d, _ in points), max(d for d, _ in points)
    low, high = min(0.0, *(v for _, v in points)), max(0.0, *(v for _, v in points))
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    day_span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + (width - left - right) * (day - first).days / day_span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (high - value) / (high - low)

    def label(value: float) -> str:
        return f"{value:+.1%}" if percent else f"{value:+.2f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for value in (high, 0.0, low):
        stroke = "#888888" if value == 0 else "#e4e4e4"
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{stroke}"/><text x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end" fill="#555555">{"0" if value == 0 else label(value)}</text>'
        )
    for day in (first, last):
        parts.append(
            f'<text x="{x(day):.1f}" y="{height - 8}" text-anchor="middle" fill="#555555">'
            f"{day.isoformat()}</text>"
        )
    for index, one in enumerate(series):
        colour = _COLOURS[index % len(_COLOURS)]
        if one.line and len(one.points) > 1:
            coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in one.points)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        elif not one.line:
            parts.extend(
                f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}" '
                'fill-opacity="0.6"/>'
                for d, v in one.points
            )
        legend_y = top + 14 * index + 8
        parts.append(
            f'<rect x="{width - right + 10}" y="{legend_y - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{width - right + 26}" y="{legend_y + 1}">'
            f"{escape(one.name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
