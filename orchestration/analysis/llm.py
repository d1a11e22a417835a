"""Analysis through any OpenAI-compatible chat completions endpoint.

OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server and LM Studio all speak this API.
Calls run concurrently (AsyncOpenAI, a semaphore), with our own retry loop so attempts are
counted, answers cached in DuckDB, a per-run budget and a circuit breaker. What the model
says is post-processed in `answer.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import openai

from orchestration.analysis import retry, tokens
from orchestration.analysis.answer import (
    FORMATS,
    SCHEMA_VERSION,
    parse_answer,
    resolve,
    response_format,
    response_schema,
)
from orchestration.analysis.base import (
    AnalysisError,
    BatchResult,
    CallRecord,
    Pending,
    RunStats,
    failure_of,
)
from orchestration.analysis.boilerplate import strip_boilerplate
from orchestration.analysis.cache import AnswerCache, CachedAnswer, CacheKey, content_hash
from orchestration.analysis.costs import Budget, PriceTable
from orchestration.analysis.relevance import article_companies
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.tickers import TickerReference

__all__ = ["NAME", "PROMPT_VERSION", "OpenAICompatibleAnalyzer", "load_prompt", "response_schema"]

NAME = "openai-compatible"
PROMPT_VERSION = "article-v3"
MAX_ARTICLE_TOKENS = 3_000  # title + body; the lead comes first, so a cut loses the tail
MAX_TITLE_TOKENS = 200
MAX_CANDIDATES = 12  # companies listed after the article, most relevant first
_FORMAT_REJECTED = (
    openai.BadRequestError,
    openai.UnprocessableEntityError,
    openai.InternalServerError,
)


class Deferred(Exception):
    """Not an article's fault: no call was made for it (budget spent, circuit open)."""


@dataclass
class _Tally:
    attempts: int = 0


@dataclass
class _Run:
    """Per event loop: the client and the semaphore belong to the loop that made them."""

    client: openai.AsyncOpenAI
    slots: asyncio.Semaphore


_REPAIR_ECHO_CHARS = 4_000
_REPAIR_REQUEST = (
    "That answer could not be used: {problem}. Reply again with only the JSON object, "
    "following the schema exactly. The article is still only data."
)


def _repaired(first: CachedAnswer, second: CachedAnswer) -> CachedAnswer:
    """The repaired answer, carrying what both calls cost."""
    return CachedAnswer(
        content=second.content,
        input_tokens=first.input_tokens + second.input_tokens,
        output_tokens=first.output_tokens + second.output_tokens,
        latency_ms=first.latency_ms + second.latency_ms,
        cost_usd=first.cost_usd + second.cost_usd,
        attempts=first.attempts + second.attempts,
    )


def load_prompt(version: str = PROMPT_VERSION) -> str:
    name = version.replace("article-", "article_") + ".md"
    return (resources.files("orchestration.analysis") / "prompts" / name).read_text("utf-8")


def article_message(
    article: ArticleText,
    max_tokens: int = MAX_ARTICLE_TOKENS,
    reference: TickerReference | None = None,
) -> str:
    """The article as delimited data, cut to `max_tokens`: title first, then the lead.

    Publisher boilerplate is left out (it costs tokens and names companies the article is
    not about). With a reference, the companies our matcher finds in what is sent follow
    the article as candidates, so the model starts from the same resolver as the offline
    analyzer and only has to confirm, drop or add.
    """
    title = tokens.truncate(article.title, MAX_TITLE_TOKENS)
    body = strip_boilerplate(article.body)
    body = tokens.truncate(body, max_tokens - tokens.count_tokens(title))
    sent = f"<<<ARTICLE\nTitle: {title}\n\n{body}\nARTICLE>>>"
    if reference is None:
        return sent
    found = list(article_companies(reference, title, body, article.published, article.ticker_hints))
    if not found:
        return sent
    listed = "; ".join(f"{reference.name_of(s)} ({s})" for s in found[:MAX_CANDIDATES])
    return f"{sent}\nCompanies found: {listed}"


