"""What a listed ticker is: a company's shares, a foreign company's, a fund, or another instrument.

The SEC's ticker file says none of this, so it is read from the ticker and the filed name:

- preferred / warrant / unit / right: the SEC's suffixes ("BAC-PK", "XYZ-WT", "GRP-UN",
  "ABC-RI"), or a Nasdaq fifth letter (W warrant, U unit, R right, P/O/N/M preferred,
  G/H/I/L/Z note) when the four-letter base ticker is listed for the same CIK.
- note: trust certificates repackaging another company's bonds (STRATS, PPLUS, CORTS).
- fund: a fund word (Fund, ETF, ETN) or a fund family (iShares, SPDR, ProShares, ...) next to
  "Trust"/"Shares"; "Trust" alone never makes a fund, so Northern Trust, Truist, Wintrust,
  REITs and royalty trusts stay companies. Plus a curated list (SPY, QQQ, GLD, ...).
- adr: a non-US company listed in the US. A legal form used only abroad (PLC, AG, SE, N.V.,
  S.A., ASA, AB, Oyj, ...), "Ltd" on the OTC market, an OTC five-letter ticker ending in Y
  (sponsored ADR) or F (foreign ordinary share), or a curated list. Limits: S&P 500 members
  are always "common" (Medtronic plc and Linde plc file as US companies); a foreign company
  named "Inc." or "Corp" (Sony Group Corp, Toyota Motor Corp, Baidu Inc.) is only an adr if
  curated; an Irish- or Bermuda-registered company run from the US that is not in the S&P
  500 is an adr by its legal form.
"""

from __future__ import annotations

import re

from orchestration.analysis.company_names import FOREIGN_FORMS, split_legal_form, words

_SUFFIX_TYPES = (
    (re.compile(r"-P[A-Z]*$"), "preferred"),
    (re.compile(r"-WT[A-Z]?$|-WS$"), "warrant"),
    (re.compile(r"-UN?$"), "unit"),
    (re.compile(r"-RI?$|-RT$"), "right"),
)
_FIFTH_LETTER = {"W": "warrant", "U": "unit", "R": "right"}
_FIFTH_LETTER.update(dict.fromkeys("PONM", "preferred"))
_FIFTH_LETTER.update(dict.fromkeys("GHILZ", "note"))
_NOTE_NAME = re.compile(r"\b(?:STRATS|PPLUS|CORTS|SATURNS|DEPOSITOR)\b", re.I)
_FUND_WORD = re.compile(r"\b(?:FUNDS?|ETFS?|ETNS?|ETP|INDEX TRACKING)\b", re.I)
_FUND_FAMILY = re.compile(
    r"\b(?:ISHARES|SPDR|PROSHARES|DIREXION|WISDOMTREE|VANECK|GRANITESHARES|CURRENCYSHARES|"
    r"TEUCRIUM|GRAYSCALE|OSPREY|SPROTT PHYSICAL|BLACKROCK|NUVEEN|GABELLI|ROYCE|EATON VANCE|"
    r"INVESCO|FRANKLIN|JOHN HANCOCK|WESTERN ASSET|ABRDN|PIMCO|CALAMOS|COHEN & STEERS)\b",
    re.I,
)
_FUND_VEHICLE = re.compile(r"\b(?:TRUST|SHARES|PORTFOLIO)\b", re.I)
# Closed-end and grantor trusts whose names say what they hold.
_HOLDINGS_TRUST = re.compile(
    r"\b(?:GOLD|SILVER|PLATINUM|PALLADIUM|BITCOIN|ETHER(?:EUM)?|SOLANA|XRP|CRYPTO|COMMODITY|"
    r"MUNICIPALS?|BOND|CARBON ALLOWANCE)\b.*\bTRUST\b",
    re.I,
)
_OPERATING = re.compile(r"\b(?:INVESTMENTS|MORTGAGE CAPITAL|RESOURCES)\b", re.I)

# Funds the rules above would miss or that news names most.
CURATED_FUNDS = frozenset({"SPY", "QQQ", "GLD", "IWM", "DIA", "SLV", "IAU", "USO", "MDY", "GBTC"})
# Non-US companies the name rules miss ("Corp", "Inc.", no suffix); all US-listed.
CURATED_ADRS = words(
    "SONY TM HMC MUFG SMFG MFG NMR TSM BABA PDD JD BIDU NTES BILI TME LI NIO XPEV YMM "
    "INFY WIT HDB IBN TD RY BMO BNS CM ENB CNI CP CNQ SU TRP SHOP TRI MFC SLF BAM BN "
    "NVO AZN HSBC UL DEO GSK RIO BHP BTI SNY TTE UBS ING LYG NWG SAN BBVA E EQNR PHG "
    "NOK ERIC SPOT ARM CRH SE GRAB NU STLA RACE MT"
)


def instrument_type(symbol: str, cik_symbols: set[str]) -> str | None:
    """preferred / warrant / unit / right / note from the ticker alone, or None."""
    if "-" in symbol:
        for pattern, kind in _SUFFIX_TYPES:
            if pattern.search(symbol):
                return kind
        return None
    if len(symbol) == 5 and symbol.isalpha() and symbol[:4] in cik_symbols:
        return _FIFTH_LETTER.get(symbol[4])
    return None


def security_type(
    symbol: str, filed_name: str, exchange: str | None, cik_symbols: set[str], is_sp500: bool
) -> str:
    """One of universe.SECURITY_TYPES; `cik_symbols` are all tickers of the same filer."""
    if is_sp500:  # GOOGL is a class of Alphabet, not a note of GOOG
        return "common"
    if instrument := instrument_type(symbol, cik_symbols):
        return instrument
    if _NOTE_NAME.search(filed_name):
        return "note"
    if symbol in CURATED_FUNDS or is_fund_name(filed_name):
        return "fund"
    if symbol in CURATED_ADRS or _is_foreign(symbol, filed_name, exchange):
        return "adr"
    return "common"


def is_fund_name(filed_name: str) -> bool:
    """Whether a filed name is a fund's: "SPDR GOLD TRUST" yes, "NORTHERN TRUST CORP" no."""
    if _FUND_WORD.search(filed_name) or _HOLDINGS_TRUST.search(filed_name):
        return True
    # "Invesco Ltd." and "Grayscale Investments, Inc." are the fund managers themselves.
    return bool(
        _FUND_FAMILY.search(filed_name)
        and _FUND_VEHICLE.search(filed_name)
        and not _OPERATING.search(filed_name)
    )


def _is_foreign(symbol: str, filed_name: str, exchange: str | None) -> bool:
    _, form = split_legal_form(filed_name)
    if form in FOREIGN_FORMS:
        return True
    if exchange == "OTC":
        return form in {"ltd", "ltd.", "limited"} or (len(symbol) == 5 and symbol[4] in "YF")
    return False
