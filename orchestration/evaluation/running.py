"""Running an analyzer over a data set once per distinct text, with what the calls cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration.analysis.base import Analyzer, analyze_all
from orchestration.analysis.schema import ArticleAnalysis
from orchestration.evaluation.datasets import Dataset


@dataclass(frozen=True)
class Usage:
    """Tokens and estimated cost of the articles analysed; zero for the offline analyzer."""

    articles: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def per_thousand(self) -> tuple[float, float, float]:
        """Input tokens, output tokens and US$ per 1,000 articles."""
        if not self.articles:
            return 0.0, 0.0, 0.0
        scale = 1000 / self.articles
        return self.input_tokens * scale, self.output_tokens * scale, self.cost_usd * scale


@dataclass
class Run:
    analyses: list[ArticleAnalysis | None]  # one per example, None where analysis failed
    failed: int  # examples
    seconds: float
    usage: Usage = field(default_factory=Usage)


def run_analyzer(
    analyzer: Analyzer, dataset: Dataset, on_progress: Callable[[int], None] | None = None
) -> Run:
    """Analyse each distinct text of the set once; failures count, never stop the run.

    Cached LLM answers report the call that filled the cache, so the cost estimate is what
    the set costs to analyse, whether or not this run paid for it.
    """
    articles, article_ids = dataset.articles()
    started = time.perf_counter()
    batch = analyze_all(analyzer, articles, on_progress=on_progress)
    seconds = time.perf_counter() - started
    records = [batch.records[a.article_id] for a in articles if a.article_id in batch.records]
    usage = Usage(
        articles=len(records),
        input_tokens=sum(r.input_tokens for r in records),
        output_tokens=sum(r.output_tokens for r in records),
        cost_usd=sum(r.cost_usd for r in records),
    )
    analyses = [batch.analyses.get(i) for i in article_ids]
    return Run(analyses, sum(a is None for a in analyses), seconds, usage)
