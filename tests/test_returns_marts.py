"""The return marts against a hand computation on a small fixture (tests/fixtures/returns).

Eight mentioned tickers and the benchmark over eight weeks of XNYS sessions (Good Friday
closed, DST from March 9), stories before and after the close and on weekends, two planted
AMZN shocks, a missing price, a ticker without an adjusted close, and a story one minute
after a close followed by a 30% jump that the story must not be credited with. The test lands
the fixture into a temporary warehouse, runs the project's real `dbt build`, and compares the
marts with the IC, quintiles and CARs worked out below in plain Python. The incremental path:
the fixture landed and built one day at a time, and a late price correction, each against
one full build of the same data.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
import shutil
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.analysis.schema import ArticleAnalysis
from orchestration.analysis.universe import load_universe
from orchestration.news.articles import Article
from orchestration.warehouse.connection import append_rows, connect
from orchestration.warehouse.frames import analyses_frame, articles_frame, companies_frame
from tests.test_marts import VERSION, _dbt, _table_rows, _wait

FIXTURE = Path(__file__).parent / "fixtures" / "returns"
BENCHMARK = "SPY"
HORIZONS = (1, 5, 20)
MIN_TICKERS = 5
ROLLING = 20
TOLERANCE = 1e-9
# The story published one minute after the close of 2026-03-18, and the session it counts for.
LATE_STORY = ("JPM", date(2026, 3, 18), date(2026, 3, 19))
RERUN_DAY = "2026-03-18"
# Every table of the return marts, the incremental ones and those rebuilt from them.
RETURN_TABLES = (
    "marts.fct_ticker_returns_daily",
    "marts.fct_sentiment_vs_returns_daily",
    "marts.fct_sentiment_quintile_returns",
    "marts.fct_sentiment_quintile_spreads",
    "marts.fct_shock_event_returns",
    "marts.fct_shock_event_study",
)
RETURN_MARTS = (
    "+fct_sentiment_vs_returns_daily",
    "+fct_sentiment_quintile_spreads",
    "+fct_shock_event_study",
)
# Built one day at a time from here, as the daily schedule runs: Good Friday, both planted
# shocks and their sessions -5..+10, and the forward returns of the last 20 sessions.
DAILY_FROM = date(2026, 4, 2)
# The evening of Friday 24 April lands the week's prices again with a correction of Tuesday's
# AMZN and benchmark closes; the next daily run is Monday's, six days after the corrected day.
CORRECTED = (date(2026, 4, 21), ("AMZN", "SPY"), 1.05)
NEXT_RUN = "2026-04-27"


@dataclass(frozen=True)
class Mention:
    article_id: str
    ticker: str
    published_at: datetime
    relevance: Decimal
    score: Decimal


@dataclass
class Fixture:
    database: Path
    sessions: list[date]  # XNYS, in order
    closes: list[datetime]
    prices: dict[tuple[str, date], float]
    mentions: list[Mention]


def _read(name: str) -> list[dict[str, str]]:
    with (FIXTURE / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _land(con: duckdb.DuckDBPyConnection, mentions: list[Mention]) -> None:
    for day in sorted({m.published_at.date() for m in mentions}):
        todays = [m for m in mentions if m.published_at.date() == day]
        articles = [
            Article(
                article_id=m.article_id,
                url=f"https://news.example.com/{m.article_id}",
                title=f"Headline {m.article_id}",
                body=f"Body of {m.article_id}.",
                source="fixture",
                published_at=m.published_at.replace(tzinfo=UTC),
                fetched_at=m.published_at.replace(tzinfo=UTC),
                content_hash=m.article_id,
                sources=["fixture"],
            )
            for m in todays
        ]
        append_rows(con, "raw.articles", articles_frame(articles, "t"))
        analyses = {
            m.article_id: ArticleAnalysis.build(
                "Summary.", "Paragraph.", float(m.score), {m.ticker: (m.relevance, m.score)}
            )
            for m in todays
        }
        append_rows(con, "raw.article_analysis", analyses_frame(analyses, day, VERSION, "t"))


def _land_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """The ticker reference and every session: the calendar is known ahead of the prices."""
    append_rows(con, "raw.tickers", companies_frame(load_universe()[0]))
    con.executemany(
        "insert into raw.market_sessions values (?, ?, ?, ?, ?)",
        [
            [r["calendar"], r["session_date"], r["open_at"], r["close_at"], r["early_close"]]
            for r in _read("sessions.csv")
        ],
    )


def _land_prices(con: duckdb.DuckDBPyConnection, prices: list[dict[str, str]]) -> None:
    """The rows' prices, replacing what a day held for their tickers (a re-landing)."""
    if not prices:
        return
    for r in prices:
        con.execute(
            "delete from raw.prices where ticker = ? and trade_date = ?",
            [r["ticker"], r["trade_date"]],
        )
    con.executemany(
        "insert into raw.prices (ticker, trade_date, close, adj_close, source, invented, "
        "landed_at) values (?, ?, ?, ?, 'fixture', false, now())",
        [[r["ticker"], r["trade_date"], r["close"], r["adj_close"] or None] for r in prices],
    )


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    tmp = tmp_path_factory.mktemp("returns")
    database = tmp / "returns.duckdb"
    sessions = [r for r in _read("sessions.csv") if r["calendar"] == "XNYS"]
    mentions = [
        Mention(
            r["article_id"],
            r["ticker"],
            datetime.fromisoformat(r["published_at"]),
            Decimal(r["relevance"]),
            Decimal(r["score"]),
        )
        for r in _read("mentions.csv")
    ]
    prices = _read("prices.csv")
    with connect(database) as con:
        _land_calendar(con)
        _land(con, mentions)
        _land_prices(con, prices)
    _wait(_dbt(database, tmp / "full", "build"))
    yield Fixture(
        database,
        [date.fromisoformat(r["session_date"]) for r in sessions],
        [datetime.fromisoformat(r["close_at"]) for r in sessions],
        {
            (r["ticker"], date.fromisoformat(r["trade_date"])): float(r["adj_close"] or r["close"])
            for r in prices
        },
        mentions,
    )


