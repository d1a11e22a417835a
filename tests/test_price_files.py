"""prices.yaml and the OHLCV file drop: strict configuration, header spellings, skipped rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import polars as pl
import pytest

from orchestration.paths import PROJECT_ROOT
from orchestration.prices.file_drop import read_folder
from orchestration.prices.sources import (
    PriceSource,
    PriceSourcesError,
    ReadOptions,
    load_price_sources,
    read_all,
)

YAHOO_CSV = """Date,Open,High,Low,Close,Adj Close,Volume
2026-11-16,100.0,102.0,99.0,101.0,100.5,1000
2026-11-17,101.0,103.0,100.0,102.0,101.5,1200
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_prices_file_loads_with_the_invented_demo_source_first():
    sources = load_price_sources(PROJECT_ROOT / "prices.yaml")
    assert [(s.name, s.kind) for s in sources] == [("demo-invented", "invented")]
    assert Path(sources[0].location).is_file()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("kind: polygon\n    location: x\n    api_key_evn: K", "did you mean 'api_key_env'?"),
        ("kind: stock\n    location: x", "unknown kind 'stock'"),
        ("kind: polygon\n    location: x\n    enabled: nope", "enabled must be true or false"),
        ("kind: file_drop\n    location: x\n    columns: {closing: Last}", "unknown field"),
        ("kind: invented\n    location: x\n    seed: 1.5", "seed must be a whole number"),
        ("kind: stooq\n    location: x\n    requests_per_minute: 0", "positive number"),
    ],
)
def test_a_misspelt_or_bad_price_source_is_an_error_that_names_it(
    tmp_path: Path, entry: str, message: str
):
    path = write(tmp_path / "prices.yaml", f"sources:\n  - name: one\n    {entry}\n")
    with pytest.raises(PriceSourcesError, match="one") as raised:
        load_price_sources(path)
    assert message in str(raised.value)


def test_an_unknown_top_level_key_is_an_error_not_an_empty_list(tmp_path: Path):
    path = write(tmp_path / "prices.yaml", "source:\n  - name: one\n")
    with pytest.raises(PriceSourcesError, match="did you mean 'sources'"):
        load_price_sources(path)


def test_common_header_spellings_and_a_ticker_named_by_the_file_are_understood(tmp_path: Path):
    write(tmp_path / "AAPL.csv", YAHOO_CSV)
    frame = pl.DataFrame(
        {
            "Symbol": ["MSFT", "MSFT"],
            "trade_date": [date(2026, 11, 16), date(2026, 11, 17)],
            "close": [400.0, 401.0],
            "adj_close": [399.0, 400.0],
            "VOLUME": [5, 6],
        }
    )
    frame.write_parquet(tmp_path / "msft.parquet")
    bars, results = read_folder(tmp_path, "drop")
    assert [r.status for r in results] == ["ok", "ok"]
    by_key = {(b.ticker, b.trade_date): b for b in bars}
    apple = by_key[("AAPL", date(2026, 11, 17))]
    assert (apple.open, apple.high, apple.low, apple.close) == (101.0, 103.0, 100.0, 102.0)
    assert (apple.adj_close, apple.volume, apple.source) == (101.5, 1200.0, "drop")
    assert by_key[("MSFT", date(2026, 11, 16))].adj_close == 399.0


def test_every_skipped_row_is_counted_by_reason_with_its_line(tmp_path: Path):
    write(
        tmp_path / "mixed.csv",
        "ticker,date,close,high,low\n"
        "AAPL,2026-11-16,101,102,100\n"  # kept
        "AAPL,,101,102,100\n"  # line 3: no date
        "AAPL,16.11.2026,101,102,100\n"  # line 4: unreadable date
        "AAPL,2026-11-17,,102,100\n"  # line 5: no close
        "AAPL,2026-11-18,-3,102,100\n"  # line 6: not positive
        "AAPL,2026-11-19,101,99,100\n"  # line 7: high below low
        "AAPL,2026-11-16,105,106,104\n"  # line 8: repeated
        ",2026-11-20,101,102,100\n"  # line 9: no ticker
        "AAPL,2026-11-20,abc,102,100\n",  # line 10: unreadable number
    )
    bars, (result,) = read_folder(tmp_path, "drop")
    assert [(b.trade_date, b.close) for b in bars] == [(date(2026, 11, 16), 101.0)]
    assert result.status == "partial" and result.rows == 1
    assert dict(result.skipped) == {
        "no date": 1,
        "unreadable date": 1,
        "no close": 1,
        "close not positive": 1,
        "high below low": 1,
        "repeated ticker and date (the first row is kept)": 1,
        "no ticker": 1,
        "unreadable number": 1,
    }
    assert "8 of 9 rows skipped" in result.message and "line 6" in result.message


def test_a_broken_file_is_reported_and_the_other_files_still_land(tmp_path: Path):
    write(tmp_path / "AAPL.csv", YAHOO_CSV)
    write(tmp_path / "notes.csv", "what,ever\n1,2\n")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    source = PriceSource("drop", "file_drop", str(tmp_path))
    window = (date(2026, 11, 16), date(2026, 11, 20))
    with httpx.Client() as client:
        bars, (outcome,) = read_all([source], client, ReadOptions(window, (), "SPY", "XNYS"))
    assert outcome.status == "partial"
    assert len(bars) == 2
    statuses = {Path(f.file.path).name: f.status for f in outcome.files}
    assert statuses == {"AAPL.csv": "ok", "broken.parquet": "error", "notes.csv": "error"}
    assert "missing required columns: trade_date, close" in outcome.message


def test_a_column_mapping_names_a_column_outright(tmp_path: Path):
    write(tmp_path / "x.csv", "sym,day,Last\nNVDA,20261116,150.5\n")
    source = PriceSource(
        "drop", "file_drop", str(tmp_path), {"columns": {"close": "Last", "ticker": "sym"}}
    )
    window = (date(2026, 11, 16), date(2026, 11, 16))
    with httpx.Client() as client:
        bars, _ = read_all([source], client, ReadOptions(window, (), "SPY", "XNYS"))
    assert [(b.ticker, b.trade_date, b.close) for b in bars] == [
        ("NVDA", date(2026, 11, 16), 150.5)
    ]
