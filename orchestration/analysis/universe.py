"""The reference universe: every listed company we can report on, and what it is called.

These records are the contract between the reference data (built from the SEC's ticker
file and the S&P 500 list) and the matcher that finds companies in text (tickers.py).

How the universe is built (`build_universe`):
- one Company per SEC ticker, plus S&P 500 members the SEC copy lacks and the curated
  extra listings (delisted companies, series ETFs);
- the tickers of one CIK share an issuer: its S&P 500 ticker, else its first share class
  in the SEC's order (by market value), so GOOG -> GOOGL and BRK-A -> BRK-B;
- names: the S&P 500 spelling where there is one, else the filed name cleaned
  (company_names.py); `name_variants` only on the issuer's row: clean names, the names
  without "Group"/"Holdings", curated brand and short names, longest first;
- types from the ticker and filed name (security_types.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from orchestration.analysis.company_names import clean_name, is_generic, short_name
from orchestration.analysis.sec_tickers import SecRecord, read_snapshot
from orchestration.analysis.security_types import security_type

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


ALIAS_KINDS = ("brand", "short_name", "former_name", "former_ticker")
_DATA = resources.files("orchestration.analysis") / "data"
SP500_FILE = "sp500_constituents.csv"
ALIASES_FILE = "aliases.csv"
EXTRA_LISTINGS_FILE = "extra_listings.csv"
# Names the press uses for a company: these join its name_variants; former names do not,
# since the matcher decides by date whether an old name still means the company.
_CURRENT_KINDS = frozenset({"brand", "short_name"})


class ReferenceFileError(ValueError):
    """A curated reference file is malformed: the message names the file and line."""


@dataclass(frozen=True)
class Sp500Row:
    symbol: str  # in the SEC's notation: "BRK-B", not "BRK.B"
    name: str  # "Alphabet Inc. (Class A)"
    sector: str | None
    industry: str | None
    cik: str


def load_universe() -> tuple[list[Company], list[Alias]]:
    """The universe from the shipped SEC snapshot, S&P 500 list and curated files."""
    companies, aliases = _snapshot_universe()
    return list(companies), list(aliases)


@cache
def _snapshot_universe() -> tuple[tuple[Company, ...], tuple[Alias, ...]]:
    companies, aliases = build_universe(read_snapshot())
    return tuple(companies), tuple(aliases)


def build_universe(
    sec: list[SecRecord],
    sp500: list[Sp500Row] | None = None,
    aliases: list[Alias] | None = None,
    extra: list[Company] | None = None,
) -> tuple[list[Company], list[Alias]]:
    """Companies and the aliases that name one of them, from the SEC's records.

    The shipped S&P 500 list and curated files are used unless others are given. The S&P
    500 list is newer than any SEC snapshot we ship and wins where they disagree on a
    symbol (its CIK, name and sector are taken).
    """
    sp500 = read_sp500() if sp500 is None else sp500
    aliases = read_aliases() if aliases is None else aliases
    extra = read_extra_listings() if extra is None else extra
    listings = _listings(sec, sp500)
    sp_by_cik: dict[str, Sp500Row] = {}
    for row in sp500:
        sp_by_cik.setdefault(row.cik, row)
    by_cik: dict[str, list[_Listing]] = {}
    for listing in listings:
        by_cik.setdefault(listing.cik, []).append(listing)
    current = _current_names(aliases)
    companies: list[Company] = []
    for cik, group in by_cik.items():
        companies.extend(_issuer_rows(cik, group, sp_by_cik.get(cik), current))
    known = {c.symbol for c in companies}
    for company in extra:
        if company.symbol not in known:
            known.add(company.symbol)
            variants = _variants([company.name], current.get(company.symbol, []))
            companies.append(replace(company, name_variants=variants))
    companies.sort(key=lambda c: c.symbol)
    return companies, [a for a in aliases if a.symbol in known]


@dataclass(frozen=True)
class _Listing:
    symbol: str
    cik: str
    filed_name: str
    exchange: str | None
    sp500: Sp500Row | None


def _listings(sec: list[SecRecord], sp500: list[Sp500Row]) -> list[_Listing]:
    """SEC rows in the SEC's order, S&P 500 rows overriding theirs, then S&P-only rows."""
    by_symbol = {row.symbol: row for row in sp500}
    listings = []
    for record in sec:
        sp = by_symbol.pop(record.ticker, None)
        cik = sp.cik if sp else record.cik
        name = sp.name if sp and sp.cik != record.cik else record.name
        listings.append(_Listing(record.ticker, cik, name, record.exchange, sp))
    listings.extend(_Listing(sp.symbol, sp.cik, sp.name, None, sp) for sp in by_symbol.values())
    return listings


