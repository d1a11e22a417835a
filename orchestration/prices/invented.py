"""INVENTED daily prices for the demo: deterministic, labelled, never real.

Each demo ticker's next-session return is beta * market + k * the tone of its news on the
session before + noise, so the demo's sentiment leads its returns visibly but not
perfectly. The tone per ticker and day (orchestration/demo/price_tone.csv) encodes the
invented storyline of orchestration/demo/README.md, not the pipeline's scores, so the
prices never depend on which analyzer ran. Every random draw is seeded by (seed, ticker,
day): any day's bar is the same whichever range it is generated in.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.prices.bars import Bar
from orchestration.prices.calendar import sessions

SOURCE = "invented-demo"
DEFAULT_SEED = 16
# Sessions before the first tone day the walks start at, so every demo day has history.
LEAD_IN_DAYS = 60
MARKET_DRIFT, MARKET_VOL = 0.0004, 0.009
TONE_EFFECT = 0.012  # the return a whole-session tone of +1 adds to the next session
NOISE_VOL = 0.011


@dataclass(frozen=True)
class Storyline:
    """The demo's tone per ticker and day, and the walks' common start."""

    tone: dict[tuple[str, date], float]
    tickers: tuple[str, ...]
    start: date

    @classmethod
    def from_csv(cls, path: Path) -> Storyline:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            raise ValueError(f"{path} has no tone rows")
        tone = {
            (row["ticker"].strip().upper(), date.fromisoformat(row["date"])): float(row["tone"])
            for row in rows
        }
        tickers = tuple(sorted({ticker for ticker, _ in tone}))
        first = min(day for _, day in tone)
        return cls(tone, tickers, first - timedelta(days=LEAD_IN_DAYS))


def invented_bars(
    storyline: Storyline,
    tickers: list[str] | tuple[str, ...],
    window: tuple[date, date],
    benchmark: str,
    calendar: str,
    seed: int = DEFAULT_SEED,
) -> list[Bar]:
    """Bars of the window's sessions for the demo tickers and the benchmark asked for."""
    wanted = [t for t in dict.fromkeys(tickers) if t in storyline.tickers or t == benchmark]
    if not wanted or window[1] < storyline.start:
        return []
    days = [s.session_date for s in sessions(calendar, storyline.start, window[1])]
    market = [_draw(seed, "market", day, MARKET_DRIFT, MARKET_VOL) for day in days]
    bars = []
    for ticker in wanted:
        close = _start_price(seed, ticker)
        beta = 1.0 if ticker == benchmark else _beta(seed, ticker)
        for index, day in enumerate(days):
            previous = close
            told = storyline.tone.get((ticker, days[index - 1]), 0.0) if index else 0.0
            noise = 0.0 if ticker == benchmark else _draw(seed, ticker, day, 0.0, NOISE_VOL)
            close = previous * math.exp(beta * market[index] + TONE_EFFECT * told + noise)
            if day >= window[0]:
                bars.append(_bar(seed, ticker, day, previous, close))
    return bars


def _bar(seed: int, ticker: str, day: date, previous: float, close: float) -> Bar:
    rng = random.Random(f"{seed}:{ticker}:{day.isoformat()}:bar")
    open_ = previous * math.exp(rng.gauss(0.0, 0.004))
    high = max(open_, close) * (1 + abs(rng.gauss(0.0, 0.006)))
    low = min(open_, close) * (1 - abs(rng.gauss(0.0, 0.006)))
    volume = float(round(rng.lognormvariate(16.0, 0.35)))
    rounded = round(close, 4)
    return Bar(
        ticker,
        day,
        rounded,
        open=round(open_, 4),
        high=round(high, 4),
        low=round(low, 4),
        adj_close=rounded,
        volume=volume,
        source=SOURCE,
        invented=True,
    )


def _draw(seed: int, name: str, day: date, mean: float, sd: float) -> float:
    return random.Random(f"{seed}:{name}:{day.isoformat()}").gauss(mean, sd)


def _unit(seed: int, ticker: str, what: str) -> float:
    digest = hashlib.sha256(f"{seed}:{ticker}:{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _start_price(seed: int, ticker: str) -> float:
    return 40.0 + 360.0 * _unit(seed, ticker, "price")


def _beta(seed: int, ticker: str) -> float:
    return 0.7 + 0.7 * _unit(seed, ticker, "beta")
