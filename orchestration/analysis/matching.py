"""The word-level rules of company matching: words of a text, context, name policies.

`tickers.TickerReference` walks a text's words once and asks these functions whether a
word is a ticker in notation or in ticker position, and whether the words around an
ambiguous name make it the company.
"""

from __future__ import annotations

import re
from itertools import accumulate

from orchestration.analysis import match_words as words

# Words with their joiners: "AT&T", "Coca-Cola", "Moody's", "BRK.B", "AAPL.O", "BRK/B".
WORD = re.compile(r"[A-Za-z0-9]+(?:[&'./-][A-Za-z0-9]+)*|&")
_SPLIT = re.compile(f"({WORD.pattern})")
TICKER_SHAPE = re.compile(r"[A-Z]{1,5}(?:[-./][A-Z]{1,2})?")
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_CONTEXT_BEFORE = [tuple(reversed(phrase)) for phrase in words.CONTEXT_BEFORE]
_NEVER_A_NAME = words.NOT_A_ONE_WORD_NAME


class Text:
    """A text split into words and the gaps between them; offsets only on demand.

    One C-level split gives words and gaps (gap i is just before word i), so notation
    ("$" or ":" before a word) is read from the gaps without any offset arithmetic.
    """

    __slots__ = ("_offsets", "gaps", "lows", "parts", "text", "words")

    def __init__(self, text: str, keep: set[str]) -> None:
        self.text = text
        self.parts = _SPLIT.split(text)  # gap, word, gap, word, ..., gap
        self.words: list[str] = self.parts[1::2]
        self.gaps: list[str] = self.parts[0::2]
        lower = text.lower()
        lows = _SPLIT.split(lower)[1::2] if len(lower) == len(text) else []
        if len(lows) != len(self.words):  # a non-ASCII letter that lower-cases to ASCII
            lows = [w.lower() for w in self.words]
        # Possessives drop their "'s" ("Apple's" -> "apple") unless a name has it ("Moody's").
        self.lows = [w[:-2] if w.endswith("'s") and w not in keep else w for w in lows]
        self._offsets: list[int] | None = None

    def start(self, i: int) -> int:
        return self._ends()[2 * i]

    def end(self, i: int) -> int:
        return self._ends()[2 * i + 1]

    def gap(self, i: int, j: int) -> str:
        """The characters between words i and j (i < j)."""
        return self.gaps[j] if j == i + 1 else "".join(self.parts[2 * i + 2 : 2 * j + 1])

    def _ends(self) -> list[int]:
        """Where each part ends: part k ends at _ends()[k]."""
        if self._offsets is None:
            self._offsets = list(accumulate(map(len, self.parts)))
        return self._offsets


def symbol_key(symbol: str) -> str:
    """One spelling for share classes: BRK.B, BRK/B and BRK-B are all BRK-B."""
    return symbol.strip().upper().replace(".", "-").replace("/", "-")


def name_key(name: str) -> str:
    """A name as the matcher looks it up: lower-case words joined by one space."""
    return " ".join(w.lower() for w in WORD.findall(name.translate(QUOTES)))


def name_forms(variant: str) -> list[str]:
    """A name as written and with hyphens as spaces ("Parker-Hannifin", "Parker Hannifin")."""
    variant = variant.strip()
    if variant.lower().startswith("the "):
        variant = variant[4:]  # a name starting with "the" would be tried at every "the"
    if not variant or variant.lower() in _NEVER_A_NAME:
        return []
    return [variant, variant.replace("-", " ")] if "-" in variant else [variant]


def name_policy(form: str, well_known: bool) -> str:
    """How much evidence a name needs before it counts as the company.

    "plain": several words ("Bank of America"); "capital": one word of a well-known
    company ("Apple", only when capitalised); "ambiguous": an ordinary word, a short
    name, or the one-word name of a small company ("Target", "Gap", "Eastern");
    "false_friend": an exchange, index, rating agency or publisher ("Nasdaq", "Moody's").
    """
    low = form.lower()
    if low in words.FALSE_FRIENDS:
        return "false_friend"
    if " " in low:
        return "plain"
    if low in words.AMBIGUOUS_NAMES or (len(low) <= 3 and not form.isupper()):
        return "ambiguous"
    return "capital" if well_known else "ambiguous"