def _issuer_rows(
    cik: str, group: list[_Listing], sp: Sp500Row | None, current: dict[str, list[str]]
) -> list[Company]:
    """One row per listing of a filer, all under one issuer symbol."""
    symbols = {listing.symbol for listing in group}
    types = {
        listing.symbol: security_type(
            listing.symbol, listing.filed_name, listing.exchange, symbols, listing.sp500 is not None
        )
        for listing in group
    }
    primary = _primary(group, types)
    names = [clean_name(primary.filed_name)]
    if sp is not None:
        names.insert(0, clean_name(sp.name))
    aliases = [a for listing in group for a in current.get(listing.symbol, [])]
    # A curated spelling beats proper-casing a filing: "AstraZeneca", not "Astrazeneca".
    names = [next((a for a in aliases if a.lower() == n.lower()), n) for n in names]
    variants = _variants(names, aliases)
    return [
        Company(
            symbol=listing.symbol,
            name=names[0],
            sector=sp.sector if sp else None,
            industry=sp.industry if sp else None,
            cik=cik,
            name_variants=variants if listing is primary else (),
            issuer=primary.symbol,
            exchange=listing.exchange,
            is_sp500=listing.sp500 is not None,
            security_type=types[listing.symbol],
        )
        for listing in group
    ]


def _primary(group: list[_Listing], types: dict[str, str]) -> _Listing:
    """The issuer's ticker: its first S&P 500 class, else its first share class, else its first.

    "First" is in the SEC file's order, which is by market value: GOOGL before GOOG, BRK-B
    before BRK-A, so the most traded class leads.
    """
    for candidates in (
        [g for g in group if g.sp500 is not None],
        [g for g in group if types[g.symbol] in {"common", "adr", "fund"}],
        group,
    ):
        if candidates:
            return candidates[0]
    raise AssertionError("an issuer has at least one listing")


def _variants(names: list[str], aliases: list[str]) -> tuple[str, ...]:
    """Names, names without descriptors, curated names: distinct, longest first."""
    names = [*names, *(_plain(n) for n in names)]
    candidates = [*names, *(short_name(n) for n in names), *aliases]
    seen: set[str] = set()
    out = []
    for i, name in enumerate(candidates):
        # A short form that came down to a generic word ("First") names no company.
        if len(name) < 2 or name.lower() in seen or (i >= len(names) and is_generic(name)):
            continue
        seen.add(name.lower())
        out.append(name)
    return tuple(sorted(out, key=len, reverse=True))


def _plain(name: str) -> str:
    """Typographic quotes and dashes as most articles type them: "O'Reilly", "Brown-Forman"."""
    return name.replace("\u2019", "'").replace("\u2013", "-")


def _current_names(aliases: list[Alias]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for alias in aliases:
        if alias.kind in _CURRENT_KINDS:
            names.setdefault(alias.symbol, []).append(alias.alias)
    return names


def read_sp500(path: Path | None = None) -> list[Sp500Row]:
    """The S&P 500 constituents list (datasets/s-and-p-500-companies)."""
    rows = _read_csv(path or _DATA / SP500_FILE, ["Symbol", "Security", "CIK"])
    return [
        Sp500Row(
            symbol=row["Symbol"].strip().replace(".", "-"),
            name=row["Security"].strip(),
            sector=row.get("GICS Sector", "").strip() or None,
            industry=row.get("GICS Sub-Industry", "").strip() or None,
            cik=str(int(row["CIK"])),
        )
        for row in rows
    ]


def read_aliases(path: Path | None = None) -> list[Alias]:
    """The curated aliases file: brand, short and former names and tickers."""
    source = path or _DATA / ALIASES_FILE
    rows = _read_csv(source, ["alias", "symbol", "kind", "valid_from", "valid_to", "note"])
    aliases = []
    for line, row in enumerate(rows, start=2):
        where = f"{_name(source)} line {line}"
        if row["kind"] not in ALIAS_KINDS:
            raise ReferenceFileError(f"{where}: kind {row['kind']!r} is not one of {ALIAS_KINDS}")
        if not row["alias"].strip() or not row["symbol"].strip():
            raise ReferenceFileError(f"{where}: alias and symbol are required")
        aliases.append(
            Alias(
                alias=row["alias"].strip(),
                symbol=row["symbol"].strip(),
                kind=row["kind"],
                valid_from=_date(row["valid_from"], where),
                valid_to=_date(row["valid_to"], where),
            )
        )
    return aliases


def read_extra_listings(path: Path | None = None) -> list[Company]:
    """Curated rows the SEC file lacks: delisted companies old articles name, series ETFs."""
    source = path or _DATA / EXTRA_LISTINGS_FILE
    columns = ["symbol", "name", "cik", "exchange", "security_type", "delisted", "note"]
    companies = []
    for line, row in enumerate(_read_csv(source, columns), start=2):
        if row["security_type"] not in SECURITY_TYPES or row["delisted"] not in {"true", "false"}:
            raise ReferenceFileError(
                f"{_name(source)} line {line}: security_type must be one of {SECURITY_TYPES} "
                "and delisted true or false"
            )
        companies.append(
            Company(
                symbol=row["symbol"].strip(),
                name=row["name"].strip(),
                sector=None,
                industry=None,
                cik=row["cik"].strip(),
                issuer=row["symbol"].strip(),
                exchange=row["exchange"].strip() or None,
                security_type=row["security_type"],
                delisted=row["delisted"] == "true",
            )
        )
    return companies


def _read_csv(source: Path | Traversable, columns: list[str]) -> list[dict[str, str]]:
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceFileError(f"{_name(source)} lacks columns {missing}")
        return [{k: v or "" for k, v in row.items()} for row in reader]


def _date(value: str, where: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ReferenceFileError(f"{where}: {value!r} is not a YYYY-MM-DD date") from exc


def _name(source: Path | Traversable) -> str:
    return getattr(source, "name", str(source))
