"""The embedded offline analyzer: finance lexicon, negation, per-company sentences.

Runs anywhere with no network and no model download; it is the default when no LLM
endpoint is configured, and every test run uses it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from orchestration.analysis import lexicon
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.text import content_words, sentences, tokens
from orchestration.analysis.tickers import TickerReference

NAME = "offline"
MODEL = "tickerpulse-lexicon"
VERSION = "1"

_MAX_PHRASE = max(len(p.split()) for p in lexicon.PHRASES)
_NEGATION_WINDOW = 3
_UNCERTAIN_DAMPING = 0.6
_TITLE_WEIGHT = 2.0
_LEAD_WEIGHT = 1.5
_PARAGRAPH_SENTENCES = 3
# Sentences that continue the story of the company last named ("The company said ...",
# "Its shares ...") belong to that company even though they do not name it.
_BACK_REFERENCE = re.compile(
    r"^(?:it|its|the (?:company|firm|group|maker|bank|carrier|retailer|lender|insurer|"
    r"chipmaker|automaker|planemaker|drugmaker|giant|stock)|shares|the shares)\b",
    re.IGNORECASE,
)
# Where a sentence that names several companies turns from one to the next:
# "Walmart gains share as Amazon warns on costs", "X beat estimates; Y missed".
_CLAUSE_BREAK = re.compile(
    r";|,?\s+(?:while|whereas|as|but|although|though|even as|by contrast|in contrast)\s+"
    r"|,\s+(?:and|which|after)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Sentence:
    text: str
    weight: float
    raw_score: float
    symbols: frozenset[str]
    # The raw score each named company gets from this sentence: the whole sentence for a
    # single company, its own clauses where several are named.
    by_symbol: dict[str, float]


def sentence_score(text: str) -> float:
    """Raw lexicon score of one sentence: signed sum of phrase and word hits."""
    toks = tokens(text)
    total = 0.0
    i = 0
    while i < len(toks):
        value, width = _hit_at(toks, i)
        if value:
            if i > 0 and toks[i - 1] in lexicon.INTENSIFIERS:
                value *= lexicon.INTENSIFIERS[toks[i - 1]]
            if any(t in lexicon.NEGATORS for t in toks[max(0, i - _NEGATION_WINDOW) : i]):
                value = -0.75 * value
            total += value
        i += width
    if any(t in lexicon.UNCERTAINTY for t in toks):
        total *= _UNCERTAIN_DAMPING
    return total


def _hit_at(toks: list[str], i: int) -> tuple[float, int]:
    """The phrase or word score starting at token i, and how many tokens it covers."""
    for width in range(min(_MAX_PHRASE, len(toks) - i), 1, -1):
        phrase = " ".join(toks[i : i + width])
        if phrase in lexicon.PHRASES:
            return lexicon.PHRASES[phrase], width
    word = toks[i]
    if word in lexicon.POSITIVE:
        return lexicon.POSITIVE[word], 1
    if word in lexicon.NEGATIVE:
        return -lexicon.NEGATIVE[word], 1
    return 0.0, 1


def squash(raw: float, weight: float = 1.0) -> float:
    """Scale a weighted raw sum into (-1, 1); more opinionated text gives a firmer score."""
    return math.tanh(raw / (1.5 * math.sqrt(max(weight, 1.0))))


class OfflineAnalyzer:
    """Lexicon-based analyzer: sentence scores, attributed to the companies each names."""

    name = NAME
    model = MODEL
    prompt_version = VERSION

    def __init__(self, reference: TickerReference) -> None:
        self.reference = reference

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        parsed = self._sentences(article)
        weight = sum(s.weight for s in parsed)
        overall = squash(sum(s.weight * s.raw_score for s in parsed), weight)
        summary = _summarise(article.title, [s.text for s in parsed[1:]])
        return ArticleAnalysis.build(
            summary_sentence=summary[0],
            summary_paragraph=" ".join(summary[1]),
            overall_score=overall,
            tickers=self._ticker_scores(parsed),
        )

    def _sentences(self, article: ArticleText) -> list[_Sentence]:
        texts = [article.title.strip(), *sentences(article.body)]
        out: list[_Sentence] = []
        previous: frozenset[str] = frozenset()
        for index, text in enumerate(texts):
            symbols = frozenset(m.symbol for m in self.reference.find(text))
            if not symbols and len(previous) == 1 and _BACK_REFERENCE.match(text):
                symbols = previous
            weight = _TITLE_WEIGHT if index == 0 else _LEAD_WEIGHT if index == 1 else 1.0
            raw = sentence_score(text)
            by_symbol = self._clause_scores(text) if len(symbols) > 1 else {}
            by_symbol = {s: by_symbol.get(s, raw) for s in symbols}
            out.append(_Sentence(text, weight, raw, symbols, by_symbol))
            if symbols:
                previous = symbols
        return out

    def _clause_scores(self, text: str) -> dict[str, float]:
        """Score each clause for the companies it names; an unnamed clause continues the last."""
        scores: dict[str, float] = {}
        current: set[str] = set()
        for clause in _CLAUSE_BREAK.split(text):
            named = {m.symbol for m in self.reference.find(clause)}
            current = named or current
            for symbol in current:
                scores[symbol] = scores.get(symbol, 0.0) + sentence_score(clause)
        return scores

    def _ticker_scores(self, parsed: list[_Sentence]) -> dict[str, tuple[float, float]]:
        counts = Counter(symbol for s in parsed for symbol in s.symbols)
        total = sum(counts.values())
        scores: dict[str, tuple[float, float]] = {}
        for symbol, count in counts.items():
            own = [s for s in parsed if symbol in s.symbols]
            first = next(i for i, s in enumerate(parsed) if symbol in s.symbols)
            relevance = (
                0.4 * (symbol in parsed[0].symbols)
                + 0.2 * (1 - first / len(parsed))
                + 0.4 * count / total
            )
            raw = sum(s.weight * s.by_symbol[symbol] for s in own)
            score = squash(raw, sum(s.weight for s in own))
            scores[symbol] = (relevance, score)
        return scores


def _summarise(title: str, body: list[str]) -> tuple[str, list[str]]:
    """The most representative sentence, and the top sentences in reading order."""
    if not body or body == [title]:
        return title, [title]
    frequency = Counter(content_words(title) * 2 + [w for s in body for w in content_words(s)])

    def salience(index: int) -> float:
        words = content_words(body[index])
        if not words:
            return 0.0
        lead_bonus = 1.2 if index == 0 else 1.0
        return lead_bonus * sum(frequency[w] for w in words) / math.sqrt(len(words))

    ranked = sorted(range(len(body)), key=salience, reverse=True)
    paragraph = [body[i] for i in sorted(ranked[:_PARAGRAPH_SENTENCES])]
    return body[ranked[0]], paragraph
