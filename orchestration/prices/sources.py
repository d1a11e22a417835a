"""The configured price sources (prices.yaml), and reading all of them for a window.

The file follows sources.yaml's conventions: a `sources:` list of entries with a name, a
kind, a location and `enabled`; a misspelt key is an error naming the closest valid one.
Sources are listed in order of preference: for a ticker and day, the first source that has
a bar wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from orchestration.news.fetch import NO_RETRY, RetryPolicy
from orchestration.news.normalize import redact_url
from orchestration.news.source_entries import EntryRules, common_value_problems, read_entries
from orchestration.prices import file_drop, polygon_aggs, stooq
from orchestration.prices.api import ApiContext, PriceRead
from orchestration.prices.bars import Bar
from orchestration.prices.columns import column_map_problems
from orchestration.prices.invented import DEFAULT_SEED, Storyline, invented_bars

_KIND_KEYS = {
    "file_drop": frozenset({"columns"}),
    "polygon": frozenset({"api_key_env", "requests_per_minute"}),
    "stooq": frozenset({"api_key_env", "requests_per_minute", "market"}),
    "invented": frozenset({"seed"}),
}


class PriceSourcesError(Exception):
    """prices.yaml is missing, unreadable or names something we cannot use."""


@dataclass(frozen=True)
class PriceSource:
    name: str
    kind: str
    location: str  # an http(s) base URL, a folder, or the demo's tone file
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PriceOutcome:
    """How reading one source went: what the asset's metadata and log show."""

    source: str
    location: str  # redacted: safe for logs
    status: str  # ok | partial | error
    bars: int
    message: str | None = None
    files: tuple[file_drop.FileResult, ...] = ()
    skipped: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadOptions:
    window: tuple[date, date]  # inclusive days
    tickers: tuple[str, ...]  # what API sources ask for; file drops land all they hold
    benchmark: str
    calendar: str
    retry: RetryPolicy = NO_RETRY
    secrets: Mapping[str, str] = field(default_factory=dict)  # env var name -> value


def load_price_sources(path: Path) -> list[PriceSource]:
    """Enabled sources from a YAML file; relative locations are relative to that file."""
    return [PriceSource(e.name, e.kind, e.location, e.options) for e in read_entries(path, _RULES)]


def _bad_values(item: dict[str, Any]) -> list[str]:
    problems = common_value_problems(item, column_map_problems)
    if "seed" in item and (isinstance(item["seed"], bool) or not isinstance(item["seed"], int)):
        problems.append(f"seed must be a whole number, not {item['seed']!r}")
    return problems


_RULES = EntryRules("price sources file", _KIND_KEYS, "", _bad_values, PriceSourcesError)


def key_names(sources: list[PriceSource]) -> set[str]:
    """The environment variables holding the sources' API keys."""
    names = {str(s.options["api_key_env"]) for s in sources if "api_key_env" in s.options}
    if any(s.kind == "polygon" and "api_key_env" not in s.options for s in sources):
        names.add(polygon_aggs.DEFAULT_KEY_ENV)
    return names


def read_all(
    sources: list[PriceSource], client: httpx.Client, options: ReadOptions
) -> tuple[list[Bar], list[PriceOutcome]]:
    """One bar per ticker and day of the window, the first source's; one outcome per source.

    A failing source, or a failing ticker of an API source, never stops the others.
    """
    chosen: dict[tuple[str, date], Bar] = {}
    outcomes = []
    for source in sources:
        read = _read(source, client, options)
        inside = [b for b in read.bars if options.window[0] <= b.trade_date <= options.window[1]]
        for bar in inside:
            chosen.setdefault((bar.ticker, bar.trade_date), bar)
        outcomes.append(
            PriceOutcome(
                source.name,
                redact_url(source.location),
                read.status,
                len(inside),
                read.message,
                read.files,
                read.skipped,
            )
        )
    return sorted(chosen.values(), key=lambda b: (b.trade_date, b.ticker)), outcomes


def _read(source: PriceSource, client: httpx.Client, options: ReadOptions) -> PriceRead:
    ctx = ApiContext(client, options.window, options.tickers, options.retry, options.secrets)
    try:
        if source.kind == "polygon":
            return polygon_aggs.read(source.name, source.location, source.options, ctx)
        if source.kind == "stooq":
            return stooq.read(source.name, source.location, source.options, ctx)
        if source.kind == "file_drop":
            return _read_drop(source)
        storyline = Storyline.from_csv(Path(source.location))
        seed = int(source.options.get("seed", DEFAULT_SEED))
        bars = invented_bars(
            storyline, options.tickers, options.window, options.benchmark, options.calendar, seed
        )
        return PriceRead(bars)
    except (OSError, ValueError, KeyError) as exc:
        return PriceRead.failed(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a parser bug on one source must not stop the others
        return PriceRead.failed(f"unexpected {type(exc).__name__}: {exc}")


def _read_drop(source: PriceSource) -> PriceRead:
    bars, files = file_drop.read_folder(Path(source.location), source.name, source.options)
    skipped: dict[str, int] = {}
    for result in files:
        for reason, count in result.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + count
    notes = "; ".join(r.message for r in files if r.message) or None
    if files and all(f.status == "error" for f in files):
        return PriceRead([], "error", notes, tuple(files), skipped)
    status = "ok" if all(f.status == "ok" for f in files) else "partial"
    return PriceRead(bars, status, notes, tuple(files), skipped)
