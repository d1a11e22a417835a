"""The reference universe: every listed company we can report on, and what it is called.

These records are the contract between the reference data (built from the SEC's ticker
file and the S&P 500 list) and the matcher that finds companies in text (tickers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# What a listed security is. Only "common" and "adr" are companies the news is about;
# funds (ETFs, closed-end funds, trusts such as SPY, QQQ, GLD) are never the subject of an
# index or asset word, and the rest are other instruments of an issuer.
SECURITY_TYPES = ("common", "adr", "fund", "preferred", "warrant", "unit", "right", "note")


@dataclass(frozen=True)
class Company:
    """One listed ticker. Share classes of one issuer are separate rows with one issuer."""

    symbol: str  # as the SEC writes it: "AAPL", "BRK-B", "GOOGL"
    name: str  # clean display name: "Honeywell International", "Berkshire Hathaway"
    sector: str | None  # GICS sector where known (S&P 500 list), else None
    industry: str | None
    cik: str
    name_variants: tuple[str, ...] = ()  # names the press uses, longest first
    issuer: str = ""  # the issuer's primary ticker: GOOG -> "GOOGL", BRK-A -> "BRK-B"
    exchange: str | None = None  # "Nasdaq", "NYSE", "OTC", "CBOE" or None
    is_sp500: bool = False
    security_type: str = "common"
    delisted: bool = False  # gone from the SEC file but still referenced by articles


@dataclass(frozen=True)
class Alias:
    """A curated name or ticker for a company: brand, short name, former name or ticker.

    `valid_to` ends a former name ("Facebook" -> META until 2021-10-28 as a name, FB as a
    ticker until 2022-06-09); text dated after it is still read, since the press keeps
    using old names, but a former *ticker* is only trusted in text dated before `valid_to`
    or when the text says "formerly".
    """

    alias: str
    symbol: str
    kind: str  # "brand", "short_name", "former_name", "former_ticker"
    valid_from: date | None = None
    valid_to: date | None = None
