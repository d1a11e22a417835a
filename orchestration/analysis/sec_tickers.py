"""The SEC's ticker file (company_tickers_exchange.json): reading it, and fetching a fresh one.

Layout: {"fields": ["cik", "name", "ticker", "exchange"], "data": [[320193, "Apple Inc.",
"AAPL", "Nasdaq"], ...]}, ordered by the SEC roughly by market value, largest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

import httpx

from orchestration.news.fetch import FetchError, fetch

DEFAULT_URL = "https://www.sec.gov/files/company_tickers_exchange.json"
SNAPSHOT = "sec_company_tickers_exchange.json"
SNAPSHOT_DATE = "2025-12"  # when the shipped copy was taken (data/README.md)
MAX_BYTES = 20 * 1024 * 1024  # the real file is about 0.5 MB
MIN_ROWS = 5_000  # the real file has about 10,000
_FIELDS = ["cik", "name", "ticker", "exchange"]


class SecFileError(ValueError):
    """The SEC file is not what we expect: the message says where."""


@dataclass(frozen=True)
class SecRecord:
    cik: str  # without leading zeros, as the SEC writes it in this file
    name: str  # as filed: "HONEYWELL INTERNATIONAL INC"
    ticker: str  # "BRK-B"
    exchange: str | None  # "Nasdaq", "NYSE", "OTC", "CBOE" or None


def parse(content: bytes) -> list[SecRecord]:
    """Records of the SEC file, in its order; duplicate tickers keep their first row."""
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SecFileError(f"SEC ticker file is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("fields") != _FIELDS:
        raise SecFileError(f"SEC ticker file does not have fields {_FIELDS}")
    records: list[SecRecord] = []
    seen: set[str] = set()
    for number, row in enumerate(document.get("data") or []):
        if not (isinstance(row, list) and len(row) == 4 and row[0] and row[2]):
            raise SecFileError(f"SEC ticker file row {number} is malformed: {row!r:.120}")
        cik, name, ticker, exchange = row
        ticker = str(ticker).strip().upper()
        if ticker in seen:
            continue
        seen.add(ticker)
        records.append(SecRecord(str(int(cik)), str(name).strip(), ticker, exchange or None))
    if not records:
        raise SecFileError("SEC ticker file has no rows")
    return records


def read_snapshot() -> list[SecRecord]:
    """The copy shipped with the package."""
    source = resources.files("orchestration.analysis") / "data" / SNAPSHOT
    return parse(source.read_bytes())


def download(
    url: str,
    user_agent: str,
    client: httpx.Client,
    max_bytes: int = MAX_BYTES,
    min_rows: int = MIN_ROWS,
) -> list[SecRecord]:
    """A fresh file from the SEC, which asks automated clients for a contact User-Agent."""
    if not user_agent.strip():
        raise FetchError("no User-Agent for the SEC: set TICKERPULSE_SEC_USER_AGENT")
    fetched = fetch(url, client, max_bytes, headers={"User-Agent": user_agent})
    records = parse(fetched.content)
    # A cut-off or wrong file must not replace thousands of listings with a few.
    if len(records) < min_rows:
        raise SecFileError(f"SEC ticker file has {len(records)} rows, fewer than {min_rows}")
    return records


@dataclass(frozen=True)
class SecFile:
    records: list[SecRecord]
    source: str  # "download 2026-12-01" or "snapshot 2025-12"
    error: str | None = None  # why a configured download was not used


def current_file(
    url: str,
    user_agent: str | None,
    client: httpx.Client,
    max_bytes: int = MAX_BYTES,
    min_rows: int = MIN_ROWS,
) -> SecFile:
    """The SEC's current file when a User-Agent is set and the download works, else the snapshot."""
    if not user_agent:
        return SecFile(read_snapshot(), f"snapshot {SNAPSHOT_DATE}")
    try:
        records = download(url, user_agent, client, max_bytes, min_rows)
    except (FetchError, SecFileError) as exc:
        return SecFile(read_snapshot(), f"snapshot {SNAPSHOT_DATE}", str(exc))
    return SecFile(records, f"download {date.today().isoformat()}")
