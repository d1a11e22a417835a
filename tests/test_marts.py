"""The dbt marts on a synthetic 60-day history: shocks, rolling windows, portfolios, re-runs.

The demo corpus spans five days, too few for trailing windows, so these tests land a history
straight into a temporary warehouse's raw tables and run the project's dbt as a subprocess.
Every dbt invocation costs 10-20 s here, so the module makes six, and runs three pairs at once.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.analysis.schema import ArticleAnalysis, sentiment_label
from orchestration.analysis.universe import load_universe
from orchestration.news.articles import Article
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.warehouse.connection import append_rows, connect
from orchestration.warehouse.frames import analyses_frame, articles_frame, companies_frame

DBT = Path(sys.executable).with_name("dbt")
VERSION = ("offline", "synthetic", "1")
NEWER_VERSION = ("offline", "synthetic", "2")
START = date(2026, 1, 1)
DAYS = 60
# Base sentiment per ticker; each day moves it by one of OFFSETS, never far enough to be a shock.
BASE = {"AAPL": 0.3, "MSFT": 0.2, "NVDA": 0.5, "JPM": -0.1, "XOM": 0.1}
OFFSETS = (-0.04, -0.02, 0.0, 0.02, 0.04)
COUNTS = (1, 2, 2, 3, 2)
SPARSE = "BA"  # news every fourth day only, so its rolling rows include quiet days
DROP = ("AAPL", START + timedelta(days=45))
SPIKE = ("MSFT", START + timedelta(days=50))
# The window the re-run test changes and re-runs incrementally, and a later day with news
# after days without any (60-63), run the way the next daily partition would be.
WINDOW = (START + timedelta(days=40), START + timedelta(days=41))
AFTER_QUIET_DAYS = START + timedelta(days=64)
MARTS_SCHEMAS = ("marts", "seeds")
UNIT_TESTS = DBT_PROJECT_DIR / "models/marts/_marts_unit_tests.yml"
# Prices and XNYS-like sessions (weekdays, closing 21:00 UTC) for the return marts, through
# the days the re-run test adds news on and a week after.
PRICED = (*BASE, SPARSE, "TSLA", "SPY")
SESSION_DAYS = 75
# Past the 2-hour warning of raw.articles (models/staging/_sources.yml), short of its 24-hour error.
LANDED_HOURS_AGO = 3


@dataclass(frozen=True)
class Mention:
    article_id: str
    ticker: str
    day: date
    relevance: float
    score: float


@dataclass
class History:
    database: Path
    mentions: list[Mention]
    build_target: Path  # the full build's run_results.json
    docs: subprocess.Popen[str]  # `dbt docs generate` on a copy, running in the background
    docs_target: Path
    freshness: subprocess.Popen[str]  # `dbt source freshness` on a copy, articles landed earlier
    freshness_target: Path


def _day(index: int) -> date:
    return START + timedelta(days=index)


def _synthetic_mentions() -> list[Mention]:
    mentions = []
    for i in range(DAYS):
        day = _day(i)
        for k, (ticker, base) in enumerate(BASE.items()):
            count = 10 if (ticker, day) == SPIKE else COUNTS[(i + k) % len(COUNTS)]
            for j in range(count):
                # Alternating relevance and a small spread make the weighting matter.
                score = base + OFFSETS[(i + 2 * k) % len(OFFSETS)] + (0.02 if j % 2 else -0.02)
                score = -0.6 if (ticker, day) == DROP else score
                relevance = 0.6 if j % 2 else 1.0
                mentions.append(
                    Mention(f"{ticker}-{i}-{j}", ticker, day, relevance, round(score, 4))
                )
        for ticker in ("JPM", "XOM"):  # one market wrap a day about two companies
            score = round(BASE[ticker] + OFFSETS[i % len(OFFSETS)], 4)
            mentions.append(Mention(f"wrap-{i}", ticker, day, 0.5, score))
        if i % 4 == 0:
            score = round(-0.4 + OFFSETS[i % len(OFFSETS)], 4)
            mentions.append(Mention(f"{SPARSE}-{i}", SPARSE, day, 0.8, score))
    return mentions


def _article(article_id: str, day: date) -> Article:
    published = datetime.combine(day, time(12), tzinfo=UTC)
    return Article(
        article_id=article_id,
        url=f"https://news.example.com/{article_id}",
        title=f"Headline {article_id}",
        body=f"Body of {article_id}.",
        source="synthetic",
        published_at=published,
        fetched_at=published,
        content_hash=article_id,
        sources=["synthetic"],
    )


def _land(
    con: duckdb.DuckDBPyConnection,
    mentions: list[Mention],
    version: tuple[str, str, str] = VERSION,
    articles: bool = True,
) -> None:
    """Land the articles (unless `articles` is false) and analyses of `mentions` the way the
    Python assets do."""
    by_article: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    for day in sorted({m.day for m in mentions}):
        todays = {a: ms for a, ms in by_article.items() if ms[0].day == day}
        if articles:
            frame = articles_frame([_article(a, day) for a in todays], "t")
            append_rows(con, "raw.articles", frame)
        analyses = {
            article_id: ArticleAnalysis.build(
                f"Summary of {article_id}.",
                f"Paragraph about {article_id}.",
                sum(m.score for m in ms) / len(ms),
                {m.ticker: (m.relevance, m.score) for m in ms},
            )
            for article_id, ms in todays.items()
        }
        append_rows(con, "raw.article_analysis", analyses_frame(analyses, day, version, "t"))


def _land_prices(con: duckdb.DuckDBPyConnection) -> None:
    """Weekday sessions and a deterministic zig-zag of prices for PRICED."""
    weekdays = [d for d in map(_day, range(SESSION_DAYS)) if d.weekday() < 5]
    con.executemany(
        "insert into raw.market_sessions values ('XNYS', ?, ?, ?, false)",
        [[d, datetime.combine(d, time(14, 30)), datetime.combine(d, time(21))] for d in weekdays],
    )
    rows = []
    for k, ticker in enumerate(PRICED):
        price = 50.0 + 10 * k
        for i, day in enumerate(weekdays):
            price *= 1 + 0.01 * ((i * 7 + k * 3) % 5 - 2)
            rows.append([ticker, day, round(price, 4)])
    con.executemany(
        "insert into raw.prices (ticker, trade_date, close, adj_close, source, invented, "
        "landed_at) values (?, ?, ?, ?, 'synthetic', true, now())",
        [[t, d, p, p] for t, d, p in rows],
    )


def _dbt(database: Path, work: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TICKERPULSE_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.Popen(
        [str(DBT), "--no-use-colors", *args],
        cwd=DBT_PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # never leaves a child behind in our process group
    )


def _wait(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-6000:]
    return output


def _query(database: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _weighted(mentions: list[Mention]) -> float:
    return sum(m.relevance * m.score for m in mentions) / sum(m.relevance for m in mentions)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    """Sixty days of news for six tickers, through a full `dbt build` (reference included)."""
    tmp = tmp_path_factory.mktemp("marts")
    database = tmp / "history.duckdb"
    mentions = _synthetic_mentions()
    with connect(database) as con:
        append_rows(con, "raw.tickers", companies_frame(load_universe()[0]))
        _land(con, mentions)
        _land_prices(con)
    _wait(_dbt(database, tmp / "full", "build"))
    # DuckDB lets one process open a file for writing: the docs build gets its own copy.
    shutil.copy(database, tmp / "docs.duckdb")
    docs = _dbt(tmp / "docs.duckdb", tmp / "docs", "docs", "generate", "--no-compile")
    shutil.copy(database, tmp / "freshness.duckdb")
    with duckdb.connect(str(tmp / "freshness.duckdb")) as con:
        con.execute(
            f"update raw.articles set landed_at = landed_at - interval {LANDED_HOURS_AGO} hour"
        )
    freshness = _dbt(tmp / "freshness.duckdb", tmp / "freshness", "source", "freshness")
    yield History(
        database,
        mentions,
        tmp / "full/target",
        docs,
        tmp / "docs/target",
        freshness,
        tmp / "freshness/target",
    )
    for process in (docs, freshness):
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_the_planted_shocks_are_found_and_nothing_else(history: History):
    shocks = _query(
        history.database,
        "select ticker, sentiment_date, shock_type from marts.fct_sentiment_shocks order by 1",
    )
    assert shocks == [(*DROP, "sentiment_drop"), (*SPIKE, "volume_spike")]
    ((direction, zscore, trailing_days),) = _query(
        history.database,
        "select direction, sentiment_zscore, trailing_days_with_news "
        "from marts.fct_sentiment_shocks where ticker = ? and sentiment_date = ?",
        list(DROP),
    )
    assert (direction, trailing_days) == ("down", 30)
    assert zscore <= -10


def test_rolling_windows_equal_a_hand_computation(history: History):
    ticker, day = "NVDA", _day(20)
    week = [
        m for m in history.mentions if m.ticker == ticker and day - timedelta(6) <= m.day <= day
    ]
    month = [
        m for m in history.mentions if m.ticker == ticker and day - timedelta(29) <= m.day <= day
    ]
    ((count_7d, count_30d, sentiment_7d, sentiment_30d, momentum),) = _query(
        history.database,
        "select article_count_7d, article_count_30d, weighted_sentiment_7d, "
        "weighted_sentiment_30d, sentiment_momentum from marts.fct_ticker_sentiment_rolling "
        "where ticker = ? and sentiment_date = ?",
        [ticker, day],
    )
    assert (count_7d, count_30d) == (len(week), len(month))
    assert sentiment_7d == pytest.approx(_weighted(week), abs=5e-5)
    assert sentiment_30d == pytest.approx(_weighted(month), abs=5e-5)
    assert momentum == pytest.approx(sentiment_7d - sentiment_30d, abs=1e-9)


def test_rolling_rows_cover_quiet_days_as_calendar_days(history: History):
    rows = _query(
        history.database,
        "select sentiment_date, article_count, article_count_7d from "
        "marts.fct_ticker_sentiment_rolling where ticker = ? order by sentiment_date",
        [SPARSE],
    )
    assert [r[0] for r in rows] == [_day(i) for i in range(DAYS)]
    assert [r[1] for r in rows] == [1 if i % 4 == 0 else 0 for i in range(DAYS)]
    # Seven calendar days always hold one or two of the every-fourth-day articles.
    assert {r[2] for r in rows[7:]} == {1, 2}


def test_portfolio_sentiment_equals_a_hand_computation(history: History):
    with (DBT_PROJECT_DIR / "seeds/portfolio_holdings.csv").open(encoding="utf-8") as f:
        holdings = {
            r["ticker"]: float(r["weight"])
            for r in csv.DictReader(f)
            if r["portfolio"] == "tech_growth"
        }
    day = _day(12)
    daily = {
        ticker: round(
            _weighted([m for m in history.mentions if (m.ticker, m.day) == (ticker, day)]), 4
        )
        for ticker in holdings
        if any((m.ticker, m.day) == (ticker, day) for m in history.mentions)
    }
    expected = sum(holdings[t] * s for t, s in daily.items()) / sum(holdings[t] for t in daily)
    ((sentiment, coverage, with_news, count),) = _query(
        history.database,
        "select weighted_sentiment_score, coverage, holdings_with_news, holding_count "
        "from marts.fct_portfolio_sentiment_daily where portfolio = ? and sentiment_date = ?",
        ["tech_growth", day],
    )
    assert sentiment == pytest.approx(expected, abs=5e-5)
    assert coverage == pytest.approx(sum(holdings[t] for t in daily) / sum(holdings.values()))
    assert (with_news, count) == (len(daily), len(holdings))


def test_the_worst_news_of_a_portfolio_day_comes_first(history: History):
    rows = _query(
        history.database,
        "select worst_rank, ticker, worst_article_score from marts.fct_portfolio_worst_news "
        "where portfolio = ? and sentiment_date = ? order by worst_rank",
        ["tech_growth", DROP[1]],
    )
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][1:] == ("AAPL", -0.6)
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)


def _change_the_window(database: Path) -> None:
    """Re-score an article, move one in from an older day, retract one, add a new ticker.

    Also re-analyse an article of the window with a newer prompt version (the older analysis
    stays), and move one in whose only analysis stays at its old day, as when the new day's
    analysis has not run yet: the latest analysis of an article counts wherever it is.
    """
    first, last = WINDOW
    changed = Mention("NVDA-40-0", "NVDA", first, 1.0, -0.9)
    with connect(database) as con:
        con.execute("delete from raw.article_analysis where article_id = ?", [changed.article_id])
        con.execute(
            "delete from raw.articles where article_id in (?, ?, ?)",
            [changed.article_id, "MSFT-30-0", "XOM-41-0"],
        )
        con.execute("delete from raw.article_analysis where article_id = ?", ["XOM-41-0"])
        con.execute("delete from raw.article_analysis where article_id = ?", ["MSFT-30-0"])
        _land(
            con,
            [
                changed,
                Mention("MSFT-30-0", "MSFT", last, 1.0, 0.2),
                Mention("TSLA-41-0", "TSLA", last, 1.0, -0.5),
                # Landed already, built by the second run: the news after the quiet days.
                Mention("AAPL-64-0", "AAPL", AFTER_QUIET_DAYS, 1.0, 0.35),
                Mention("TSLA-64-0", "TSLA", AFTER_QUIET_DAYS, 0.8, -0.2),
            ],
        )
        _land(con, [Mention("JPM-41-0", "JPM", last, 1.0, -0.7)], NEWER_VERSION, articles=False)
        con.execute(
            "update raw.articles set partition_date = ?, published_at = ? where article_id = ?",
            [last, datetime.combine(last, time(9)), "AAPL-20-0"],
        )


def _hashable(row: tuple) -> tuple:
    return tuple(tuple(v) if isinstance(v, list) else v for v in row)


def _table_rows(database: Path) -> dict[str, Counter[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in (?, ?) order by 1",
            list(MARTS_SCHEMAS),
        ).fetchall()
        return {
            t: Counter(map(_hashable, con.execute(f"select * from {t}").fetchall()))
            for (t,) in tables
        }


def test_rerunning_a_window_incrementally_equals_a_fresh_full_build(
    history: History, tmp_path: Path
):
    rerun, fresh = tmp_path / "rerun.duckdb", tmp_path / "fresh.duckdb"
    shutil.copy(history.database, rerun)
    _change_the_window(rerun)
    shutil.copy(rerun, fresh)
    with duckdb.connect(str(fresh)) as con:
        for schema in ("marts", "seeds", "intermediate", "staging"):
            con.execute(f"drop schema {schema} cascade")

    full = _dbt(fresh, tmp_path / "fresh", "build")
    for first, last in (WINDOW, (AFTER_QUIET_DAYS, AFTER_QUIET_DAYS)):
        window = json.dumps({"min_date": str(first), "max_date": str(last)})
        daily = ("build", "--exclude", "tag:reference", "--vars", window)
        _wait(_dbt(rerun, tmp_path / "rerun", *daily))
    _wait(full)

    # The re-run took the incremental path: it saw the articles move in from days 30 and 20.
    assert _query(
        rerun,
        "select article_id, moved_from_date from intermediate.int_article_moves "
        "where article_id in (?, ?) order by 1",
        ["AAPL-20-0", "MSFT-30-0"],
    ) == [("AAPL-20-0", _day(20)), ("MSFT-30-0", _day(30))]
    # The newer analysis counts, and so does the moved article's analysis at its old day.
    assert _query(
        rerun,
        "select article_id, published_date, prompt_version, ticker_count "
        "from marts.fct_article_sentiment where article_id in (?, ?) order by 1",
        ["AAPL-20-0", "JPM-41-0"],
    ) == [("AAPL-20-0", WINDOW[1], "1", 1), ("JPM-41-0", WINDOW[1], "2", 1)]
    assert _query(
        rerun,
        "select ticker_sentiment_score from marts.fct_ticker_mentions where article_id = ?",
        ["JPM-41-0"],
    ) == [(-0.7,)]
    # The change reached the trailing marts: a new shock on the re-scored day.
    assert _query(
        rerun,
        "select shock_type from marts.fct_sentiment_shocks where ticker = ? and sentiment_date = ?",
        ["NVDA", WINDOW[0]],
    ) == [("sentiment_drop",)]
    # The quiet days got their rolling rows from the run after them.
    assert _query(
        rerun,
        "select article_count, article_count_30d > 0 from marts.fct_ticker_sentiment_rolling "
        "where ticker = ? and sentiment_date = ?",
        ["AAPL", _day(62)],
    ) == [(0, True)]

    expected, actual = _table_rows(fresh), _table_rows(rerun)
    assert sorted(actual) == sorted(expected)
    assert len(expected) >= 9
    for table, rows in expected.items():
        assert rows, table
        missing, extra = rows - actual[table], actual[table] - rows
        assert not missing and not extra, (table, list(missing)[:3], list(extra)[:3])


def test_dbt_docs_generate_succeeds(history: History):
    _wait(history.docs)
    catalog = json.loads((history.docs_target / "catalog.json").read_text(encoding="utf-8"))
    assert "model.tickerpulse.fct_sentiment_shocks" in catalog["nodes"]
    assert not catalog.get("errors")


def test_the_dbt_unit_tests_run_in_the_build_and_pass(history: History):
    results = json.loads((history.build_target / "run_results.json").read_text(encoding="utf-8"))
    unit_tests = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert unit_tests == {
        "the_day_label_follows_the_alpha_vantage_edges": "pass",
        "a_shock_is_a_z_score_against_the_trailing_days": "pass",
        "quintiles_share_ties_and_need_five_tickers": "pass",
        "the_running_spread_sums_the_sessions_and_skips_one_without_a_spread": "pass",
    }


def test_the_dbt_label_edges_are_the_python_label_scale():
    (edges,) = [
        test
        for test in yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))["unit_tests"]
        if test["name"] == "the_day_label_follows_the_alpha_vantage_edges"
    ]
    expected = {
        row["weighted_sentiment_score"]: row["sentiment_label"] for row in edges["expect"]["rows"]
    }
    # Both sides of every edge: the edge itself, and one step of the 4-decimal scale toward 0.
    for edge in (-0.35, -0.15, 0.15, 0.35):
        toward_zero = round(edge + 0.0001 if edge < 0 else edge - 0.0001, 4)
        assert edge in expected and toward_zero in expected, edge
    assert expected == {score: sentiment_label(score) for score in expected}


def test_source_freshness_warns_on_an_old_load_but_does_not_fail(history: History):
    output = _wait(history.freshness)
    sources = json.loads((history.freshness_target / "sources.json").read_text(encoding="utf-8"))
    statuses = {r["unique_id"]: r["status"] for r in sources["results"]}
    assert statuses == {
        "source.tickerpulse.raw.articles": "warn",
        "source.tickerpulse.raw.article_analysis": "pass",
    }, output[-3000:]
