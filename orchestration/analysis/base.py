"""The one interface every analyzer implements, and running one over many articles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from orchestration.analysis.schema import ArticleAnalysis, ArticleText


class Analyzer(Protocol):
    """Turns an article into an ArticleAnalysis; rows record name, model and prompt version."""

    name: str
    model: str
    prompt_version: str

    def analyze(self, article: ArticleText) -> ArticleAnalysis: ...


class AnalysisError(Exception):
    """The analyzer answered, but not with a usable analysis (bad JSON, wrong schema)."""


@dataclass(frozen=True)
class Failure:
    article_id: str
    error_class: str
    message: str


@dataclass(frozen=True)
class Pending:
    """An article not analysed this run on purpose (budget spent, circuit open): try again."""

    article_id: str
    reason: str


@dataclass(frozen=True)
class CallRecord:
    """What producing one analysis took; a cache hit reports the call that filled the cache."""

    input_tokens: int
    output_tokens: int
    latency_ms: int
    cost_usd: float
    attempts: int
    cache_hit: bool


@dataclass
class BatchResult:
    analyses: dict[str, ArticleAnalysis] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    records: dict[str, CallRecord] = field(default_factory=dict)


def analyze_all(
    analyzer: Analyzer,
    articles: Iterable[ArticleText],
    on_progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Analyse each article; one that fails becomes a Failure, never a lost article.

    An analyzer with a batch path (`analyze_many`, e.g. concurrent LLM calls) gets them all.
    """
    analyze_many = getattr(analyzer, "analyze_many", None)
    if analyze_many is not None:
        return analyze_many(list(articles), on_progress=on_progress)
    result = BatchResult()
    for done, article in enumerate(articles, start=1):
        try:
            result.analyses[article.article_id] = analyzer.analyze(article)
        except Exception as exc:  # one bad article must not sink the partition
            result.failures.append(failure_of(article.article_id, exc))
        if on_progress:
            on_progress(done)
    return result


def failure_of(article_id: str, exc: BaseException) -> Failure:
    return Failure(article_id, type(exc).__name__, _one_line(str(exc)))


def _one_line(message: str, limit: int = 500) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
