"""Pairs of stated figures and which one is now: "to $41 million from $29 million".

Announcements often give the direction only through the numbers: "EBIT was EUR 15.3 mn,
compared with EUR 11.0 mn", "EUR 9.8 million (EUR 6.1 million)". compared_values finds such
pairs and turns each side into a plain number (scale words and signs applied), so the
caller can tell up from down. Percentages are compared only with percentages.

Amounts are found first (a digit is cheap to find), then the words between two neighbouring
amounts say whether and how they are compared; one pattern over the whole sentence per
comparison form would try every position of every sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# What may stand before the digits: a currency, then a sign or "minus".
_BEFORE = re.compile(
    r"(?:(?:\b[a-z]{3}|[$\u20ac\u00a3\u00a5]|\bmeur|\bmusd) ?)?(?:\bminus |[-+\u2212] ?)?$"
)
_SIGN = re.compile(r"(?:\bminus |[-\u2212] ?)$")
# What may follow: a scale word or unit, and a percent sign.
_AFTER = re.compile(
    r"(?: ?(%|per ?cent\b|percent\b)| ?(million|mn|mln|meur|m|billion|bn|bln|b|thousand|k)\b"
    r"| ?(?:pence|cents|p|times|x)\b)?(?: ?%)?"
)
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "meur": 1e6,
    "musd": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "b": 1e9,
}
_CURRENCY = r"(?:[a-z]{3} |[$\u20ac\u00a3\u00a5]|meur |musd )?"
_LINK = r"(?:compared (?:with|to)|versus|vs\.?|against|as against)"
# The words between two amounts, and which amount is now: "first" or "second".
_BETWEEN = (
    (re.compile(rf",? from (?:an? |the )?{_CURRENCY}$"), "first", "to"),
    (re.compile(rf",? to {_CURRENCY}$"), "second", "from"),
    (re.compile(rf",? (?:up|down) from (?:an? |the )?{_CURRENCY}$"), "first", None),
    (
        re.compile(
            rf"^[^;%\d]{{0,40}}?,? {_LINK} (?:an? |the )?(?:[a-z-]+ ){{0,4}}?(?:of )?{_CURRENCY}$"
        ),
        "first",
        None,
    ),
    (re.compile(rf"^ \({_CURRENCY}$"), "first", None),
)


@dataclass(frozen=True)
class _Amount:
    start: int
    end: int
    value: float
    percent: bool
    scale: float | None
    bare_year: bool


def compared_values(text: str) -> list[tuple[str, float, float]]:
    """(matched phrase, earlier value, current value) for each comparison of two figures."""
    if _DIGITS.search(text) is None:
        return []
    lowered = text.lower().replace("\u2212", "-")
    amounts = _amounts(lowered)
    out = []
    for first, second in pairwise(amounts):
        between = lowered[first.end : second.start]
        if len(between) > 80 or first.percent != second.percent:
            continue
        if first.bare_year or second.bare_year:
            continue
        for pattern, now, needs in _BETWEEN:
            if not pattern.search(between):
                continue
            if needs and not lowered[: first.start].rstrip().endswith(needs):
                continue
            current, earlier = (first, second) if now == "first" else (second, first)
            scale = current.scale or earlier.scale or 1.0
            out.append(
                (
                    text[first.start : second.end],
                    earlier.value * (earlier.scale or scale),
                    current.value * (current.scale or scale),
                )
            )
            break
    return out


def _amounts(lowered: str) -> list[_Amount]:
    out = []
    for match in _DIGITS.finditer(lowered):
        start, end = match.span()
        if start and (lowered[start - 1].isalpha() or lowered[start - 1] in ".,"):
            continue  # part of a word ("q4", "5g") or of a number already read
        head = lowered[max(0, start - 8) : start]
        before = _BEFORE.search(head)
        after = _AFTER.match(lowered, end)
        assert before is not None and after is not None  # both patterns can match nothing
        digits = match.group(0)
        # "1,250" is a thousands separator, "3,2" (European) a decimal comma.
        if "," in digits and "." not in digits and len(digits.rsplit(",", 1)[1]) != 3:
            digits = digits.replace(",", ".")
        value = float(digits.replace(",", ""))
        if _SIGN.search(head):
            value = -value
        percent = bool(after.group(1)) or "%" in after.group(0)
        scale = _SCALES[after.group(2)] if after.group(2) else None
        bare_year = len(digits) == 4 and digits[:2] in ("19", "20") and not after.group(0).strip()
        bare_year = bare_year and not before.group(0).strip()
        out.append(
            _Amount(start - len(before.group(0)), after.end(), value, percent, scale, bare_year)
        )
    return out
