"""Which companies an article is about, and how much: relevance in [0, 1].

Both analyzers use it: the offline analyzer reports it (and reads which companies each
sentence names from the same single pass, `read_article`), the LLM analyzer lists the
companies it finds (most relevant first) as candidates in the prompt.

Relevance separates the subject of an article from a company named in passing:

    base = 0.40 * named in the title
         + 0.20 * named in the lead (the body's first sentence, at most 300 characters)
         + 0.25 * its mentions / the most-mentioned company's mentions
         + 0.15 * written in finance notation ($AAPL, "(NASDAQ: AAPL)", "CAT shares")

and a crowded article shares it out: with n companies named, base is multiplied by
min(1, 4 / n), so a market wrap naming twenty companies gives each a fifth of what a
story about four gives (a company in the title keeps at least half). Four companies is
what a story about a deal, a lawsuit or a supplier and its customers names.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from orchestration.analysis.boilerplate import strip_boilerplate
from orchestration.analysis.text import sentences
from orchestration.analysis.tickers import Mention, TickerReference

LEAD_CHARS = 300
_SENTENCE_END = re.compile(r"[.!?][\"')]?\s")
CROWD = 4  # companies an article can be about before relevance is shared out
_WEIGHTS = {"title": 0.40, "lead": 0.20, "share": 0.25, "notation": 0.15}


@dataclass(frozen=True)
class Subject:
    """One company an article names, and how central it is."""

    symbol: str
    relevance: float
    mentions: int
    in_title: bool
    in_lead: bool
    in_notation: bool


@dataclass(frozen=True)
class ReadArticle:
    """An article as the offline analyzer reads it: sentences and the companies of each."""

    subjects: dict[str, Subject]
    sentences: list[str]  # the title, then the body's sentences, boilerplate left out
    named: list[frozenset[str]]  # the companies each sentence names


def article_companies(
    reference: TickerReference,
    title: str,
    body: str,
    published: date | None = None,
    hints: Iterable[str] = (),
) -> dict[str, Subject]:
    """The companies of an article (title and boilerplate-free body), most relevant first.

    `hints` are the source's ticker hints: a hinted company named in the text counts even
    by an ambiguous name ("Target is opening stores"); one the text never names does not.
    """
    head = f"{title.strip()}\n\n"
    mentions = reference.find(head + body, published, reference.hinted(hints))
    return subjects_of(mentions, len(head), len(head) + _lead_length(body))


def read_article(
    reference: TickerReference,
    title: str,
    body: str,
    published: date | None = None,
    hints: Iterable[str] = (),
) -> ReadArticle:
    """Boilerplate stripped, sentences split, and one matcher pass over the whole article,
    its mentions shared out to the sentences they fall in (cheaper than a pass per
    sentence, and an ambiguous name confirmed anywhere counts everywhere)."""
    title = title.strip()
    flat = " ".join(strip_boilerplate(body).split())
    head = f"{title}\n\n"
    mentions = reference.find(head + flat, published, reference.hinted(hints))
    texts = [title, *sentences(flat)]
    bounds, cursor = [(0, len(title))], 0
    for text in texts[1:]:
        at = flat.find(text, cursor)
        bounds.append((len(head) + at, len(head) + at + len(text)))
        cursor = at + len(text)
    starts = [m.start for m in mentions]
    named = [
        frozenset(m.symbol for m in mentions[bisect_left(starts, a) : bisect_left(starts, b)])
        for a, b in bounds
    ]
    subjects = subjects_of(mentions, len(head), len(head) + _lead_length(flat))
    return ReadArticle(subjects, texts, named)


def _lead_length(body: str) -> int:
    first_stop = _SENTENCE_END.search(body, 0, LEAD_CHARS)
    return first_stop.end() if first_stop else LEAD_CHARS


def subjects_of(mentions: list[Mention], body_start: int, lead_end: int) -> dict[str, Subject]:
    """Relevance from mentions at offsets: before `body_start` is the title."""
    counts = Counter(m.symbol for m in mentions)
    if not counts:
        return {}
    most = max(counts.values())
    crowding = min(1.0, CROWD / len(counts))
    subjects = []
    for symbol, count in counts.items():
        own = [m for m in mentions if m.symbol == symbol]
        in_title = any(m.start < body_start for m in own)
        in_lead = any(body_start <= m.start < lead_end for m in own)
        in_notation = any(m.kind == "notation" for m in own)
        base = (
            _WEIGHTS["title"] * in_title
            + _WEIGHTS["lead"] * in_lead
            + _WEIGHTS["share"] * count / most
            + _WEIGHTS["notation"] * in_notation
        )
        scaled = base * (max(crowding, 0.5) if in_title else crowding)
        relevance = round(max(0.01, min(1.0, scaled)), 4)
        subjects.append(Subject(symbol, relevance, count, in_title, in_lead, in_notation))
    subjects.sort(key=lambda s: (-s.relevance, -s.mentions, s.symbol))
    return {s.symbol: s for s in subjects}
