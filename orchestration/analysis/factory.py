"""Choosing and building an analyzer from settings: the pipeline and `tickerpulse eval` alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.analysis.base import Analyzer
from orchestration.analysis.cache import AnswerCache
from orchestration.analysis.costs import Budget, PriceTable
from orchestration.analysis.tickers import TickerReference

BACKENDS = ("auto", "offline", "openai")
MODES = ("online", "batch")


class AnalyzerConfigError(ValueError):
    """Settings that name no analyzer we have."""


@dataclass(frozen=True)
class AnalyzerSettings:
    """Which analyzer, and the LLM's knobs. docs/llm.md explains each one.

    backend "auto" uses the LLM when an API key or a base URL is set, else the offline
    analyzer. Budgets are per run; None means unlimited.
    """

    backend: str = "auto"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # a secret: never printed
    model: str = "gpt-4o-mini"
    mode: str = "online"
    prompt_version: str | None = None  # None: the current prompt
    timeout_s: float = 60.0
    max_retries: int = 3
    concurrency: int = 8
    breaker_threshold: int = 5
    max_input_tokens: int = 3000
    max_output_tokens: int | None = 800
    max_requests: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    batch_poll_s: float = 30.0
    batch_wait_s: float = 86_400.0

    @property
    def uses_llm(self) -> bool:
        if self.backend not in BACKENDS:
            raise AnalyzerConfigError(
                f"TICKERPULSE_ANALYZER must be auto, offline or openai, not {self.backend!r}"
            )
        return self.backend == "openai" or (
            self.backend == "auto" and bool(self.api_key or self.base_url)
        )

    @property
    def choice(self) -> str:
        """Why this analyzer, in words for a run's metadata."""
        if self.uses_llm:
            return f"LLM endpoint ({self.mode} mode), backend={self.backend}"
        if self.backend == "offline":
            return "offline analyzer: TICKERPULSE_ANALYZER=offline"
        return "offline analyzer: no LLM endpoint configured (OPENAI_API_KEY/OPENAI_BASE_URL)"


def build_analyzer(
    settings: AnalyzerSettings, reference: TickerReference, cache: AnswerCache | None = None
) -> Analyzer:
    """The analyzer the settings choose; an LLM analyzer answers from and fills `cache`."""
    if not settings.uses_llm:
        if settings.prompt_version:
            raise AnalyzerConfigError("a prompt version applies to the LLM analyzer only")
        from orchestration.analysis.offline import OfflineAnalyzer

        return OfflineAnalyzer(reference)
    if settings.mode not in MODES:
        raise AnalyzerConfigError(
            f"TICKERPULSE_LLM_MODE must be online or batch, not {settings.mode!r}"
        )
    if settings.concurrency < 1:  # the analyzer would quietly run one request at a time
        raise AnalyzerConfigError(
            f"TICKERPULSE_LLM_CONCURRENCY must be at least 1, not {settings.concurrency}"
        )
    # Imported here: the offline path (the default, and every eval of it) never loads openai.
    from orchestration.analysis.batch_api import BatchAPIAnalyzer
    from orchestration.analysis.llm import PROMPT_VERSION, OpenAICompatibleAnalyzer

    kwargs = {
        "model": settings.model,
        "base_url": settings.base_url,
        "api_key": settings.api_key,
        "timeout_s": settings.timeout_s,
        "max_retries": settings.max_retries,
        "prompt_version": settings.prompt_version or PROMPT_VERSION,
        "concurrency": settings.concurrency,
        "max_input_tokens": settings.max_input_tokens,
        "max_output_tokens": settings.max_output_tokens,
        "breaker_threshold": settings.breaker_threshold,
        "budget": Budget(settings.max_requests, settings.max_tokens, settings.max_cost_usd),
        "prices": PriceTable(dict(settings.prices)),
        "cache": cache,
    }
    if settings.mode == "batch":
        return BatchAPIAnalyzer(
            reference, poll_s=settings.batch_poll_s, wait_s=settings.batch_wait_s, **kwargs
        )
    return OpenAICompatibleAnalyzer(reference, **kwargs)
