"""A full-size universe for benches, built from the SEC ticker file in ../shared/reference.

Only benches and evals use this (the product reads the universe asset's output). It is a
rough stand-in for `orchestration.analysis.universe`: display names from filing case,
share classes grouped by CIK, a guess at funds, preferreds and warrants from names and
ticker shapes, S&P 500 membership, and the packaged table's hand-written name variants.
Source: the SEC's company_tickers_exchange.json (US government data, public domain).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from orchestration.analysis.tickers import read_companies
from orchestration.analysis.universe import Company

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
SEC_FILE = SHARED / "sec_company_tickers_exchange.json"
_SUFFIX = re.compile(
    r"[,.]?\s+(?:inc|incorporated|corp|corporation|co|company|plc|ltd|limited|holdings?|"
    r"group|n\.?v|s\.?a|ag|se|llc|l\.?p|trust|/[a-z]{2}/?)\.?$",
    re.IGNORECASE,
)
_FUND = re.compile(r"\b(?:ETF|Fund|Trust|Portfolio|Index|iShares|SPDR|ProShares)\b", re.I)
_SMALL = {"of", "and", "the", "for", "&"}


def available() -> bool:
    return SEC_FILE.exists()


def display_name(filed: str) -> str:
    """ "HONEYWELL INTERNATIONAL INC" -> "Honeywell International Inc"."""
    if filed != filed.upper():
        return filed.strip()
    out = []
    for i, word in enumerate(filed.split()):
        low = word.lower()
        keep_upper = len(word) <= 3 and low not in _SMALL and word.isalpha() and i == 0
        out.append(word if keep_upper else (low if i and low in _SMALL else word.capitalize()))
    return " ".join(out)


def short_name(name: str) -> str:
    previous = None
    while previous != name:
        previous, name = name, _SUFFIX.sub("", name).strip(" ,")
    return name


def _security_type(name: str, ticker: str) -> str:
    if _FUND.search(name):
        return "fund"
    if re.search(r"-P[A-Z]?$", ticker):
        return "preferred"
    if re.search(r"-?WS?$|-WT$", ticker) and len(ticker) > 4:
        return "warrant"
    if re.search(r"-U[N]?$", ticker) and len(ticker) > 4:
        return "unit"
    return "common"


def load() -> list[Company]:
    """Every SEC ticker as a Company, the packaged S&P 500 rows' names merged in."""
    packaged = {c.symbol.replace(".", "-"): c for c in read_companies()}
    rows = json.loads(SEC_FILE.read_text("utf-8"))["data"]
    issuers: dict[int, str] = {}
    companies = []
    for cik, filed, ticker, exchange in rows:
        issuers.setdefault(cik, ticker)  # the file lists the most valuable class first
        name = display_name(filed)
        short = short_name(name)
        known = packaged.get(ticker)
        variants = tuple(dict.fromkeys([*(known.name_variants if known else ()), name, short]))
        companies.append(
            Company(
                symbol=ticker,
                name=known.name if known else short,
                sector=known.sector if known else None,
                industry=known.industry if known else None,
                cik=str(cik),
                name_variants=tuple(v for v in variants if v),
                issuer=issuers[cik],
                exchange=exchange,
                is_sp500=known is not None,
                security_type=_security_type(filed, ticker),
            )
        )
    return companies
