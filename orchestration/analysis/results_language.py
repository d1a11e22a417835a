"""How results statements say good or bad: a direction bound to a financial metric.

"Operating profit rose", "cut its guidance", "the loss narrowed", "to $41 million from $29
million": the direction alone ("rose", "narrowed") says nothing until we know what moved
and whether more of it is good. Each metric carries a polarity (profit +1, costs -1), each
direction word a sign, and a sentence's hits are traceable to the words that made them
(``Hit``). Stated numbers give the direction where no word does. Written for this project
from general knowledge of how company announcements are phrased, after the directional-
phrase x financial-concept idea of Malo et al. (2014); no word list was copied.

Decisions worth knowing:
- "narrowed" / "widened" are plain down / up moves, so a narrowed loss is good and a
  narrowed margin bad; "improved" / "deteriorated" judge by themselves whatever the metric.
- Inventories are treated as up-is-bad (a build-up usually means weak sell-through), at
  half weight because a stocking-up ahead of demand also happens.
- Unemployment, churn, vacancies, provisions, impairments, write-downs, leverage and the
  combined or cost-to-income ratios are up-is-bad.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestration.analysis.financial_events import SWINGS, events
from orchestration.analysis.results_numbers import compared_values
from orchestration.analysis.results_vocabulary import (
    ADJECTIVES,
    DIRECTIONS,
    JUDGE,
    METRIC_FIRST,
    METRICS,
    OBJECT,
    SUBJECT,
)

_NEGATORS = frozenset(("not", "no", "never", "didn't", "wasn't", "weren't", "failed", "without"))
_CLAUSE_END = frozenset(
    (";", "while", "whereas", "but", "although", "though", "which", "meanwhile", "and")
)
_LOOK_BACK = 6
_LOOK_AHEAD = 4
# "up" and "down" are moves only next to a figure or a comparison ("up 5%", "down from").
_BE = frozenset(("was", "were", "is", "are", "be", "been", "being", "remained", "came"))
_NOUN_LINKS = frozenset(("in", "of", "its", "their", "the", "a", "an", "our"))
_UP_DOWN_CUES = frozenset(("from", "by", "sharply", "slightly", "strongly", "significantly"))

_TOKEN = re.compile(r"[a-z]+(?:[-'][a-z]+)*-?|[-+\u2212]?\d+(?:[.,]\d+)*|%|;")

EVENT = "event: "  # feature prefix of event-class hits
DIRECTION_WEIGHT = 1.0
NUMBERS_WEIGHT = 0.8


@dataclass(frozen=True)
class Hit:
    """One piece of evidence: the words, what they were read as, and their signed weight."""

    phrase: str
    feature: str
    contribution: float


def tokens(text: str) -> list[str]:
    """Lower-case words, signed numbers, % and clause-ending semicolons."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def metric_spans(toks: list[str]) -> list[tuple[int, int, float]]:
    """(start, end, polarity) of every metric mention, longest phrase first, no overlaps."""
    out = []
    done = 0  # toks[:done] are inside a metric already found
    for i, tok in enumerate(toks):
        if i < done or tok not in METRIC_FIRST:
            continue
        for key in METRIC_FIRST[tok]:
            if len(key) == 1 or tuple(toks[i : i + len(key)]) == key:
                out.append((i, i + len(key), METRICS[key]))
                done = i + len(key)
                break
    return out


def direction_hits(toks: list[str], spans: list[tuple[int, int, float]]) -> list[Hit]:
    """Direction words bound to the nearest metric of their clause."""
    hits: list[Hit] = []
    if DIRECTIONS.keys().isdisjoint(toks):
        return hits
    used: set[int] = set()
    for i, tok in enumerate(toks):
        entry = DIRECTIONS.get(tok)
        if entry is None or any(s <= i < e for s, e, _ in spans):
            continue
        if tok in ("up", "down") and not _moves(toks, i):
            continue
        sign, kind = entry
        span = _bind(toks, spans, i, kind)
        if span is None or span[0] in used:
            continue  # one move per metric mention: the nearest direction word
        start, end, polarity = span
        value = sign * (1.0 if kind == JUDGE else polarity) * DIRECTION_WEIGHT
        if _NEGATORS.intersection(toks[max(0, i - 3) : i]):
            value = -value
        used.add(start)
        words = toks[min(i, start) : max(i + 1, end)]
        metric = " ".join(toks[start:end])
        label = "up" if sign > 0 else "down"
        hits.append(Hit(" ".join(words), f"{metric} {label} ({kind})", value))
    return hits


