"""The ticker reference table and finding its companies in text."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

# "(NYSE: BA)", "Nasdaq:NVDA", "NYSE American: X": an explicit listing names the symbol.
_LISTING = re.compile(
    r"\b(?:NYSE(?: American)?|NASDAQ|Nasdaq|AMEX|Cboe)\s*:\s*([A-Z][A-Z.]{0,5})\b"
)
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Z]{1,5}(?:\.[A-Z])?)\b")


@dataclass(frozen=True)
class Company:
    symbol: str
    name: str
    sector: str
    industry: str
    cik: str
    name_variants: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    symbol: str
    start: int
    end: int


class TickerReference:
    """Listed companies and a matcher that finds them, by name or explicit symbol, in text."""

    def __init__(self, companies: list[Company]) -> None:
        self.companies = {c.symbol: c for c in companies}
        self._by_variant: dict[str, str] = {}
        for company in companies:
            for variant in company.name_variants:
                self._by_variant.setdefault(variant, company.symbol)
        self._lower_variants = {v.lower(): s for v, s in self._by_variant.items()}
        # Case-sensitive because "Apple" the company is capitalised and "apple" the fruit is
        # not. A trie-shaped pattern is several times faster than a flat alternation of 600
        # names, and tries longer names first so "Exxon Mobil" wins over "Exxon".
        firsts = "".join(sorted({re.escape(v[0]) for v in self._by_variant}))
        self._names = re.compile(
            rf"(?<![\w&.-])(?=[{firsts}]){_trie_pattern(list(self._by_variant))}(?![\w&-])"
        )

    def __len__(self) -> int:
        return len(self.companies)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self.companies

    def find(self, text: str) -> list[Mention]:
        """Every mention of a listed company in `text`, in order of appearance."""
        mentions = [
            Mention(self._by_variant[m.group(0)], m.start(), m.end())
            for m in self._names.finditer(text)
        ]
        for pattern in (_LISTING, _CASHTAG):
            mentions.extend(
                Mention(m.group(1), m.start(), m.end())
                for m in pattern.finditer(text)
                if m.group(1) in self.companies
            )
        return sorted(mentions, key=lambda m: m.start)

    def resolve(self, name_or_symbol: str) -> str | None:
        """A symbol for a ticker or company name from elsewhere (an LLM), or None if unlisted."""
        candidate = name_or_symbol.strip().lstrip("$")
        if candidate.upper() in self.companies:
            return candidate.upper()
        if candidate.replace("-", ".").upper() in self.companies:  # BRK-B vs BRK.B
            return candidate.replace("-", ".").upper()
        return self._lower_variants.get(candidate.lower())


def _trie_pattern(words: list[str]) -> str:
    """A regex matching exactly `words`, shared prefixes factored out, longest first."""
    children: dict[str, list[str]] = {}
    ends_here = False
    for word in words:
        if word:
            children.setdefault(word[0], []).append(word[1:])
        else:
            ends_here = True
    branches = [
        re.escape(first) + _trie_pattern(rests)
        for first, rests in sorted(children.items(), key=lambda kv: -max(map(len, kv[1])))
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends_here else "(?:" + "|".join(branches) + ")"
    if len(branches) > 1 or not ends_here:
        return body + ("?" if ends_here else "")
    return "(?:" + branches[0] + ")?"


def load_reference(path: Path | None = None) -> TickerReference:
    """Read the reference table: our packaged S&P 500 list unless `path` is given."""
    return TickerReference(read_companies(path))


@cache
def default_reference() -> TickerReference:
    return load_reference()


def read_companies(path: Path | None = None) -> list[Company]:
    source = path or resources.files("orchestration.analysis") / "data" / "tickers.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        return [
            Company(
                symbol=row["symbol"],
                name=row["name"],
                sector=row["sector"],
                industry=row["industry"],
                cik=row["cik"],
                name_variants=tuple(v for v in row["name_variants"].split("|") if v),
            )
            for row in csv.DictReader(fh)
        ]
