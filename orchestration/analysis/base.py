"""The one interface every analyzer implements, and running one over many articles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from orchestration.analysis.schema import ArticleAnalysis, ArticleText


class Analyzer(Protocol):
    """Turns articles into ArticleAnalysis rows; rows record name, model and prompt version.

    `analyze` is one article, errors raised; `analyze_many` is the batch path the pipeline
    runs: every article ends analysed, failed or pending, never lost.
    """

    name: str
    model: str
    prompt_version: str

    def analyze(self, article: ArticleText) -> ArticleAnalysis: ...

    def analyze_many(
        self,
        articles: list[ArticleText],
        on_progress: Callable[[int], None] | None = None,
    ) -> BatchResult: ...


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
class RunStats:
    """What calling a model took over a batch; the analysis asset's metadata shows it."""

    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    dropped_tickers: int = 0  # named by the model but not in the reference
    dropped_evidence: int = 0
    repairs: int = 0  # answers sent back once because they broke JSON or the schema
    response_format: str = ""  # the strictest output format the endpoint accepted
    circuit_open: bool = False
    stopped_because: str | None = None


@dataclass
class BatchResult:
    analyses: dict[str, ArticleAnalysis] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    records: dict[str, CallRecord] = field(default_factory=dict)
    stats: RunStats | None = None  # None: no model was called (the offline analyzer)


def analyze_all(
    analyzer: Analyzer,
    articles: Iterable[ArticleText],
    on_progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Analyse every article through the analyzer's batch path."""
    return analyzer.analyze_many(list(articles), on_progress=on_progress)


def analyze_each(
    analyzer: Analyzer,
    articles: Iterable[ArticleText],
    on_progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """The batch path of an analyzer that has none of its own: one article at a time."""
    result = BatchResult()
    for done, article in enumerate(articles, start=1):
        try:
            result.analyses[article.article_id] = analyzer.analyze(article)
        except Exception as exc:  # one bad article must not sink the partition
            result.failures.append(failure_of(article.article_id, exc))
        if on_progress:
            on_progress(done)
    return result


class OneByOne:
    """Mix in for an analyzer with only `analyze`: `analyze_many` runs it per article."""

    def analyze_many(
        self,
        articles: list[ArticleText],
        on_progress: Callable[[int], None] | None = None,
    ) -> BatchResult:
        return analyze_each(self, articles, on_progress)  # type: ignore[arg-type]


def failure_of(article_id: str, exc: BaseException) -> Failure:
    return Failure(article_id, type(exc).__name__, _one_line(str(exc)))


def _one_line(message: str, limit: int = 500) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
