"""The day at a glance: top movers and a sentiment chart, read from the built marts.

Plain functions over a DuckDB connection; the serving asset attaches their output to
its materialization, where the Dagster UI renders the markdown and the chart.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

import duckdb

# A mover is judged against the ticker's own recent days, not the market's.
PRIOR_DAYS = 7
CHART_DAYS = 30

_MOVERS_SQL = """
with today as (
    select ticker, sector, article_count, weighted_sentiment_score, sentiment_label
    from marts.fct_ticker_sentiment_daily
    where sentiment_date = $day
),
prior as (
    select
        ticker,
        sum(weighted_sentiment_score * total_relevance) / nullif(sum(total_relevance), 0)
            as prior_sentiment,
        sum(article_count) as prior_articles
    from marts.fct_ticker_sentiment_daily
    where sentiment_date >= $day - to_days($prior_days) and sentiment_date < $day
    group by ticker
),
shocks as (
    select ticker, string_agg(shock_type, ', ' order by shock_type) as shocks
    from marts.fct_sentiment_shocks
    where sentiment_date = $day
    group by ticker
)
select
    t.ticker,
    t.sector,
    t.article_count,
    t.weighted_sentiment_score,
    p.prior_sentiment,
    t.weighted_sentiment_score - coalesce(p.prior_sentiment, 0) as change,
    t.sentiment_label,
    s.shocks
from today as t
left join prior as p using (ticker)
left join shocks as s using (ticker)
order by abs(change) desc, t.article_count desc, t.ticker
limit $limit
"""

_SERIES_SQL = """
with busiest as (
    select ticker, sum(article_count) as articles
    from marts.fct_ticker_sentiment_daily
    where sentiment_date between $first and $last
    group by ticker
    order by articles desc, ticker
    limit $limit
)
select d.ticker, d.sentiment_date, d.weighted_sentiment_score
from marts.fct_ticker_sentiment_daily as d
join busiest as b using (ticker)
where d.sentiment_date between $first and $last
order by b.articles desc, d.ticker, d.sentiment_date
"""


@dataclass(frozen=True)
class Mover:
    ticker: str
    sector: str | None
    articles: int
    sentiment: float
    prior: float | None  # None: no news in the prior days
    change: float
    label: str
    shocks: str | None


def top_movers(con: duckdb.DuckDBPyConnection, day: date, limit: int = 10) -> list[Mover]:
    """Tickers with news on `day`, largest sentiment change against their prior week first."""
    rows = con.execute(
        _MOVERS_SQL, {"day": day, "prior_days": PRIOR_DAYS, "limit": limit}
    ).fetchall()
    return [Mover(*row) for row in rows]


def sentiment_series(
    con: duckdb.DuckDBPyConnection, last: date, days: int = CHART_DAYS, tickers: int = 5
) -> dict[str, list[tuple[date, float]]]:
    """Daily weighted sentiment of the most-mentioned tickers over the `days` up to `last`."""
    first = last - timedelta(days=days - 1)
    series: dict[str, list[tuple[date, float]]] = {}
    for ticker, day, score in con.execute(
        _SERIES_SQL, {"first": first, "last": last, "limit": tickers}
    ).fetchall():
        series.setdefault(ticker, []).append((day, score))
    return series


def movers_markdown(movers: list[Mover], day: date) -> str:
    if not movers:
        return f"No ticker had news on {day}."
    lines = [
        f"**Top movers on {day}** (weighted sentiment vs the {PRIOR_DAYS} days before)",
        "",
        "| ticker | sector | articles | sentiment | prior | change | label | shock |",
        "|---|---|--:|--:|--:|--:|---|---|",
    ]
    for m in movers:
        prior = "new" if m.prior is None else f"{m.prior:+.2f}"
        lines.append(
            f"| {m.ticker} | {m.sector or ''} | {m.articles} | {m.sentiment:+.2f} | {prior} "
            f"| {m.change:+.2f} | {m.label} | {m.shocks or ''} |"
        )
    return "\n".join(lines)


# Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito).
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def sentiment_chart_svg(
    series: dict[str, list[tuple[date, float]]], first: date, last: date
) -> str:
    """An SVG line chart of sentiment in [-1, 1] per ticker; days without news are gaps."""
    width, height = 640, 260
    left, right, top, bottom = 44, 96, 16, 28
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + (width - left - right) * (day - first).days / span

    def y(score: float) -> float:
        return top + (height - top - bottom) * (1 - score) / 2

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for score in (1.0, 0.5, 0.0, -0.5, -1.0):
        stroke = "#888888" if score == 0 else "#e4e4e4"
        tick = f"{score:+.1f}" if score else "0"
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(score):.1f}" y2="{y(score):.1f}" '
            f'stroke="{stroke}"/>'
            f'<text x="{left - 6}" y="{y(score) + 4:.1f}" text-anchor="end" fill="#555555">'
            f"{tick}</text>"
        )
    for day in (first, last):
        parts.append(
            f'<text x="{x(day):.1f}" y="{height - 8}" text-anchor="middle" fill="#555555">'
            f"{day.isoformat()}</text>"
        )
    for index, (ticker, points) in enumerate(series.items()):
        colour = _COLOURS[index % len(_COLOURS)]
        # Consecutive days are joined; a day without news breaks the line.
        runs: list[list[tuple[date, float]]] = []
        for point in points:
            if runs and (point[0] - runs[-1][-1][0]).days == 1:
                runs[-1].append(point)
            else:
                runs.append([point])
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{x(d):.1f},{y(s):.1f}" for d, s in run)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
        for day, score in points:
            parts.append(f'<circle cx="{x(day):.1f}" cy="{y(score):.1f}" r="3" fill="{colour}"/>')
        legend_y = top + 14 * index + 8
        parts.append(
            f'<rect x="{width - right + 10}" y="{legend_y - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{width - right + 26}" y="{legend_y + 1}">'
            f"{escape(ticker)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def chart_markdown(svg: str, caption: str) -> str:
    """Markdown showing the chart inline: the Dagster UI renders data: images."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"**{caption}**\n\n![{caption}](data:image/svg+xml;base64,{encoded})"
