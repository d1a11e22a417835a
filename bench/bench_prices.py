"""How landing prices scales: a 2-year backfill of 500 tickers, and one day on top of it.

    .venv/bin/python bench/bench_prices.py [--tickers 500] [--years 2] [--repeat 3]

Writes a file drop of daily bars (one CSV per ticker, Yahoo's header) for every XNYS
session of the period, then times what `raw_prices` does with it in a temporary DuckDB:
reading the folder (the row-by-row checks that count skipped rows), landing every day of
the range in one run, and re-landing the last day, on the full history and on an empty
table (the ratio says whether a daily run grows with the history). Medians of --repeat.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from orchestration.prices.calendar import sessions
from orchestration.prices.file_drop import read_folder
from orchestration.prices.landing import land_prices
from orchestration.warehouse import connection as warehouse

LAST_DAY = date(2026, 11, 20)


def _median_s(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _write_drop(folder: Path, tickers: int, days: list[date]) -> None:
    for n in range(tickers):
        lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
        for i, day in enumerate(days):
            close = 50.0 + n % 300 + (i % 17) * 0.5
            lines.append(f"{day},{close - 1},{close + 1},{close - 2},{close},{close},{1000 + i}")
        (folder / f"T{n:04d}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first = LAST_DAY - timedelta(days=365 * args.years)
    days = [s.session_date for s in sessions("XNYS", first, LAST_DAY)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "drop"
        folder.mkdir()
        _write_drop(folder, args.tickers, days)
        read_s = _median_s(lambda: read_folder(folder, "bench"), args.repeat)
        bars, _ = read_folder(folder, "bench")
        last = [b for b in bars if b.trade_date == days[-1]]
        with warehouse.connect(Path(tmp) / "full.duckdb") as con:
            backfill_s = _median_s(lambda: land_prices(con, bars, days, "bench"), args.repeat)
            rows = con.execute("select count(*) from raw.prices").fetchone()[0]
            day_full_s = _median_s(lambda: land_prices(con, last, days[-1:], "b"), args.repeat)
        with warehouse.connect(Path(tmp) / "empty.duckdb") as con:
            day_empty_s = _median_s(lambda: land_prices(con, last, days[-1:], "b"), args.repeat)
    print(f"{args.tickers} tickers x {len(days)} sessions = {len(bars):,} bars ({rows:,} rows)")
    print(f"read the drop folder:              {read_s:8.2f} s ({len(bars) / read_s:,.0f} rows/s)")
    print(f"land the whole range in one run:   {backfill_s:8.2f} s")
    print(f"re-land the last day, full table:  {day_full_s * 1000:8.1f} ms")
    print(f"re-land the last day, empty table: {day_empty_s * 1000:8.1f} ms")
    print(f"ratio full / empty:                {day_full_s / day_empty_s:8.2f}x")


if __name__ == "__main__":
    main()
