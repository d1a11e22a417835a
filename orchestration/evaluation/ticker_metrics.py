"""Scoring the companies an analyzer finds against gold tickers: recall, precision, extras."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestration.analysis.base import Analyzer
from orchestration.analysis.schema import ArticleAnalysis
from orchestration.analysis.tickers import TickerReference, default_reference
from orchestration.evaluation.datasets import Dataset
from orchestration.evaluation.running import Usage, run_analyzer


def canonical(symbol: str) -> str:
    """One spelling per symbol: the SEC writes BRK-B, our S&P 500 table BRK.B."""
    return symbol.strip().lstrip("$").upper().replace(".", "-")


@dataclass(frozen=True)
class ArticleOutcome:
    """One article's gold and predicted tickers, canonical, split by the reference."""

    gold: frozenset[str]
    gold_outside: frozenset[str]  # gold tickers the reference does not list
    predicted: frozenset[str]

    @property
    def found(self) -> frozenset[str]:
        return self.gold & self.predicted

    @property
    def missed(self) -> frozenset[str]:
        return self.gold - self.predicted

    @property
    def extra(self) -> frozenset[str]:
        return self.predicted - self.gold - self.gold_outside


@dataclass
class TickerFigures:
    """Counts over a set at one relevance cut-off; the rates are derived from them."""

    min_relevance: float
    articles: int = 0
    gold: int = 0  # gold tickers in the reference
    gold_outside: int = 0
    found: int = 0
    found_outside: int = 0
    predicted: int = 0
    extra: int = 0
    articles_with_gold: int = 0
    articles_all_found: int = 0
    articles_exact: int = 0  # every listed gold found and nothing extra
    articles_without_gold: int = 0
    articles_without_gold_clean: int = 0  # no gold and no ticker predicted
    wrong: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    outside: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def recall_all(self) -> float:
        """Recall over every gold ticker: comparable across references of different sizes."""
        everything = self.gold + self.gold_outside
        return (self.found + self.found_outside) / everything if everything else 0.0

    @property
    def precision(self) -> float:
        correct = self.predicted - self.extra
        return correct / self.predicted if self.predicted else 0.0

    @property
    def extra_per_article(self) -> float:
        return self.extra / self.articles if self.articles else 0.0

    def add(self, outcome: ArticleOutcome) -> None:
        self.articles += 1
        self.gold += len(outcome.gold)
        self.gold_outside += len(outcome.gold_outside)
        self.found += len(outcome.found)
        self.found_outside += len(outcome.gold_outside & outcome.predicted)
        self.predicted += len(outcome.predicted)
        self.extra += len(outcome.extra)
        self.wrong.update(outcome.extra)
        self.missed.update(outcome.missed)
        self.outside.update(outcome.gold_outside - outcome.predicted)
        if outcome.gold:
            self.articles_with_gold += 1
            self.articles_all_found += not outcome.missed
        if not outcome.gold and not outcome.gold_outside:
            self.articles_without_gold += 1
            self.articles_without_gold_clean += not outcome.predicted
        self.articles_exact += not outcome.missed and not outcome.extra


@dataclass
class TickerResult:
    dataset: Dataset
    analyzer: str
    model: str
    prompt_version: str
    cuts: list[TickerFigures]  # all tickers first, then the --min-relevance cut if any
    outcomes: list[ArticleOutcome]  # per example, all tickers
    by_category: list[dict[str, TickerFigures]]  # per cut; empty when the set has none
    predicted: list[dict[str, float]]  # per example: every reported symbol -> relevance
    reference_size: int
    failed: int = 0
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    evaluated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))


def outcome_of(
    gold: Iterable[str], predicted: Iterable[str], reference: TickerReference
) -> ArticleOutcome:
    """Split gold by whether the reference lists it; compare everything canonically."""
    listed = {canonical(s) for s in gold if reference.resolve(s) is not None}
    outside = {canonical(s) for s in gold} - listed
    return ArticleOutcome(
        frozenset(listed), frozenset(outside), frozenset(map(canonical, predicted))
    )


def figures_at(outcomes: Iterable[ArticleOutcome], min_relevance: float) -> TickerFigures:
    figures = TickerFigures(min_relevance)
    for outcome in outcomes:
        figures.add(outcome)
    return figures


def predicted_tickers(analysis: ArticleAnalysis | None, min_relevance: float) -> list[str]:
    if analysis is None:  # a failed analysis found nothing
        return []
    return [t.ticker for t in analysis.tickers if t.relevance_score >= min_relevance]


def evaluate_tickers(
    analyzer: Analyzer,
    dataset: Dataset,
    min_relevance: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    reference: TickerReference | None = None,
) -> TickerResult:
    """Run the analyzer over a ticker set; figures for all tickers and at the relevance cut."""
    reference = reference or default_reference()
    run = run_analyzer(analyzer, dataset, on_progress)
    cuts = [0.0, min_relevance] if min_relevance else [0.0]  # a cut at 0 is all tickers
    outcomes_per_cut = [
        [
            outcome_of(e.tickers, predicted_tickers(a, cut), reference)
            for e, a in zip(dataset.examples, run.analyses, strict=True)
        ]
        for cut in cuts
    ]
    categories = [e.category for e in dataset.examples]
    return TickerResult(
        dataset=dataset,
        analyzer=analyzer.name,
        model=analyzer.model,
        prompt_version=analyzer.prompt_version,
        cuts=[figures_at(o, cut) for o, cut in zip(outcomes_per_cut, cuts, strict=True)],
        outcomes=outcomes_per_cut[0],
        by_category=[
            _per_category(o, categories, cut) for o, cut in zip(outcomes_per_cut, cuts, strict=True)
        ],
        predicted=[
            {t.ticker: t.relevance_score for t in a.tickers} if a else {} for a in run.analyses
        ],
        reference_size=len(reference),
        failed=run.failed,
        seconds=run.seconds,
        usage=run.usage,
    )


def _per_category(
    outcomes: list[ArticleOutcome], categories: list[str | None], min_relevance: float
) -> dict[str, TickerFigures]:
    if not any(categories):
        return {}
    grouped: dict[str, TickerFigures] = {}
    for outcome, category in zip(outcomes, categories, strict=True):
        grouped.setdefault(category or "(none)", TickerFigures(min_relevance)).add(outcome)
    return dict(sorted(grouped.items()))
