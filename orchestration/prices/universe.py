"""Which tickers get prices: the watched ones, the most mentioned ones, and the benchmark."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.prices.bars import normal_ticker

DEFAULT_MAX_TICKERS = 500
DEFAULT_BENCHMARK = "SPY"


def price_tickers(
    watched: Iterable[str],
    mentioned: Iterable[str],
    benchmark: str,
    max_tickers: int = DEFAULT_MAX_TICKERS,
) -> tuple[str, ...]:
    """Watched tickers first, then the most mentioned, `max_tickers` in all; the benchmark
    always, on top of the cap."""
    chosen: dict[str, None] = {}
    for ticker in (normal_ticker(t) for t in watched):
        if ticker:
            chosen.setdefault(ticker)
    for ticker in (normal_ticker(t) for t in mentioned):
        if len(chosen) >= max_tickers:
            break
        if ticker:
            chosen.setdefault(ticker)
    picked = list(chosen)[: max(max_tickers, 0)]
    bench = normal_ticker(benchmark)
    return tuple(picked + ([bench] if bench and bench not in picked else []))


def mentioned_tickers(con: duckdb.DuckDBPyConnection, limit: int) -> list[str]:
    """Tickers the analyses mention, most articles first (ties by symbol)."""
    rows = con.execute(
        """
        select t.ticker, count(distinct a.article_id) as articles
        from raw.article_analysis as a, unnest(a.tickers) as u(t)
        where t.ticker is not null
        group by 1
        order by articles desc, 1
        limit ?
        """,
        [limit],
    ).fetchall()
    return [ticker for ticker, _ in rows]


def portfolio_tickers(holdings_csv: Path, portfolios: Iterable[str] | None = None) -> list[str]:
    """Holdings of the seed file behind dim_portfolio_holdings; `portfolios` narrows it."""
    wanted = set(portfolios) if portfolios is not None else None
    with holdings_csv.open(encoding="utf-8", newline="") as handle:
        return [
            row["ticker"]
            for row in csv.DictReader(handle)
            if wanted is None or row["portfolio"] in wanted
        ]
