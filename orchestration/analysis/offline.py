"""The embedded offline analyzer: a learned sentence model, per-company sentences.

Runs anywhere with no network and no model download; it is the default when no LLM
endpoint is configured, and every test run uses it. Sentences are scored by the small
logistic-regression model in sentence_model.py (trained with our finance lexicon and the
results-language reading of results_language.py as features). A decisive results reading
("operating profit rose to $41 million from $29 million") can also pick the side over the
model, when training chose a threshold for that (model.rule_threshold; the v3 weights have
none: cross-validation found it cost tweet accuracy). sentence_score() below is the
lexicon's raw signal, and explain() lists the phrases a sentence's score rests on.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from orchestration.analysis import lexicon, results_language
from orchestration.analysis.base import BatchResult, failure_of
from orchestration.analysis.relevance import Subject, read_article
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.sentence_model import SentenceModel, default_model
from orchestration.analysis.text import content_words, tokens
from orchestration.analysis.tickers import Mention, TickerReference

NAME = "offline"
MODEL = "tickerpulse-sentence-model"
VERSION = "3"

_MAX_PHRASE = max(len(p.split()) for p in lexicon.PHRASES)
_NEGATION_WINDOW = 3
_UNCERTAIN_DAMPING = 0.6
_TITLE_WEIGHT = 2.0
_LEAD_WEIGHT = 1.5
_PARAGRAPH_SENTENCES = 3
_CHUNK = 256  # articles per model call in analyze_many
# Our label scale's neutral band is (-0.15, 0.15).
_POLAR_EDGE = 0.15
_NEUTRAL_EDGE = 0.1499
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
class _Plan:
    article: ArticleText
    sentences: int  # texts[:sentences] are the title and body sentences, then clauses
    named: list[frozenset[str]]
    clauses: dict[int, list[tuple[str, set[str]]]]
    texts: list[str]
    relevance: dict[str, float]


@dataclass(frozen=True)
class _Sentence:
    text: str
    weight: float
    score: float
    symbols: frozenset[str]
    # The score each named company gets from this sentence: the whole sentence for a
    # single company, the mean of its own clauses where several are named.
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


def explain(text: str) -> list[tuple[str, str, float]]:
    """What one sentence's score rests on: (phrase, feature, contribution) for every
    results-language hit (metric moves, figures, events) and every lexicon hit."""
    out = [(h.phrase, h.feature, h.contribution) for h in results_language.explain(text)]
    toks = tokens(text)
    i = 0
    while i < len(toks):
        value, width = _hit_at(toks, i)
        if value:
            out.append((" ".join(toks[i : i + width]), "lexicon", value))
        i += width
    return out


def calibrated_scores(model: SentenceModel, texts: list[str]) -> list[float]:
    """Sentence scores in [-1, 1] whose label on our scale is the classifier's decision.

    The score is p(positive) - p(negative), moved just inside the band of the class the
    model chose (or the results reading chose, see results_language.decide), so a lone
    headline is labelled exactly as the evaluated model labels it.
    """
    if not texts:
        return []
    readings = [results_language.explain(text) for text in texts]
    out = []
    for row, hits in zip(model.predict_proba(texts, readings).tolist(), readings, strict=True):
        negative, neutral, positive = row
        score = positive - negative
        chosen = 1 if neutral >= max(negative, positive) else 2 if positive > negative else 0
        reading = results_language.statement(hits)
        chosen = results_language.decide(chosen, reading, model.rule_threshold)
        if chosen == 1:
            score = max(-_NEUTRAL_EDGE, min(_NEUTRAL_EDGE, score))
        elif chosen == 2:
            score = max(score, _POLAR_EDGE)
        else:
            score = min(score, -_POLAR_EDGE)
        out.append(score)
    return out


class OfflineAnalyzer:
    """Learned sentence scores, attributed to the companies each sentence (or clause) names."""

    name = NAME
    model = MODEL
    prompt_version = VERSION

    def __init__(self, reference: TickerReference, model: SentenceModel | None = None) -> None:
        self.reference = reference
        self.sentence_model = model or default_model()

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        plan = self._plan(article)
        return self._finish(plan, calibrated_scores(self.sentence_model, plan.texts))

    def analyze_many(
        self, articles: list[ArticleText], on_progress: Callable[[int], None] | None = None
    ) -> BatchResult:
        """Analyse many articles with one model call per chunk: numpy's per-call cost
        dominates single-article batches."""
        result = BatchResult()
        for start in range(0, len(articles), _CHUNK):
            plans = []
            for article in articles[start : start + _CHUNK]:
                try:
                    plans.append(self._plan(article))
                except Exception as exc:  # one bad article must not sink the chunk
                    result.failures.append(failure_of(article.article_id, exc))
            scores = calibrated_scores(self.sentence_model, [t for p in plans for t in p.texts])
            offset = 0
            for plan in plans:
                own, offset = scores[offset : offset + len(plan.texts)], offset + len(plan.texts)
                try:
                    result.analyses[plan.article.article_id] = self._finish(plan, own)
                except Exception as exc:
                    result.failures.append(failure_of(plan.article.article_id, exc))
            if on_progress:
                on_progress(min(start + _CHUNK, len(articles)))
        return result

    def _plan(self, article: ArticleText) -> _Plan:
        """What to score: every sentence, and the clauses of sentences naming several companies."""
        read = read_article(
            self.reference, article.title, article.body, article.published, article.ticker_hints
        )
        texts, found = read.sentences, read.subjects
        named: list[frozenset[str]] = []
        previous: frozenset[str] = frozenset()
        for text, symbols in zip(texts, read.named, strict=True):
            if not symbols and len(previous) == 1 and _BACK_REFERENCE.match(text):
                symbols = previous
            named.append(symbols)
            previous = symbols or previous
        clauses = {
            i: self._clauses(text, article, found)
            for i, text in enumerate(texts)
            if len(named[i]) > 1
        }
        extra = [clause for parts in clauses.values() for clause, _ in parts]
        relevance = {symbol: subject.relevance for symbol, subject in found.items()}
        return _Plan(article, len(texts), named, clauses, texts + extra, relevance)

    def _find(self, text: str, article: ArticleText, found: dict[str, Subject]) -> list[Mention]:
        """A sentence's companies, among those the whole article was found to name."""
        mentions = self.reference.find(text, article.published, known=found)
        return [m for m in mentions if m.symbol in found]

    def _finish(self, plan: _Plan, scores: list[float]) -> ArticleAnalysis:
        parsed = self._sentences(plan, iter(scores))
        overall = _weighted_mean([(s.weight, s.score) for s in parsed])
        summary = _summarise(plan.article.title, [s.text for s in parsed[1:]])
        return ArticleAnalysis.build(
            summary_sentence=summary[0],
            summary_paragraph=" ".join(summary[1]),
            overall_score=overall,
            tickers=self._ticker_scores(parsed, plan.relevance),
        )

    @staticmethod
    def _sentences(plan: _Plan, scores: Iterator[float]) -> list[_Sentence]:
        sentence_scores = [next(scores) for _ in range(plan.sentences)]
        out = []
        for index, symbols in enumerate(plan.named):
            by_symbol = {symbol: sentence_scores[index] for symbol in symbols}
            if index in plan.clauses:
                per_symbol: dict[str, list[float]] = {}
                for _, clause_symbols in plan.clauses[index]:
                    score = next(scores)
                    for symbol in clause_symbols:
                        per_symbol.setdefault(symbol, []).append(score)
                by_symbol |= {sym: sum(v) / len(v) for sym, v in per_symbol.items()}
            weight = _TITLE_WEIGHT if index == 0 else _LEAD_WEIGHT if index == 1 else 1.0
            text = plan.texts[index]
            out.append(_Sentence(text, weight, sentence_scores[index], symbols, by_symbol))
        return out

    def _clauses(
        self, text: str, article: ArticleText, found: dict[str, Subject]
    ) -> list[tuple[str, set[str]]]:
        """The clauses of a sentence with the companies each is about; an unnamed clause
        continues the company before it."""
        out: list[tuple[str, set[str]]] = []
        current: set[str] = set()
        for clause in _CLAUSE_BREAK.split(text):
            current = {m.symbol for m in self._find(clause, article, found)} or current
            if clause.strip() and current:
                out.append((clause, current))
        return out

    @staticmethod
    def _ticker_scores(
        parsed: list[_Sentence], relevance: dict[str, float]
    ) -> dict[str, tuple[float, float]]:
        """Each company's score from its sentences; relevance is relevance.py's."""
        symbols = dict.fromkeys(symbol for s in parsed for symbol in s.symbols)
        scores: dict[str, tuple[float, float]] = {}
        for symbol in symbols:
            own = [s for s in parsed if symbol in s.symbols]
            score = _weighted_mean([(s.weight, s.by_symbol[symbol]) for s in own])
            scores[symbol] = (relevance.get(symbol, 0.01), score)
        return scores


def _weighted_mean(weighted: list[tuple[float, float]]) -> float:
    """Mean of sentence scores; a neutral sentence counts half, as it says less."""
    pairs = [(w * (0.5 if abs(x) < _POLAR_EDGE else 1.0), x) for w, x in weighted]
    total = sum(w for w, _ in pairs)
    return sum(w * x for w, x in pairs) / total if total else 0.0


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
