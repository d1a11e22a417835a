"""Which column of a price file holds which field, and turning one row into a Bar.

Exports name their columns many ways (Yahoo's `Date,Open,...,Adj Close,Volume`, Stooq's
`Date,...,Volume`, `adj_close`, `Symbol`). Names are compared after lower-casing and turning
spaces and dashes into underscores; a source's `columns:` option names a column outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from orchestration.news.drop_columns import (
    mapping_problems,
    pick_columns,
    require_columns,
)
from orchestration.prices.bars import BadBar, Bar, checked, normal_ticker

# First match wins, so the most specific names come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "trade_date": ("trade_date", "date", "day", "session", "timestamp", "datetime", "time"),
    "ticker": ("ticker", "symbol", "code", "instrument"),
    "open": ("open", "o", "open_price"),
    "high": ("high", "h", "high_price"),
    "low": ("low", "l", "low_price"),
    "close": ("close", "c", "close_price", "last"),
    "adj_close": ("adj_close", "adjclose", "adjusted_close", "adj_close_price", "close_adj"),
    "volume": ("volume", "vol", "v"),
}  # fmt: skip
_NUMBERS = ("open", "high", "low", "close", "adj_close", "volume")
_MISSING = frozenset({"", "null", "none", "nan", "n/a", "na", "-"})
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def column_map_problems(mapping: object) -> list[str]:
    """What is wrong with a source's `columns:` option (field -> the file's column)."""
    return mapping_problems(mapping, ALIASES, "{close: Last}")


def _plain(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def resolve_columns(
    present: Sequence[str], mapping: Mapping[str, str] | None = None, needs_ticker: bool = True
) -> dict[str, str]:
    """field -> the file's column for every field found; a ColumnError when unusable."""
    chosen = pick_columns(present, ALIASES, mapping, _plain)
    required = ("trade_date", "close", "ticker") if needs_ticker else ("trade_date", "close")
    require_columns([f for f in required if f not in chosen], present)
    return chosen


def row_bar(
    row: Mapping[str, object],
    columns: Mapping[str, str],
    source: str,
    ticker: str | None = None,
) -> Bar:
    """A checked Bar from one row; BadBar with the reason when the row cannot be one.

    `ticker` is used when the file has no ticker column (one file per symbol).
    """
    symbol = normal_ticker(row.get(columns["ticker"]) if "ticker" in columns else ticker)
    if not symbol:
        raise BadBar("no ticker")
    day = parse_day(row.get(columns["trade_date"]))
    values = {
        name: _number(row.get(columns[name])) if name in columns else None for name in _NUMBERS
    }
    close = values.pop("close")
    if close is None:
        raise BadBar("no close")
    return checked(Bar(symbol, day, close, source=source, **values))


def parse_day(value: object) -> date:
    """A trading day from a date, a datetime or text (ISO, YYYYMMDD, M/D/YYYY)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    if text.lower() in _MISSING:
        raise BadBar("no date")
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if match := _US_DATE.match(text):
            return date(int(match[3]), int(match[1]), int(match[2]))
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise BadBar("unreadable date") from None


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    if text.lower() in _MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        raise BadBar("unreadable number") from None