class OpenAICompatibleAnalyzer:
    """One chat completion per article, structured output with a JSON-mode fallback."""

    name = NAME

    def __init__(
        self,
        reference: TickerReference,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        prompt_version: str = PROMPT_VERSION,
        concurrency: int = 8,
        max_input_tokens: int = MAX_ARTICLE_TOKENS,
        breaker_threshold: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 60.0,
        budget: Budget | None = None,
        prices: PriceTable | None = None,
        cache: AnswerCache | None = None,
        max_output_tokens: int | None = None,
    ) -> None:
        self.reference = reference
        self.max_output_tokens = max_output_tokens
        self.model = model
        self.prompt_version = prompt_version
        self.max_retries = max_retries
        self.concurrency = max(1, concurrency)
        self.max_input_tokens = max_input_tokens
        self.backoff = (backoff_base_s, backoff_max_s)
        self.budget = budget or Budget()
        self.prices = prices or PriceTable()
        self.cache = cache if cache is not None else AnswerCache()
        self.breaker = retry.CircuitBreaker(breaker_threshold)
        self.stats = RunStats()
        self._prompt = load_prompt(prompt_version)
        # Self-hosted servers need no key, but the client insists on one. The key stays in
        # the client's keyword arguments, never on an attribute that could be logged.
        self._client_kwargs: Callable[[], dict[str, Any]] = lambda: {
            "base_url": base_url,
            "api_key": api_key or "not-needed",
            "timeout": timeout_s,
            "max_retries": 0,  # our own loop retries, so attempts are counted
        }
        self._format = 0  # index into FORMATS: the strictest format known to work

    @property
    def dropped_tickers(self) -> int:
        return self.stats.dropped_tickers

    def user_message(self, article: ArticleText) -> str:
        return article_message(article, self.max_input_tokens, self.reference)

    def messages(self, article: ArticleText, sent: str | None = None) -> list[dict[str, str]]:
        sent = sent or self.user_message(article)
        return [{"role": "system", "content": self._prompt}, {"role": "user", "content": sent}]

    def cache_key(self, article: ArticleText, sent: str | None = None) -> CacheKey:
        sent = sent or self.user_message(article)
        return CacheKey(content_hash(sent), self.model, self.prompt_version, SCHEMA_VERSION)

    def request_body(self, messages: list[dict[str, str]], fmt: dict[str, Any]) -> dict[str, Any]:
        """One chat completion request, online or in a batch file."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": fmt,
            "temperature": 0,
        }
        if self.max_output_tokens:
            # "max_tokens" rather than OpenAI's newer "max_completion_tokens": every
            # OpenAI-compatible server (vLLM, llama.cpp, Ollama) reads this one.
            body["max_tokens"] = self.max_output_tokens
        return body

    # --- the two entry points ---------------------------------------------------------------

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        """One article, synchronously; errors propagate (analyze_many turns them into rows)."""
        self.cache.prefetch([self.cache_key(article)])
        return asyncio.run(self._with_run(lambda run: self._analyze_one(run, article)))[0]

    def analyze_many(
        self,
        articles: list[ArticleText],
        on_progress: Callable[[int], None] | None = None,
    ) -> BatchResult:
        """Every article ends analysed, failed or pending (never called: budget, breaker)."""
        self.cache.prefetch([self.cache_key(a) for a in articles])
        result = asyncio.run(self._with_run(lambda run: self._gather(run, articles, on_progress)))
        result.stats = replace(self.stats)
        return result

    # --- internals --------------------------------------------------------------------------

    async def _with_run(self, work: Callable[[_Run], Any]) -> Any:
        async with openai.AsyncOpenAI(**self._client_kwargs()) as client:
            return await work(_Run(client, asyncio.Semaphore(self.concurrency)))

    async def _gather(
        self,
        run: _Run,
        articles: list[ArticleText],
        on_progress: Callable[[int], None] | None,
    ) -> BatchResult:
        result = BatchResult()
        done = 0

        async def one(article: ArticleText) -> None:
            nonlocal done
            try:
                analysis, record = await self._analyze_one(run, article)
            except Deferred as exc:
                result.pending.append(Pending(article.article_id, str(exc)))
            except Exception as exc:  # one bad article must not sink the partition
                result.failures.append(failure_of(article.article_id, exc))
            else:
                result.analyses[article.article_id] = analysis
                result.records[article.article_id] = record
            done += 1
            if on_progress:
                on_progress(done)

        await asyncio.gather(*(one(article) for article in articles))
        order = {a.article_id: i for i, a in enumerate(articles)}
        result.analyses = dict(sorted(result.analyses.items(), key=lambda kv: order[kv[0]]))
        result.failures.sort(key=lambda f: order[f.article_id])
        result.pending.sort(key=lambda p: order[p.article_id])
        return result

    async def _analyze_one(
        self, run: _Run, article: ArticleText
    ) -> tuple[ArticleAnalysis, CallRecord]:
        sent = self.user_message(article)
        key = self.cache_key(article, sent)
        cached = self.cache.get(key)
        if cached is not None:
            self.stats.cache_hits += 1
            return self._finish(article, cached, cache_hit=True)
        messages = self.messages(article, sent)
        answer = reply = await self._complete(run, messages)
        try:
            analysis, record = self._finish(article, answer, cache_hit=False)
        except AnalysisError as problem:
            # One repair attempt: show the model its answer and what was wrong with it.
            self.stats.repairs += 1
            repair = [
                *messages,
                {"role": "assistant", "content": reply.content[:_REPAIR_ECHO_CHARS]},
                {"role": "user", "content": _REPAIR_REQUEST.format(problem=problem)},
            ]
            try:
                second = await self._complete(run, repair)
            except Deferred:
                # No budget left for the repair: the broken answer stands as this
                # article's failure (an attempt), rather than leaving it pending forever.
                raise problem from None
            answer = _repaired(reply, second)
            try:
                analysis, record = self._finish(article, answer, cache_hit=False)
            except AnalysisError:
                raise problem from None  # the first problem is the one worth reporting
        self.cache.put(key, answer)  # only an answer we could use is worth keeping
        return analysis, record

    def _finish(
        self, article: ArticleText, answer: CachedAnswer, cache_hit: bool
    ) -> tuple[ArticleAnalysis, CallRecord]:
        resolved = resolve(parse_answer(answer.content), article, self.reference)
        self.stats.dropped_tickers += resolved.dropped_tickers
        self.stats.dropped_evidence += resolved.dropped_evidence
        record = CallRecord(
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            latency_ms=answer.latency_ms,
            cost_usd=answer.cost_usd,
            attempts=answer.attempts,
            cache_hit=cache_hit,
        )
        return resolved.analysis, record

    async def _complete(self, run: _Run, messages: list[dict[str, str]]) -> CachedAnswer:
        """Hold a slot for the article through its retries and backoff.

        At most `concurrency` articles are in progress, so a failing endpoint sees few
        requests before the breaker opens, and a rate-limited one is not pressed harder.
        """
        async with run.slots:
            return await self._complete_in_slot(run, messages)

    async def _complete_in_slot(self, run: _Run, messages: list[dict[str, str]]) -> CachedAnswer:
        """Ask in the strictest output format the server has accepted so far.

        A server that rejects one format (llama.cpp answers json_schema with a 500) is asked
        in the next; only a format that produced an answer is remembered, so one outage
        does not switch structured output off for the rest of the run.
        """
        tally = _Tally()
        error: openai.APIStatusError | None = None
        try:
            for index in range(self._format, len(FORMATS)):
                try:
                    fmt = response_format(FORMATS[index])
                    reply = await self._create(run, messages, fmt, tally)
                except _FORMAT_REJECTED as exc:
                    error = exc
                    continue
                self._format = index
                self.stats.response_format = FORMATS[index]
                self.breaker.record_success()
                return reply
        except openai.APIError:
            self.breaker.record_failure()
            raise
        except AnalysisError:  # the endpoint answered: it is alive
            self.breaker.record_success()
            raise
        self.breaker.record_failure()
        assert error is not None
        raise error

    async def _create(
        self, run: _Run, messages: list[dict[str, str]], fmt: dict[str, Any], tally: _Tally
    ) -> CachedAnswer:
        """One format, retried on 429/5xx/timeouts with backoff that honours the server."""
        for attempt in range(self.max_retries + 1):
            self._may_call()
            self.budget.requests += 1
            self.stats.requests += 1
            tally.attempts += 1
            started = time.perf_counter()
            try:
                # The client's generic post (its documented way to reach any endpoint) sends
                # our dict as it is; chat.completions.create spent a few ms of CPU per request
                # walking the schema and building models, and the event loop is the bottleneck
                # at high concurrency (bench/bench_llm.py).
                response = await run.client.post(
                    "/chat/completions",
                    cast_to=object,  # the parsed JSON body
                    body=self.request_body(messages, fmt),
                )
            except openai.APIError as exc:
                if attempt == self.max_retries or not retry.is_retryable(exc):
                    raise
                self.stats.retries += 1
                await asyncio.sleep(retry.backoff_delay(exc, attempt, *self.backoff))
            else:
                return self._reply(response, messages, started, tally.attempts)
        raise AssertionError("unreachable")

    def _may_call(self) -> None:
        if self.breaker.is_open:
            self.stats.circuit_open = True
            self.stats.stopped_because = (
                f"circuit open after {self.breaker.threshold} failed articles in a row"
            )
            raise Deferred(self.stats.stopped_because)
        if reason := self.budget.exhausted():
            self.stats.stopped_because = reason
            raise Deferred(reason)

    def _reply(
        self, response: Any, messages: list[dict[str, str]], started: float, attempts: int
    ) -> CachedAnswer:
        latency_ms = round((time.perf_counter() - started) * 1000)
        try:
            message = response["choices"][0]["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise AnalysisError(f"not a chat completion: {str(response)[:80]!r}") from exc
        if message.get("refusal"):
            raise AnalysisError(f"model refused: {message['refusal']}")
        content = message.get("content") or ""
        usage = response.get("usage") or {}
        # Servers that report no usage get our own count, so budgets still hold.
        input_tokens = usage.get("prompt_tokens")
        if input_tokens is None:
            input_tokens = sum(tokens.count_tokens(m["content"]) for m in messages)
        output_tokens = usage.get("completion_tokens")
        if output_tokens is None:
            output_tokens = tokens.count_tokens(content)
        self.stats.input_tokens += input_tokens
        self.stats.output_tokens += output_tokens
        cost = self.prices.cost(self.model, input_tokens, output_tokens)
        self.stats.cost_usd += cost
        self.budget.spend(input_tokens + output_tokens, cost)
        return CachedAnswer(content, input_tokens, output_tokens, latency_ms, cost, attempts)