def number_hits(text: str, toks: list[str], spans: list[tuple[int, int, float]]) -> list[Hit]:
    """Directions read off stated figures ("to $41 million from $29 million")."""
    hits = []
    for phrase, before, now in compared_values(text):
        if now == before:
            continue
        metric = _metric_before(text, phrase, toks, spans)
        if metric is None:
            continue
        name, polarity = metric
        sign = 1 if now > before else -1
        label = "up" if sign > 0 else "down"
        hits.append(Hit(phrase, f"{name} {label} (figures)", sign * polarity * NUMBERS_WEIGHT))
    return hits


def explain(text: str) -> list[Hit]:
    """Every piece of results language in one sentence: events, metric moves, figures.

    Figures count only for a metric no direction word already moved, and not at all when
    the sentence swings between profit and loss (the two sides are not comparable).
    """
    hits = [Hit(words, EVENT + feature, value) for words, feature, value in events(text)]
    toks = tokens(text)
    spans = metric_spans(toks)
    if not spans:
        return hits
    words = direction_hits(toks, spans)
    hits += words
    if not SWINGS.intersection(h.feature[len(EVENT) :] for h in hits):
        moved = {h.feature.rsplit(" ", 2)[0] for h in words}
        figures = number_hits(text, toks, spans)
        hits += [h for h in figures if h.feature.rsplit(" ", 2)[0] not in moved]
    return hits


def score(text: str) -> float:
    """Signed sum of a sentence's contributions (see explain)."""
    return total(explain(text))


def total(hits: list[Hit]) -> float:
    return sum(h.contribution for h in hits)


def statement(hits: list[Hit]) -> float:
    """The signed sum of the metric moves and figures alone, without the event classes.

    This is what may override the model: a stated rise in profit means the same in every
    genre, while how good a won contract or an upgrade is differs between labelling
    conventions, so events reach the label only through the model's features.
    """
    return sum(h.contribution for h in hits if not h.feature.startswith(EVENT))


def decide(label: int, reading: float, threshold: float | None) -> int:
    """The class index (0 negative, 1 neutral, 2 positive) once results language has spoken.

    A reading at least ``threshold`` strong picks the side, whatever the model said: a
    stated rise in profit is good news however few training sentences looked like it.
    ``threshold`` is chosen by cross-validation when the model is trained (None: off).
    """
    if threshold is None or abs(reading) < threshold:
        return label
    return 2 if reading > 0 else 0


def _moves(toks: list[str], i: int) -> bool:
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    prev = toks[i - 1] if i else ""
    return nxt[:1].isdigit() or nxt in _UP_DOWN_CUES or prev in ("was", "were", "is", "are")


def _bind(
    toks: list[str], spans: list[tuple[int, int, float]], i: int, kind: str
) -> tuple[int, int, float] | None:
    """The metric a direction word at i moves, or None if its clause names none it fits."""
    back = ahead = None
    for span in spans:
        start, end, _ = span
        if end <= i and i - end < _LOOK_BACK and not _crosses(toks, end, i):
            back = span  # the last one before i is the nearest
        elif start > i and start - i <= _LOOK_AHEAD and not _crosses(toks, i + 1, start):
            ahead = ahead or span
    if kind == SUBJECT:
        # "sales rose"; ahead only as a noun ("a rise in sales") or a direct object right
        # after the verb ("gained market share", "grew its revenue").
        between = toks[i + 1 : ahead[0]] if ahead else []
        close = all(t in _NOUN_LINKS for t in between)
        return back or (ahead if close else None)
    if kind == OBJECT or toks[i] in ADJECTIVES:
        # Back only in a passive ("guidance was raised", "costs were far higher") or a
        # compound ("production cut").
        passive = back is not None and (back[1] == i or not _BE.isdisjoint(toks[i - 2 : i]))
        return ahead or (back if passive else None)
    return back or ahead


def _crosses(toks: list[str], start: int, end: int) -> bool:
    return any(t in _CLAUSE_END for t in toks[start:end])


def _metric_before(
    text: str, phrase: str, toks: list[str], spans: list[tuple[int, int, float]]
) -> tuple[str, float] | None:
    """The metric a comparison is about: the last one named before it, else the first."""
    cut = len(tokens(text[: text.lower().find(phrase.lower())])) if phrase else len(toks)
    before = [s for s in spans if s[1] <= cut]
    start, end, polarity = before[-1] if before else spans[0]
    return " ".join(toks[start:end]), polarity
