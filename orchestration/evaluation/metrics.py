"""Scoring an analyzer on a labelled set: confusion matrix, accuracy, per-class F1."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestration.analysis.base import Analyzer
from orchestration.analysis.tickers import TickerReference, default_reference
from orchestration.evaluation.datasets import CLASSES, Dataset, score_label
from orchestration.evaluation.running import Usage, run_analyzer


@dataclass
class Result:
    dataset: Dataset
    analyzer: str
    model: str
    prompt_version: str
    confusion: dict[str, dict[str, int]]
    entity_not_found: int = 0
    failed: int = 0
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    evaluated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    @property
    def rows(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def accuracy(self) -> float:
        return accuracy(self.confusion)

    @property
    def per_class(self) -> dict[str, dict[str, float]]:
        return per_class(self.confusion)

    @property
    def macro_f1(self) -> float:
        return macro_f1(self.confusion)


def evaluate(
    analyzer: Analyzer,
    dataset: Dataset,
    on_progress: Callable[[int], None] | None = None,
    reference: TickerReference | None = None,
) -> Result:
    """Run the analyzer over every example; failures and missing entities predict neutral."""
    reference = reference or default_reference()
    run = run_analyzer(analyzer, dataset, on_progress)
    confusion = {gold: dict.fromkeys(CLASSES, 0) for gold in CLASSES}
    not_found = 0
    for example, analysis in zip(dataset.examples, run.analyses, strict=True):
        predicted = "neutral"
        if analysis is not None and dataset.kind == "headlines":
            predicted = score_label(analysis.overall_sentiment_score)
        elif analysis is not None:
            symbol = reference.resolve(example.entity or "")
            scores = {t.ticker: t.ticker_sentiment_score for t in analysis.tickers}
            if symbol in scores:
                predicted = score_label(scores[symbol])
            else:
                not_found += 1
        confusion[example.label][predicted] += 1
    return Result(
        dataset=dataset,
        analyzer=analyzer.name,
        model=analyzer.model,
        prompt_version=analyzer.prompt_version,
        confusion=confusion,
        entity_not_found=not_found,
        failed=run.failed,
        seconds=run.seconds,
        usage=run.usage,
    )


def accuracy(confusion: dict[str, dict[str, int]]) -> float:
    total = sum(sum(row.values()) for row in confusion.values())
    return sum(confusion[c].get(c, 0) for c in confusion) / total if total else 0.0


def per_class(confusion: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class (rows are gold, columns predicted)."""
    out: dict[str, dict[str, float]] = {}
    for c in CLASSES:
        tp = confusion.get(c, {}).get(c, 0)
        predicted = sum(row.get(c, 0) for row in confusion.values())
        support = sum(confusion.get(c, {}).values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[c] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return out


def macro_f1(confusion: dict[str, dict[str, int]]) -> float:
    """Mean F1 over the classes that occur in the gold labels or the predictions."""
    figures = per_class(confusion)
    seen = [
        c
        for c in CLASSES
        if figures[c]["support"] or any(row.get(c, 0) for row in confusion.values())
    ]
    return sum(figures[c]["f1"] for c in seen) / len(seen) if seen else 0.0


def confusion_of(gold: Iterable[str], predicted: Iterable[str]) -> dict[str, dict[str, int]]:
    """A confusion matrix from two label sequences (for baselines that are not analyzers)."""
    confusion = {g: dict.fromkeys(CLASSES, 0) for g in CLASSES}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    return confusion
