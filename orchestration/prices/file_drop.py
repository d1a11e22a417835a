"""A folder of daily OHLCV files (CSV, Parquet) as a price source, read with polars.

Each row needs a date, a close and a ticker (or the file is named after its one ticker,
`AAPL.csv`); open, high, low, adjusted close and volume are optional. Every skipped row is
counted by reason, with the lines of the first few, and every file read is recorded in
raw.file_drop_log like the news drop's files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.news.file_drop import (
    MAX_FILE_BYTES,
    FileResult,
    Skips,
    first_line,
    list_files,
)
from orchestration.prices.bars import BadBar, Bar
from orchestration.prices.columns import resolve_columns, row_bar

_READERS = {
    ".csv": lambda path: pl.read_csv(path, infer_schema=False),  # every column a string
    ".parquet": pl.read_parquet,
}


def read_folder(
    folder: Path, source: str, options: Mapping[str, Any] | None = None
) -> tuple[list[Bar], list[FileResult]]:
    """Bars from every readable file; a broken file is reported and the others land."""
    if not folder.is_dir():
        raise FileNotFoundError(f"price drop folder {folder} does not exist")
    mapping = dict((options or {}).get("columns") or {})
    bars: list[Bar] = []
    results: list[FileResult] = []
    for dropped in list_files(folder, _READERS):
        path = Path(dropped.path)
        try:
            found, skips = read_file(path, source, mapping)
        except Exception as exc:  # polars raises many types for a corrupt file
            results.append(FileResult(dropped, "error", 0, f"{path.name}: {first_line(exc)}"))
            continue
        note = f"{path.name}: {skips.summary(skips.total + len(found))}" if skips.total else None
        status = "partial" if skips.total else "ok"
        results.append(FileResult(dropped, status, len(found), note, dict(skips.counts)))
        bars.extend(found)
    return bars, results


def read_file(path: Path, source: str, mapping: Mapping[str, str]) -> tuple[list[Bar], Skips]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"over the {MAX_FILE_BYTES:,} byte limit")
    suffix = path.suffix.lower()
    frame = _READERS[suffix](path)
    first_line_no, unit = (2, "line") if suffix == ".csv" else (1, "row")
    return frame_bars(frame, source, mapping, path.stem, first_line_no, unit)


def frame_bars(
    frame: pl.DataFrame,
    source: str,
    mapping: Mapping[str, str],
    ticker: str | None,
    first_line_no: int = 2,
    unit: str = "line",
) -> tuple[list[Bar], Skips]:
    """Bars from a frame of price rows; without a ticker column, every row is `ticker`'s."""
    columns = resolve_columns(frame.columns, mapping, needs_ticker=ticker is None)
    bars: list[Bar] = []
    seen: set[tuple[str, object]] = set()
    skips = Skips(unit)
    for index, row in enumerate(frame.iter_rows(named=True)):
        try:
            bar = row_bar(row, columns, source, ticker)
            if (bar.ticker, bar.trade_date) in seen:
                raise BadBar("repeated ticker and date (the first row is kept)")
        except BadBar as bad:
            skips.add(str(bad), index + first_line_no, None)
            continue
        seen.add((bar.ticker, bar.trade_date))
        bars.append(bar)
    return bars, skips
