"""raw_prices and market_sessions materialized for real into a temporary DuckDB file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.paths import PROJECT_ROOT
from orchestration.prices.calendar import session_for
from orchestration.resources import PriceSourcesResource
from tests.conftest import STORYLINE, Pipeline, make_pipeline

DATA_COLUMNS = "ticker, trade_date, open, high, low, close, adj_close, volume, source, invented"
TONE = PROJECT_ROOT / "orchestration/demo/price_tone.csv"
# The rule of docs/prices.md, as the dbt models write it.
SESSION_SQL = """
select a.article_id, s.session_date
from articles as a
asof left join (
    select session_date, close_at from raw.market_sessions where calendar = 'XNYS'
) as s
    on a.published_at < s.close_at
order by a.article_id
"""


def prices_yaml(path: Path, *entries: str) -> Path:
    path.write_text("sources:\n" + "".join(entries), encoding="utf-8")
    return path


def invented_entry() -> str:
    return f"  - name: demo-invented\n    kind: invented\n    location: {TONE}\n"


def drop_entry(folder: Path) -> str:
    return f"  - name: price-drop\n    kind: file_drop\n    location: {folder}\n"


def pipeline(tmp: Path, prices_file: Path, benchmark: str = "SPY") -> Pipeline:
    resource = PriceSourcesResource(prices_file=str(prices_file), benchmark_ticker=benchmark)
    return make_pipeline(tmp, price_sources=resource)


def land(p: Pipeline, first: str, last: str | None = None) -> dg.ExecuteInProcessResult:
    job = p.defs.resolve_job_def("prices_job")
    if last is None:
        return job.execute_in_process(
            instance=p.instance, partition_key=first, raise_on_error=False
        )
    return job.execute_in_process(
        instance=p.instance, tags={RANGE_START: first, RANGE_END: last}, raise_on_error=False
    )


@pytest.fixture
def invented(tmp_path: Path) -> Pipeline:
    return pipeline(tmp_path, prices_yaml(tmp_path / "prices.yaml", invented_entry()))


def test_the_demo_week_lands_invented_prices_for_the_demo_tickers_and_the_benchmark(
    invented: Pipeline,
):
    dates = STORYLINE["dates"]
    assert land(invented, dates[0], dates[-1]).success
    rows = invented.query(
        "select trade_date, count(*), count(distinct ticker), bool_and(invented), "
        "min(source), max(source) from raw.prices group by 1 order by 1"
    )
    assert [str(r[0]) for r in rows] == dates
    for _, count, tickers, invented_only, low, high in rows:
        assert count == tickers == len(STORYLINE["tickers"]) + 1
        assert invented_only and low == high == "invented-demo"
    assert invented.scalar("select count(*) from raw.prices where ticker = 'SPY'") == 5
    event = invented.instance.get_latest_materialization_event(dg.AssetKey("raw_prices"))
    metadata = event.asset_materialization.metadata
    assert metadata["prices"].value == 5 * 15 == metadata["invented_prices"].value


def test_landing_a_day_again_changes_nothing(invented: Pipeline):
    dates = STORYLINE["dates"]
    assert land(invented, dates[0], dates[-1]).success
    before = invented.query(f"select {DATA_COLUMNS} from raw.prices order by all")
    assert land(invented, dates[2]).success
    assert land(invented, dates[0], dates[-1]).success
    assert invented.query(f"select {DATA_COLUMNS} from raw.prices order by all") == before


def test_a_weekend_partition_has_no_prices_and_is_not_an_error(invented: Pipeline):
    result = land(invented, "2026-11-21")
    assert result.success
    assert invented.scalar("select count(*) from raw.prices") == 0


def test_re_landing_replaces_only_the_tickers_landed_and_logs_every_file(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    day = "2026-11-17"
    (folder / "prices.csv").write_text(
        f"Symbol,Date,Close\nAAPL,{day},100\nMSFT,{day},400\nAAPL,{day},1\n", encoding="utf-8"
    )
    p = pipeline(tmp_path, prices_yaml(tmp_path / "prices.yaml", drop_entry(folder)), "")
    assert land(p, day).success
    (folder / "prices.csv").write_text(f"Symbol,Date,Close\nAAPL,{day},101\n", encoding="utf-8")
    assert land(p, day).success
    closes = dict(p.query("select ticker, close from raw.prices order by 1"))
    assert closes == {"AAPL": 101.0, "MSFT": 400.0}
    logged = p.query(
        "select source, status, rows, message from raw.file_drop_log order by landed_at"
    )
    assert [(s, st, r) for s, st, r, _ in logged] == [
        ("price-drop", "partial", 2),
        ("price-drop", "ok", 1),
    ]
    assert "repeated ticker and date" in logged[0][3] and "line 4" in logged[0][3]


def test_when_every_price_source_fails_the_run_fails_and_keeps_the_earlier_prices(
    tmp_path: Path,
):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "AAPL.csv").write_text("Date,Close\n2026-11-17,100\n", encoding="utf-8")
    p = pipeline(tmp_path, prices_yaml(tmp_path / "prices.yaml", drop_entry(folder)), "")
    assert land(p, "2026-11-17").success
    (folder / "AAPL.csv").write_text("nothing,useful\n1,2\n", encoding="utf-8")
    result = land(p, "2026-11-17")
    assert not result.success
    assert p.query("select ticker, close from raw.prices") == [("AAPL", 100.0)]
    logged = p.query("select source, status, items from raw.ingestion_log order by logged_at")
    assert logged == [("price-drop", "ok", 1), ("price-drop", "error", 0)]
    assert p.scalar("select status from raw.file_drop_log order by landed_at desc limit 1") == (
        "error"
    )


def test_a_misspelt_prices_file_fails_the_run_naming_the_key(tmp_path: Path):
    path = tmp_path / "prices.yaml"
    path.write_text("sources:\n  - name: x\n    kind: invented\n    location: y\n    sed: 1\n")
    result = land(pipeline(tmp_path, path), "2026-11-17")
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "did you mean 'seed'?" in failure.step_failure_data.error.message


def test_market_sessions_land_the_calendar_with_early_closes_and_again_the_same(
    invented: Pipeline,
):
    job = invented.defs.resolve_job_def("reference_job")
    for _ in range(2):
        result = job.execute_in_process(
            instance=invented.instance, asset_selection=[dg.AssetKey("market_sessions")]
        )
        assert result.success
    rows = invented.query(
        "select session_date, open_at, close_at, early_close from raw.market_sessions "
        "where calendar = 'XNYS' and session_date between '2026-11-25' and '2026-11-30' "
        "order by 1"
    )
    assert [(str(d), str(c), e) for d, _, c, e in rows] == [
        ("2026-11-25", "2026-11-25 21:00:00", False),
        ("2026-11-27", "2026-11-27 18:00:00", True),
        ("2026-11-30", "2026-11-30 21:00:00", False),
    ]
    total = invented.scalar("select count(*) from raw.market_sessions")
    distinct = invented.scalar("select count(distinct session_date) from raw.market_sessions")
    assert total == distinct > 2500


def test_the_sql_session_rule_agrees_with_session_for(invented: Pipeline):
    job = invented.defs.resolve_job_def("reference_job")
    selection = [dg.AssetKey("market_sessions")]
    assert job.execute_in_process(instance=invented.instance, asset_selection=selection).success
    start = datetime(2026, 11, 20, 12, 0)
    times = [start + timedelta(minutes=37 * i) for i in range(1000)]
    times += [datetime(2026, 11, 24, 21, 0), datetime(2026, 11, 27, 18, 0)]  # bells
    times += [datetime(2026, 12, 24, 18, 1), datetime(2026, 12, 25, 15, 0)]  # early, holiday
    with duckdb.connect(str(invented.database), read_only=True) as con:
        con.execute("create temp table articles (article_id integer, published_at timestamp)")
        con.executemany("insert into articles values (?, ?)", list(enumerate(times)))
        from_sql = [day for _, day in con.execute(SESSION_SQL).fetchall()]
    assert from_sql == [session_for(t) for t in times]


def test_a_bar_dated_on_a_weekend_is_counted_and_not_landed(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "AAPL.csv").write_text(
        "Date,Close\n2026-11-20,100\n2026-11-21,101\n2026-11-23,102\n", encoding="utf-8"
    )
    p = pipeline(tmp_path, prices_yaml(tmp_path / "prices.yaml", drop_entry(folder)), "")
    assert land(p, "2026-11-20", "2026-11-23").success
    landed = p.query("select trade_date::varchar, close from raw.prices order by 1")
    assert landed == [("2026-11-20", 100.0), ("2026-11-23", 102.0)]
    event = p.instance.get_latest_materialization_event(dg.AssetKey("raw_prices"))
    assert event.asset_materialization.metadata["bars_outside_sessions"].value == 1
