"""One daily price bar, and the polars frame raw.prices is landed from."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

PRICE_COLUMNS: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "trade_date": pl.Date(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "adj_close": pl.Float64(),
    "volume": pl.Float64(),
    "source": pl.String(),
    "invented": pl.Boolean(),
    "run_id": pl.String(),
    "landed_at": pl.Datetime("us"),
}


class BadBar(ValueError):
    """A row that cannot be a price bar; the message is the reason counted in the log."""


@dataclass(frozen=True)
class Bar:
    ticker: str
    trade_date: date
    close: float
    open: float | None = None
    high: float | None = None
    low: float | None = None
    adj_close: float | None = None  # split- and dividend-adjusted close, where a source has it
    volume: float | None = None
    source: str = ""
    invented: bool = False


def checked(bar: Bar) -> Bar:
    """The bar, or BadBar naming what makes it unusable (a price must be positive, ...)."""
    if not bar.ticker:
        raise BadBar("no ticker")
    for name in ("open", "high", "low", "close", "adj_close", "volume"):
        value = getattr(bar, name)
        if value is not None and not math.isfinite(value):
            raise BadBar(f"{name} is not a finite number")
    if bar.close <= 0 or (bar.adj_close is not None and bar.adj_close <= 0):
        raise BadBar("close not positive")
    if bar.high is not None and bar.low is not None and bar.high < bar.low:
        raise BadBar("high below low")
    if bar.volume is not None and bar.volume < 0:
        raise BadBar("negative volume")
    return bar


def normal_ticker(value: object) -> str:
    """A symbol as the warehouse spells it: upper case, class shares with a dot (BRK.B)."""
    return str(value or "").strip().upper().replace("-", ".").replace("/", ".")


def prices_frame(bars: Iterable[Bar], run_id: str, now: datetime | None = None) -> pl.DataFrame:
    landed_at = (now or datetime.now(tz=UTC)).astimezone(UTC).replace(tzinfo=None)
    rows = [
        {
            "ticker": b.ticker,
            "trade_date": b.trade_date,
            "open": b.open,
            "high": b.high,
            "low": b.low,
            "close": b.close,
            "adj_close": b.adj_close,
            "volume": b.volume,
            "source": b.source,
            "invented": b.invented,
            "run_id": run_id,
            "landed_at": landed_at,
        }
        for b in bars
    ]
    return pl.DataFrame(rows, schema=PRICE_COLUMNS)