def without_suffixes(key: str) -> str:
    return " ".join(w for w in key.split(" ") if w.rstrip(".") not in words.CORPORATE_SUFFIXES)


def is_ric(token: str) -> bool:
    """ "AAPL.O", "VOD.L": a ticker with a venue suffix; not initials ("U.K", "J.P")."""
    base, dot, suffix = token.rpartition(".")
    if not dot or (len(base) == 1 and len(suffix) == 1):
        return False
    return suffix in words.US_RIC_SUFFIXES or suffix in words.FOREIGN_RIC_SUFFIXES


def in_notation(t: Text, i: int) -> bool:
    """ "$AAPL", "(NASDAQ: AAPL)", "NYSE:CAT": the writer says word i is a ticker."""
    before = t.gaps[i]
    if before.endswith("$"):
        return True
    return before.rstrip().endswith(":") and i > 0 and t.lows[i - 1] in words.EXCHANGE_WORDS


def is_listing_venue(t: Text, i: int) -> bool:
    """Whether word i is the exchange of a listing ("NASDAQ" in "(NASDAQ: AAPL)")."""
    return t.lows[i] in words.EXCHANGE_WORDS and t.gaps[i + 1].lstrip()[:1] == ":"


def ticker_context(t: Text, i: int, after_only: bool = False) -> bool:
    """ "CAT shares", "AAPL stock"; unless `after_only`, "shares of CAT", "a stake in CAT"
    (not for acronyms: "shares of IT services firms")."""
    if i + 1 < len(t.lows) and t.lows[i + 1] in ("shares", "stock", "stocks", "share"):
        return t.gap(i, i + 1).strip() in ("", "'s")
    return not after_only and context_before(t.lows, i)


def context_before(lows: list[str], i: int) -> bool:
    return any(
        i >= len(phrase) and all(lows[i - 1 - k] == w for k, w in enumerate(phrase))
        for phrase in _CONTEXT_BEFORE
    )


def name_evidence(t: Text, i: int, n: int, policy: str) -> bool:
    """Whether the words around an ambiguous name or false friend (words i..i+n-1) make it
    the company: a corporate suffix, or company context after or before it."""
    after = t.lows[i + n] if i + n < len(t.lows) else ""
    if after in words.CORPORATE_SUFFIXES:
        return True
    if policy == "false_friend":
        return after in words.FALSE_FRIEND_CONTEXT_AFTER
    return after in words.COMPANY_CONTEXT_AFTER or context_before(t.lows, i)


def after_a_number(t: Text, i: int) -> bool:
    """ "737 MAX", "Galaxy S24 ULTRA": a model name, not a ticker."""
    return i > 0 and t.words[i - 1][0].isdigit() and t.gap(i - 1, i).strip() == ""


def part_of_a_name(t: Text, i: int) -> bool:
    """ "SE Semiconductor", "AB Volvo": capitals before a capitalised word are a name."""
    if i + 1 >= len(t.words) or t.gaps[i + 1].strip():
        return False
    following = t.words[i + 1]
    return following[0].isupper() and not following.isupper()


def shouting(t: Text, i: int, symbols: dict[str, str]) -> bool:
    """Whether word i sits next to capitalised words that are not tickers: a headline in
    capitals ("VICI PROPERTIES REPORTS") or an acronym, so not in ticker position."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(t.words):
            word = t.words[j]
            capitals = len(word) > 1 and word.isupper() and word.isalpha()
            if capitals and word not in symbols and t.gap(min(i, j), max(i, j)).strip(" ,") == "":
                return True
    return False
