"""What reading one price source for a window gives, whatever its kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import httpx

from orchestration.news.fetch import RetryPolicy
from orchestration.news.file_drop import FileResult
from orchestration.prices.bars import Bar


@dataclass(frozen=True)
class PriceRead:
    bars: list[Bar]
    status: str = "ok"  # ok | partial | error
    message: str | None = None
    files: tuple[FileResult, ...] = ()
    skipped: Mapping[str, int] = field(default_factory=dict)  # rows left out, per reason

    @classmethod
    def failed(cls, message: str) -> PriceRead:
        return cls([], "error", message)


@dataclass(frozen=True)
class ApiContext:
    """What an API source needs for one run: the client, the days, the tickers, the keys."""

    client: httpx.Client
    window: tuple[date, date]  # inclusive trading days
    tickers: tuple[str, ...]
    retry: RetryPolicy
    secrets: Mapping[str, str]


def per_ticker(
    bars: list[Bar], failures: dict[str, str], skipped: Mapping[str, int], tickers: int
) -> PriceRead:
    """One read from per-ticker requests: an error only when every ticker failed."""
    if failures and len(failures) == tickers:
        return PriceRead([], "error", _failures(failures), skipped=skipped)
    notes = []
    if failures:
        notes.append(_failures(failures))
    if skipped:
        notes.append(
            "skipped: " + ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items()))
        )
    status = "partial" if failures or skipped else "ok"
    return PriceRead(bars, status, "; ".join(notes) or None, skipped=skipped)


def _failures(failures: dict[str, str]) -> str:
    shown = "; ".join(f"{ticker}: {why}" for ticker, why in list(failures.items())[:5])
    more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
    return f"{len(failures)} tickers failed: {shown}{more}"
