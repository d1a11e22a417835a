"""Landing prices and market sessions in the warehouse, idempotently."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import polars as pl

from orchestration.news import file_drop as news_file_drop
from orchestration.prices.bars import Bar, prices_frame
from orchestration.prices.calendar import Session
from orchestration.prices.sources import PriceOutcome
from orchestration.warehouse.connection import append_rows, replace_rows

# Re-landing a day replaces that day's rows of the tickers landed now; a ticker no source
# had this time keeps what an earlier run landed (a failed request loses nothing).
_DAY_AND_TICKERS = "trade_date = ? and list_contains(?, ticker)"
_CALENDAR_RANGE = "calendar = ? and session_date between ? and ?"


def land_prices(
    con: duckdb.DuckDBPyConnection, bars: list[Bar], days: list[date], run_id: str
) -> dict[str, int]:
    """Replace each day's rows for the tickers that have a bar that day; rows per day."""
    by_day: dict[date, list[Bar]] = defaultdict(list)
    for bar in bars:
        by_day[bar.trade_date].append(bar)
    landed = {}
    for day in days:
        todays = by_day.get(day, [])
        tickers = sorted({b.ticker for b in todays})
        landed[day.isoformat()] = replace_rows(
            con, "raw.prices", prices_frame(todays, run_id), _DAY_AND_TICKERS, [day, tickers]
        )
    return landed


def land_sessions(
    con: duckdb.DuckDBPyConnection, calendar: str, first: date, last: date, found: list[Session]
) -> int:
    """Replace the calendar's sessions from `first` to `last` with `found`."""
    frame = pl.DataFrame(
        [
            {
                "calendar": s.calendar,
                "session_date": s.session_date,
                "open_at": s.open_at,
                "close_at": s.close_at,
                "early_close": s.early_close,
            }
            for s in found
        ],
        schema={
            "calendar": pl.String,
            "session_date": pl.Date,
            "open_at": pl.Datetime("us"),
            "close_at": pl.Datetime("us"),
            "early_close": pl.Boolean,
        },
    )
    return replace_rows(con, "raw.market_sessions", frame, _CALENDAR_RANGE, [calendar, first, last])


def record_files(
    con: duckdb.DuckDBPyConnection, source: str, results: list[news_file_drop.FileResult]
) -> None:
    """Every price file read, in raw.file_drop_log beside the news drop's files."""
    if results:
        news_file_drop.record_landed(con, source, results)


def record_outcomes(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[PriceOutcome],
    window: tuple[date, date],
    run_id: str,
) -> None:
    """One raw.ingestion_log row per price source, beside the news sources' rows."""
    frame = pl.DataFrame(
        {
            "run_id": [run_id] * len(outcomes),
            "window_start": [window[0]] * len(outcomes),
            "window_end": [window[1]] * len(outcomes),
            "source": [o.source for o in outcomes],
            "location": [o.location for o in outcomes],
            "status": [o.status for o in outcomes],
            "items": [o.bars for o in outcomes],
            "items_in_window": [o.bars for o in outcomes],
            "message": [o.message for o in outcomes],
        },
        schema_overrides={"message": pl.String, "window_start": pl.Date, "window_end": pl.Date},
    )
    append_rows(con, "raw.ingestion_log", frame)
