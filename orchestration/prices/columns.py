"""Which column of a price file holds which field, and turning one row into a Bar.

Exports name their columns many ways (Yahoo's `Date,Open,...,Adj Close,Volume`, Stooq's
`Date,...,Volume`, `adj_close`, `Symbol`). Names are compared after lower-casing and turning
spaces and dashes into underscores; a source's `columns:` option names a column outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from orchestration.news.config_keys import suggestion
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
FIELDS = tuple(ALIASES)
_NUMBERS = ("open", "high", "low", "close", "adj_close", "volume")
_MISSING = frozenset({"", "null", "none", "nan", "n/a", "na", "-"})
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class ColumnError(ValueError):
    """A file lacks a required field, or a mapping names a column it does not have."""


def column_map_problems(mapping: object) -> list[str]:
    """What is wrong with a source's `columns:` option (field -> the file's column)."""
    if not isinstance(mapping, Mapping):
        return ["columns must map field names to column names, e.g. {close: Last}"]
    problems = []
    for field, column in mapping.items():
        if field not in ALIASES:
            problems.append(f"columns: unknown field {field!r} ({suggestion(str(field), FIELDS)})")
        elif not isinstance(column, str) or not column:
            problems.append(f"columns.{field} must be a column name, not {column!r}")
    return problems


def _plain(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def resolve_columns(
    present: Sequence[str], mapping: Mapping[str, str] | None = None, needs_ticker: bool = True
) -> dict[str, str]:
    """field -> the file's column for every field found; a ColumnError when unusable."""
    mapping = mapping or {}
    by_plain = {_plain(column): column for column in present}
    chosen: dict[str, str] = {}
    for field, aliases in ALIASES.items():
        if field in mapping:
            if mapping[field] not in present:
                raise ColumnError(
                    f"columns.{field} names {mapping[field]!r}, which the file does not have "
                    f"(it has: {', '.join(present)})"
                )
            chosen[field] = mapping[field]
            continue
        taken = set(chosen.values()) | set(mapping.values())
        for alias in aliases:
            column = by_plain.get(alias)
            if column is not None and column not in taken:
                chosen[field] = column
                break
    required = ("trade_date", "close", "ticker") if needs_ticker else ("trade_date", "close")
    missing = [f for f in required if f not in chosen]
    if missing:
        raise ColumnError(
            f"missing required columns: {', '.join(missing)} (it has: {', '.join(present)}; "
            "map yours with the source's `columns:` option)"
        )
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
