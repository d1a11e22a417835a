"""The ticker reference and finding its companies in text.

One pass over the words of a text finds three kinds of mention:
- finance notation: "$AAPL", "(NASDAQ: AAPL)", "NYSE:CAT", "AAPL.O", "CAT shares";
- a bare upper-case ticker in ticker position ("PAYX rose 3%"), unless it is a common word
  or an acronym, or the words around it are in capitals;
- a name or alias, by the longest run of words found in a dict (a regex of 25,000 names
  does not scale), case-insensitive after a capital first letter; ambiguous names and
  false friends (exchanges, indexes, publishers) need evidence that the text means the
  company (rules in matching.py).
Every mention resolves to the issuer's primary ticker, so GOOG and GOOGL are one company.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from orchestration.analysis import match_words as words
from orchestration.analysis import matching
from orchestration.analysis.matching import Text
from orchestration.analysis.universe import Alias, Company, load_universe

__all__ = ["Alias", "Company", "Mention", "TickerReference", "default_reference"]

_MAX_NAME_WORDS = 8


@dataclass(frozen=True)
class Mention:
    symbol: str  # the issuer's primary ticker
    start: int
    end: int
    kind: str = "name"  # "notation", "ticker", "name", or the alias kind


@dataclass(frozen=True)
class _Name:
    symbol: str
    kind: str  # "name" or an Alias kind
    policy: str  # see matching.name_policy, or "blocked" for a phrase that is no company
    lower_ok: bool = False  # the name itself starts in lower case ("eBay")


@dataclass(frozen=True)
class _Candidate:
    mention: Mention
    confirmed: bool  # else it counts only if its company is confirmed elsewhere
    first: int = 0  # its words: first .. last
    last: int = 0
    listable: bool = False  # an ambiguous name that a list of companies confirms


class TickerReference:
    """Listed companies, their aliases, and a matcher that finds them in text."""

    def __init__(self, companies: list[Company], aliases: Iterable[Alias] = ()) -> None:
        self.companies = {c.symbol: c for c in companies}
        self._by_key = {matching.symbol_key(c.symbol): c.symbol for c in companies}
        self._primary = {c.symbol: self._issuer_of(c) for c in companies}
        self._former_tickers: dict[str, list[Alias]] = {}
        self._names: dict[str, _Name] = {}
        self._first_words: dict[str, int] = {}  # first word -> most words of a name
        for phrase in words.NOT_COMPANY_PHRASES:  # looked up in any case: "iShares MSCI"
            self._add_name(phrase, _Name("", "", "blocked", lower_ok=True))
        # S&P 500 members and the curated delisted names (Twitter, Yahoo) are well known: a
        # one-word name of theirs counts without further evidence, and they claim a name
        # before any other company does ("Target" is Target, not Target Group on the OTC).
        for company in sorted(companies, key=lambda c: not (c.is_sp500 or c.delisted)):
            if company.security_type == "fund":
                continue  # a fund is never named by an index or asset word, only its ticker
            known = company.is_sp500 or company.delisted
            for variant in (company.name, *company.name_variants):
                self._add_names(company.symbol, "name", variant, known)
        for alias in aliases:
            if alias.symbol not in self.companies:
                continue
            if alias.kind == "former_ticker":
                key = matching.symbol_key(alias.alias)
                self._former_tickers.setdefault(key, []).append(alias)
            else:  # curated: as well known as the S&P 500's names
                self._add_names(alias.symbol, alias.kind, alias.alias, True)
        self._name_words = {w for key in self._names for w in key.split(" ") if "'" in w}
        # First words looked up even when not capitalised: "eBay", "3M", "iShares MSCI".
        self._lower_firsts = {
            key.split(" ", 1)[0]
            for key, name in self._names.items()
            if name.lower_ok or key[0].isdigit()
        }

    def __len__(self) -> int:
        return len(self.companies)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self.companies

    def hinted(self, hints: Iterable[str]) -> set[str]:
        """The listed companies among a source's ticker hints; invented ones are dropped."""
        return {symbol for hint in hints if (symbol := self.resolve(hint)) is not None}

    def primary(self, symbol: str) -> str:
        """The issuer's primary ticker for any of its share classes."""
        return self._primary.get(symbol, symbol)

    # --- finding mentions ----------------------------------------------------------------

    def find(
        self, text: str, published: date | None = None, known: Iterable[str] = ()
    ) -> list[Mention]:
        """Every mention of a listed company in `text`, in order of appearance.

        `published` dates former tickers (FB is META before 2022-06-09). `known` are
        companies established elsewhere in the same article: an ambiguous name of one of
        them counts without evidence of its own.
        """
        t = Text(text.translate(matching.QUOTES), self._name_words)
        candidates: list[_Candidate] = []
        consumed = 0  # words before this index belong to a mention already
        first_words, lower_firsts, lows = self._first_words, self._lower_firsts, t.lows
        marked = "$" in text or ":" in text  # else no word can be in cashtag or listing notation
        # Most words are lower-case and start no name: one test each in a comprehension.
        starts = [i for i, w in enumerate(t.words) if w[0].isupper() or lows[i] in lower_firsts]
        for i in starts:
            if i < consumed or matching.is_listing_venue(t, i):
                continue
            capital = t.words[i][0].isupper()
            # Notation first ("$MSCI"), then names and blocked phrases ("MSCI World"), then
            # a bare ticker.
            notation = marked and capital and matching.in_notation(t, i)
            if not notation and lows[i] in first_words:
                consumed = i + self._name_at(t, i, candidates)
                if consumed > i:
                    continue
            if capital:
                found = self._ticker_at(t, i, published, notation)
                if found is not None:
                    candidates.append(found)
        confirmed = {c.mention.symbol for c in candidates if c.confirmed} | set(known)
        confirmed |= _listed_with_others(t, candidates, confirmed)
        return [c.mention for c in candidates if c.mention.symbol in confirmed]

    def _ticker_at(
        self, t: Text, i: int, published: date | None, notation: bool
    ) -> _Candidate | None:
        """A mention if word i is a ticker in notation, in context or in ticker position."""
        word = t.words[i]
        bare = word[:-2] if word.endswith("'s") else word
        if not matching.TICKER_SHAPE.fullmatch(bare):
            return None
        # "formerly FB", "formerly known as FB", "(previously traded as TWTR)"
        formerly = any(low in words.FORMERLY for low in t.lows[max(0, i - 4) : i])
        if notation or matching.is_ric(bare):
            return self._candidate(t, i, self._symbol_of(bare, published, formerly, ric=True))
        symbol = self._symbol_of(bare, published, formerly)
        if symbol is None:
            return None
        plain = bare.replace("/", ".").replace("-", ".").split(".")[0]
        acronym = plain in words.ACRONYMS
        if matching.ticker_context(t, i, after_only=acronym):
            return self._candidate(t, i, symbol)
        if acronym or plain in words.COMMON_WORD_TICKERS or len(plain) < 2:
            return None
        if matching.shouting(t, i, self._by_key) or matching.after_a_number(t, i):
            return None
        if len(plain) == 2 and matching.part_of_a_name(t, i):
            return None  # longer tickers lead title-case headlines: "PAYX Rises 3%"
        return self._candidate(t, i, symbol, "ticker")

    def _name_at(self, t: Text, i: int, candidates: list[_Candidate]) -> int:
        """How many words a name (or a blocked phrase) starting at word i covers, else 0."""
        lows = t.lows
        for n in range(min(self._first_words[lows[i]], len(lows) - i), 0, -1):
            name = self._names.get(" ".join(lows[i : i + n]) if n > 1 else lows[i])
            if name is None:
                continue
            if name.policy == "blocked":
                return n
            first = t.words[i][0]
            if not (first.isupper() or first.isdigit() or name.lower_ok):
                return n  # "apple", "target", "best buy": the words, not the company
            confirmed = name.policy in ("plain", "capital") or matching.name_evidence(
                t, i, n, name.policy
            )
            mention = Mention(name.symbol, t.start(i), t.end(i + n - 1), name.kind)
            listable = name.policy == "ambiguous"
            candidates.append(_Candidate(mention, confirmed, i, i + n - 1, listable))
            return n
        return 0

    @staticmethod
    def _candidate(
        t: Text, i: int, symbol: str | None, kind: str = "notation"
    ) -> _Candidate | None:
        if symbol is None:
            return None
        return _Candidate(Mention(symbol, t.start(i), t.end(i), kind), True, i, i)

    # --- resolving symbols and names -----------------------------------------------------

    def _symbol_of(
        self, token: str, published: date | None, formerly: bool = False, ric: bool = False
    ) -> str | None:
        """The issuer ticker a written ticker stands for, on the text's date."""
        key = matching.symbol_key(token)
        former = self._former_ticker(key, published, formerly)
        if former is not None:
            return former
        if key in self._by_key:
            return self._primary[self._by_key[key]]
        if ric and "-" in key:
            base, suffix = key.rsplit("-", 1)
            if suffix in words.US_RIC_SUFFIXES:
                return self._symbol_of(base, published, formerly)
            symbol = self._by_key.get(base)
            # A home listing (VOD.L) is reported as the same issuer's US ADR, if listed.
            if symbol and self.companies[symbol].security_type == "adr":
                return self._primary[symbol]
        return None

    def _former_ticker(self, key: str, published: date | None, formerly: bool) -> str | None:
        """A former ticker counts after "formerly", in text dated while it was in use, and
        in undated text when no company trades under it now."""
        for alias in self._former_tickers.get(key, ()):
            if formerly or (published is None and key not in self._by_key):
                return self._primary[alias.symbol]
            if published is not None and (
                (alias.valid_from is None or alias.valid_from <= published)
                and (alias.valid_to is None or published < alias.valid_to)
            ):
                return self._primary[alias.symbol]
        return None

    def resolve(self, name_or_symbol: str, published: date | None = None) -> str | None:
        """The issuer ticker for a ticker or company name from elsewhere (an LLM), or None.

        Capitals are read as a ticker first ("F"), anything else as a name first, so the
        name "Ford" is Ford Motor, not the company whose ticker is FORD; a capitalised word
        that is no name ("Max") is not read as a ticker at all.
        """
        candidate = name_or_symbol.strip().lstrip("$").translate(matching.QUOTES)
        if not candidate:
            return None
        by_symbol = (
            self._symbol_of(candidate, published, ric=True) if " " not in candidate else None
        )
        if candidate.isupper() and by_symbol is not None:
            return by_symbol
        key = matching.name_key(candidate)
        key = key[:-2] if key.endswith("'s") and key not in self._names else key
        name = self._names.get(key) or self._names.get(matching.without_suffixes(key))
        if name is not None and name.policy != "blocked":
            return name.symbol
        # "msft" is a ticker typed in lower case; "Max" is a name we do not list.
        return by_symbol if candidate.islower() else None

    def name_of(self, symbol: str) -> str:
        company = self.companies.get(symbol)
        return company.name if company else symbol

    # --- building ------------------------------------------------------------------------

    def _issuer_of(self, company: Company) -> str:
        issuer = company.issuer or company.symbol
        return issuer if issuer in self.companies else company.symbol

    def _add_names(self, symbol: str, kind: str, variant: str, well_known: bool) -> None:
        for form in matching.name_forms(variant):
            policy = matching.name_policy(form, well_known)
            self._add_name(form, _Name(self._primary[symbol], kind, policy, form[0].islower()))

    def _add_name(self, form: str, name: _Name) -> None:
        key = matching.name_key(form)
        if not key or key.count(" ") >= _MAX_NAME_WORDS:
            return
        # The first claim on a name keeps it: blocked phrases come first, then companies in
        # the universe's order (largest first), then curated aliases.
        self._names.setdefault(key, name)
        first, count = key.split(" ", 1)[0], key.count(" ") + 1
        self._first_words[first] = max(self._first_words.get(first, 0), count)


def _listed_with_others(t: Text, candidates: list[_Candidate], confirmed: set[str]) -> set[str]:
    """Ambiguous names in a list with companies ("Visa and Mastercard", "Target, Walmart"):
    the list makes them companies too."""
    sure = [c for c in candidates if c.mention.symbol in confirmed]
    found: set[str] = set()
    for pending in candidates:
        if not pending.listable or pending.mention.symbol in confirmed:
            continue
        for other in sure:
            left, right = sorted((pending, other), key=lambda c: c.first)
            if left.last < right.first <= left.last + 2:
                between = t.gap(left.last, right.first) if right.first == left.last + 1 else ""
                if right.first == left.last + 2:
                    between = t.lows[left.last + 1]
                if between.strip() in (",", "and", "or", "&", "/", ", and", ", or"):
                    found.add(pending.mention.symbol)
    return found


@cache
def default_reference() -> TickerReference:
    """Every listed company we ship (the SEC file, the S&P 500 list, curated aliases)."""
    return TickerReference(*load_universe())
