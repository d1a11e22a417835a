"""Which tickers get prices: watched first, then the most mentioned, capped; the benchmark."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.paths import DBT_PROJECT_DIR
from orchestration.prices.universe import mentioned_tickers, portfolio_tickers, price_tickers
from orchestration.warehouse import connection as warehouse


def test_watched_tickers_come_first_then_the_most_mentioned_up_to_the_cap():
    chosen = price_tickers(["aapl", "MSFT", "AAPL"], ["NVDA", "MSFT", "TSLA", "XOM"], "SPY", 4)
    assert chosen == ("AAPL", "MSFT", "NVDA", "TSLA", "SPY")


def test_the_benchmark_is_priced_on_top_of_the_cap_and_only_once():
    assert price_tickers(["AAPL", "MSFT"], [], "SPY", 1) == ("AAPL", "SPY")
    assert price_tickers(["SPY"], ["AAPL"], "spy", 5) == ("SPY", "AAPL")
    assert price_tickers(["AAPL"], [], "", 5) == ("AAPL",)


def test_class_shares_are_spelt_the_way_the_reference_spells_them():
    assert price_tickers(["brk-b", "BF/B"], [], "SPY", 5) == ("BRK.B", "BF.B", "SPY")


def test_the_analyses_most_mentioned_tickers_come_first(tmp_path: Path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        _analysis(con, "a1", ["NVDA", "AAPL"])
        _analysis(con, "a2", ["NVDA"])
        _analysis(con, "a2", ["NVDA"])  # a second analysis version of the same article
        _analysis(con, "a3", ["AAPL", "XOM"])
        _analysis(con, "a4", ["TSLA"])
        assert mentioned_tickers(con, 10) == ["AAPL", "NVDA", "TSLA", "XOM"]
        assert mentioned_tickers(con, 2) == ["AAPL", "NVDA"]


def test_portfolio_holdings_come_from_the_seed_behind_dim_portfolio_holdings():
    seed = DBT_PROJECT_DIR / "seeds" / "portfolio_holdings.csv"
    everything = portfolio_tickers(seed)
    assert "AAPL" in everything and len(everything) >= 5
    assert set(portfolio_tickers(seed, ["tech_growth"])) < set(everything)


def _analysis(con: duckdb.DuckDBPyConnection, article_id: str, tickers: list[str]) -> None:
    con.execute(
        "insert into raw.article_analysis (article_id, partition_date, analyzer, model, "
        "prompt_version, overall_sentiment_score, overall_sentiment_label, tickers, "
        "analyzed_at) values (?, date '2026-11-17', 'offline', 'm', 'v', 0, 'Neutral', "
        "[{'ticker': t, 'relevance_score': 1.0, 'ticker_sentiment_score': 0.0, "
        "'ticker_sentiment_label': 'Neutral'} for t in ?], now()::timestamp)",
        [article_id, tickers],
    )