def _query(database: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# The hand computation: plain Python, one step per function.


def _session_of(f: Fixture, published_at: datetime) -> date:
    """The first session whose close is strictly after the publication."""
    return f.sessions[bisect.bisect_right(f.closes, published_at)]


def _sentiment(f: Fixture) -> dict[tuple[str, date], float]:
    sums: dict[tuple[str, date], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for m in f.mentions:
        key = (m.ticker, _session_of(f, m.published_at))
        sums[key][0] += m.relevance * m.score
        sums[key][1] += m.relevance
    return {key: float(weighted) / float(relevance) for key, (weighted, relevance) in sums.items()}


def _price(f: Fixture, ticker: str, index: int) -> float | None:
    if not 0 <= index < len(f.sessions):
        return None
    return f.prices.get((ticker, f.sessions[index]))


def _forward(f: Fixture, ticker: str, index: int, horizon: int) -> float | None:
    now, later = _price(f, ticker, index), _price(f, ticker, index + horizon)
    return None if now is None or later is None else later / now - 1


def _return(f: Fixture, ticker: str, index: int) -> float | None:
    return _forward(f, ticker, index - 1, 1)


def _average_ranks(values: list[float]) -> list[float]:
    ordered = sorted(values)
    # A value's tied run holds positions first..last (1-based); its rank is their mean.
    return [
        (bisect.bisect_left(ordered, v) + 1 + bisect.bisect_right(ordered, v)) / 2 for v in values
    ]


def _pearson(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def _cross_section(f: Fixture, index: int, horizon: int) -> list[tuple[str, float, float]]:
    """(ticker, sentiment, forward return) of the session's tickers with both, benchmark out."""
    sentiment, day = _sentiment(f), f.sessions[index]
    rows = []
    for (ticker, session), score in sorted(sentiment.items()):
        forward = _forward(f, ticker, index, horizon)
        if session == day and ticker != BENCHMARK and forward is not None:
            rows.append((ticker, score, forward))
    return rows


def _ic(rows: list[tuple[str, float, float]]) -> float | None:
    scores, returns = [r[1] for r in rows], [r[2] for r in rows]
    if len(rows) < MIN_TICKERS or len(set(scores)) < 2 or len(set(returns)) < 2:
        return None
    return _pearson(_average_ranks(scores), _average_ranks(returns))


def _quintiles(rows: list[tuple[str, float, float]]) -> dict[int, list[float]]:
    ranks, n = _average_ranks([r[1] for r in rows]), len(rows)
    members: dict[int, list[float]] = defaultdict(list)
    for rank, row in zip(ranks, rows, strict=True):
        members[min(5, math.floor(5 * (rank - 0.5) / n) + 1)].append(row[2])
    return members


def _assert_close(actual: float | None, expected: float | None, what: object) -> None:
    if expected is None:
        assert actual is None, what
    else:
        assert actual is not None and abs(actual - expected) <= TOLERANCE, (what, actual, expected)


# The tests.


def test_the_rank_ic_and_its_rolling_statistics_equal_a_hand_computation(fixture: Fixture):
    rows = {
        r[0]: r[1:]
        for r in _query(
            fixture.database,
            "select session_date, ticker_count_1d, rank_ic_1d, rank_ic_5d, rank_ic_20d, "
            "rolling_ic_sessions, rolling_mean_ic_1d, rolling_ic_tstat_1d, rolling_hit_rate_1d "
            "from marts.fct_sentiment_vs_returns_daily where group_type = 'all'",
        )
    }
    ics: list[float | None] = []
    checked = {"ic": 0, "null": 0}
    for index, day in enumerate(fixture.sessions):
        ic = {h: _ic(_cross_section(fixture, index, h)) for h in HORIZONS}
        ics.append(ic[1])
        if day not in rows:
            assert not any(_cross_section(fixture, index, h) for h in HORIZONS), day
            continue
        count, ic_1d, ic_5d, ic_20d, sessions, mean, tstat, hit = rows[day]
        assert count == len(_cross_section(fixture, index, 1)), day
        for horizon, actual in zip(HORIZONS, (ic_1d, ic_5d, ic_20d), strict=True):
            _assert_close(actual, ic[horizon], (day, horizon))
            checked["ic" if ic[horizon] is not None else "null"] += 1
        window = [v for v in ics[-ROLLING:] if v is not None]
        assert sessions == len(window), day
        _assert_close(mean, statistics.fmean(window) if window else None, (day, "mean"))
        expected_t = None
        if len(window) >= 2 and statistics.stdev(window) > 0:
            expected_t = statistics.fmean(window) / (statistics.stdev(window) / len(window) ** 0.5)
        _assert_close(tstat, expected_t, (day, "t"))
        _assert_close(hit, sum(v > 0 for v in window) / len(window) if window else None, day)
    # The fixture exercises both branches: real ICs, and cross-sections too small for one.
    assert checked["ic"] >= 40 and checked["null"] >= 5, checked


def test_tied_sentiments_share_their_average_rank(fixture: Fixture):
    index = fixture.sessions.index(date(2026, 3, 10))
    rows = _cross_section(fixture, index, 1)
    tied = [r for r in rows if r[0] in ("AMZN", "JPM")]
    assert len(tied) == 2 and tied[0][1] == tied[1][1]
    ((actual,),) = _query(
        fixture.database,
        "select rank_ic_1d from marts.fct_sentiment_vs_returns_daily "
        "where group_type = 'all' and session_date = ?",
        [fixture.sessions[index]],
    )
    _assert_close(actual, _ic(rows), "tie")


def test_a_cross_section_under_five_tickers_has_no_ic_and_no_quintiles(fixture: Fixture):
    # Information Technology holds AAPL, MSFT and NVDA here: never five.
    rows = _query(
        fixture.database,
        "select count(*), count(rank_ic_1d), max(ticker_count_1d) "
        "from marts.fct_sentiment_vs_returns_daily "
        "where group_type = 'sector' and group_name = 'Information Technology'",
    )
    assert rows[0][0] > 20 and rows[0][1:] == (0, 3)
    assert _query(
        fixture.database,
        "select count(*) from marts.fct_sentiment_quintile_returns where group_type = 'sector'",
    ) == [(0,)]


def test_the_quintile_returns_and_spread_equal_a_hand_computation(fixture: Fixture):
    rows = _query(
        fixture.database,
        "select q.session_date, q.quintile, q.ticker_count, q.mean_fwd_return_1d, "
        "q.spread_fwd_return_1d, s.cumulative_spread_1d "
        "from marts.fct_sentiment_quintile_returns as q "
        "inner join marts.fct_sentiment_quintile_spreads as s "
        "using (group_type, group_name, session_date) "
        "where q.group_type = 'all' order by q.session_date, q.quintile",
    )
    actual = {(r[0], r[1]): r[2:] for r in rows}
    expected_keys = set()
    cumulative = 0.0
    for index, day in enumerate(fixture.sessions):
        section = _cross_section(fixture, index, 1)
        if len(section) < MIN_TICKERS:
            continue
        members = _quintiles(section)
        spread = None
        if 1 in members and 5 in members:
            spread = statistics.fmean(members[5]) - statistics.fmean(members[1])
            cumulative += spread
        for quintile, returns in members.items():
            expected_keys.add((day, quintile))
            count, mean, day_spread, day_cumulative = actual[(day, quintile)]
            assert count == len(returns), (day, quintile)
            _assert_close(mean, statistics.fmean(returns), (day, quintile))
            _assert_close(day_spread, spread, (day, "spread"))
            _assert_close(day_cumulative, cumulative, (day, "cumulative"))
    assert set(actual) == expected_keys
    assert len({day for day, _ in expected_keys}) >= 20


def test_the_shock_event_study_equals_a_hand_computation(fixture: Fixture):
    shocks = _query(
        fixture.database,
        "select ticker, sentiment_date, direction from marts.fct_sentiment_shocks order by 1, 2",
    )
    # The planted ones, a drop on Wednesday 8 April and a spike on Wednesday 15 April.
    assert ("AMZN", date(2026, 4, 8), "down") in shocks
    assert ("AMZN", date(2026, 4, 15), "up") in shocks
    cars: dict[tuple[str, int], list[float]] = defaultdict(list)
    for ticker, day, direction in shocks:
        event = next(i for i, s in enumerate(fixture.sessions) if s >= day)
        car: float | None = 0.0
        for relative in range(-5, 11):
            own = _return(fixture, ticker, event + relative)
            market = _return(fixture, BENCHMARK, event + relative)
            if car is None or own is None or market is None:
                car = None
                continue
            car += own - market
            cars[(direction, relative)].append(car)
    actual = {
        (r[0], r[1]): r[2:]
        for r in _query(
            fixture.database,
            "select direction, relative_day, event_count, mean_car, car_stderr, car_ci_low, "
            "car_ci_high from marts.fct_shock_event_study where group_type = 'all'",
        )
    }
    assert set(actual) == set(cars)
    assert ("down", 10) in cars and ("up", -5) in cars
    for key, values in cars.items():
        count, mean, stderr, low, high = actual[key]
        assert count == len(values), key
        _assert_close(mean, statistics.fmean(values), key)
        expected_se = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else None
        _assert_close(stderr, expected_se, key)
        if expected_se is not None:
            _assert_close(low, statistics.fmean(values) - 1.96 * expected_se, key)
            _assert_close(high, statistics.fmean(values) + 1.96 * expected_se, key)


def test_a_story_one_minute_after_the_close_counts_toward_the_next_session(fixture: Fixture):
    ticker, close_day, next_day = LATE_STORY
    (late,) = [
        m for m in fixture.mentions if m.ticker == ticker and m.published_at.date() == close_day
    ]
    assert late.published_at == fixture.closes[fixture.sessions.index(close_day)].replace(minute=1)
    assert _query(
        fixture.database,
        "select session_date from intermediate.int_ticker_mentions_sessioned where article_id = ?",
        [late.article_id],
    ) == [(next_day,)]
    # No row on the session it missed; on the next, the story and returns from that close on.
    panel = _query(
        fixture.database,
        "select session_date, weighted_sentiment_score, fwd_return_1d "
        "from intermediate.int_ticker_session_panel where ticker = ? and session_date in (?, ?)",
        [ticker, close_day, next_day],
    )
    index = fixture.sessions.index(next_day)
    jump = _return(fixture, ticker, index)
    assert jump is not None and jump > 0.2  # the planted jump into next_day's close
    assert len(panel) == 1 and panel[0][:2] == (next_day, float(late.score))
    _assert_close(panel[0][2], _forward(fixture, ticker, index, 1), "forward")
    assert abs(panel[0][2] - jump) > 0.1


def test_stories_at_the_close_and_on_a_holiday_count_toward_the_next_session(fixture: Fixture):
    rows = dict(
        _query(
            fixture.database,
            "select published_at, session_date from intermediate.int_ticker_mentions_sessioned "
            "where ticker = 'JPM' and published_at in (?, ?)",
            [datetime(2026, 3, 24, 20), datetime(2026, 4, 3, 15)],
        )
    )
    # Exactly at the close is not before it; Good Friday's news waits for Monday.
    assert rows == {
        datetime(2026, 3, 24, 20): date(2026, 3, 25),
        datetime(2026, 4, 3, 15): date(2026, 4, 6),
    }


def test_forward_and_excess_returns_follow_the_sessions(fixture: Fixture):
    rows = {
        (r[0], r[1]): r[2:]
        for r in _query(
            fixture.database,
            "select ticker, session_date, return_1d, fwd_return_1d, fwd_return_5d, "
            "fwd_return_20d, excess_return_1d, excess_fwd_return_5d "
            "from marts.fct_ticker_returns_daily",
        )
    }
    # The Saturday price of AAPL is no session's; BA's missing price breaks its series.
    assert ("AAPL", date(2026, 3, 7)) not in rows
    assert rows[("BA", date(2026, 3, 26))][0] is None
    assert rows[("BA", date(2026, 3, 24))][1] is None
    for (ticker, day), values in rows.items():
        index = fixture.sessions.index(day)
        own, market = _return(fixture, ticker, index), _return(fixture, BENCHMARK, index)
        expected = [own, *(_forward(fixture, ticker, index, h) for h in HORIZONS)]
        forward_5 = _forward(fixture, ticker, index, 5)
        market_5 = _forward(fixture, BENCHMARK, index, 5)
        expected.append(None if own is None or market is None else own - market)
        expected.append(None if forward_5 is None or market_5 is None else forward_5 - market_5)
        for position, value in enumerate(expected):
            _assert_close(values[position], value, (ticker, day, position))


def test_rerunning_a_day_changes_nothing(fixture: Fixture, tmp_path: Path):
    rerun = tmp_path / "rerun.duckdb"
    shutil.copy(fixture.database, rerun)
    window = json.dumps({"min_date": RERUN_DAY, "max_date": RERUN_DAY})
    _wait(_dbt(rerun, tmp_path / "rerun", "build", "--exclude", "tag:reference", "--vars", window))
    before, after = _table_rows(fixture.database), _table_rows(rerun)
    sessions = "intermediate.int_ticker_sentiment_sessions"
    with duckdb.connect(str(fixture.database), read_only=True) as con:
        expected = sorted(con.execute(f"select * from {sessions}").fetchall())
    with duckdb.connect(str(rerun), read_only=True) as con:
        assert sorted(con.execute(f"select * from {sessions}").fetchall()) == expected
    assert before == after
    for table in (
        "marts.fct_ticker_returns_daily",
        "marts.fct_sentiment_vs_returns_daily",
        "marts.fct_sentiment_quintile_returns",
        "marts.fct_shock_event_study",
    ):
        assert before[table], table


def test_the_readme_does_it_pay_query_runs_on_the_marts(fixture: Fixture):
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Does the sentiment pay?") :]
    start = section.index("```sql") + len("```sql")
    query = section[start : section.index("```", start)]
    rows = _query(fixture.database, query.strip().rstrip(";"))
    # March and April 2026, each with sessions, a mean IC and a spread.
    assert [r[0].month for r in rows] == [3, 4]
    assert all(r[1] > 5 and r[2] is not None and r[5] is not None for r in rows)


def _return_rows(database: Path) -> dict[str, object]:
    rows = _table_rows(database)
    return {table: rows[table] for table in RETURN_TABLES}


def _run_day(database: Path, work: Path, day: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The daily models for one day, the window in the environment as Dagster passes it."""
    monkeypatch.setenv("TICKERPULSE_DBT_MIN_DATE", day)  # orchestration/assets/dbt.py
    monkeypatch.setenv("TICKERPULSE_DBT_MAX_DATE", day)
    # `run`, not `build`, and the return marts with what they read: the tests and the other
    # marts of each day would add minutes and write nothing these tests read.
    _wait(_dbt(database, work, "run", "--exclude", "tag:reference", "--select", *RETURN_MARTS))


def _full_build_of(database: Path, work: Path) -> Path:
    """A copy of the warehouse's raw tables through a first `dbt build`."""
    fresh = work / "fresh.duckdb"
    shutil.copy(database, fresh)
    with duckdb.connect(str(fresh)) as con:
        for schema in ("marts", "seeds", "intermediate", "staging"):
            con.execute(f"drop schema {schema} cascade")
    _wait(_dbt(fresh, work / "fresh", "build"))
    return fresh


# About 23 dbt runs, 3-5 minutes on two cores: in `make test-slow`, which CI runs too.
@pytest.mark.slow
def test_building_day_by_day_gives_the_rows_of_one_full_build(
    fixture: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database, work = tmp_path / "daily.duckdb", tmp_path / "daily"
    prices = _read("prices.csv")
    with connect(database) as con:
        _land_calendar(con)
        _land(con, [m for m in fixture.mentions if m.published_at.date() < DAILY_FROM])
        _land_prices(con, [r for r in prices if date.fromisoformat(r["trade_date"]) < DAILY_FROM])
    _wait(_dbt(database, work, "build"))
    day = DAILY_FROM
    while day <= fixture.sessions[-1]:
        with connect(database) as con:
            _land(con, [m for m in fixture.mentions if m.published_at.date() == day])
            _land_prices(con, [r for r in prices if r["trade_date"] == day.isoformat()])
        _run_day(database, work, day.isoformat(), monkeypatch)
        day += timedelta(days=1)
    built = _return_rows(database)
    assert built == _return_rows(fixture.database)
    assert all(built[table] for table in RETURN_TABLES)
    # Re-running the last day changes nothing.
    _run_day(database, work, fixture.sessions[-1].isoformat(), monkeypatch)
    assert _return_rows(database) == built


def test_a_late_price_correction_reaches_the_returns_of_the_sessions_before_it(
    fixture: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database, work = tmp_path / "corrected.duckdb", tmp_path / "corrected"
    shutil.copy(fixture.database, database)
    day, tickers, factor = CORRECTED
    with connect(database) as con:
        for ticker in tickers:
            con.execute(
                "update raw.prices set close = close * ?, adj_close = adj_close * ?, "
                "landed_at = now() where ticker = ? and trade_date = ?",
                [factor, factor, ticker, day],
            )
    _run_day(database, work, NEXT_RUN, monkeypatch)
    expected = _return_rows(_full_build_of(database, tmp_path))
    assert _return_rows(database) == expected
    # The correction moved rows far before the run's window: the 20-session forward return
    # of the session 20 before it, and the shocks' abnormal returns.
    index = fixture.sessions.index(day)
    query = (
        "select fwd_return_20d from marts.fct_ticker_returns_daily "
        "where ticker = 'AMZN' and session_date = ?"
    )
    ((before,),) = _query(fixture.database, query, [fixture.sessions[index - 20]])
    ((after,),) = _query(database, query, [fixture.sessions[index - 20]])
    assert before is not None and abs(after - ((1 + before) * factor - 1)) < TOLERANCE
    for table in ("marts.fct_sentiment_vs_returns_daily", "marts.fct_shock_event_returns"):
        assert expected[table] != _return_rows(fixture.database)[table], table
    # Re-running the day changes nothing.
    _run_day(database, work, NEXT_RUN, monkeypatch)
    assert _return_rows(database) == expected
