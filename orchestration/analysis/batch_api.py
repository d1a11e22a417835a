"""Backfills through the OpenAI Batch API: one JSONL upload, half the price, hours to finish.

Upload the requests (files API), create the batch, poll it, download the output and error
files, and post-process each answer exactly as an online call's. Cache, budget and
dead letters behave as online; an unfinished batch leaves its articles pending.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import openai

from orchestration.analysis import tokens
from orchestration.analysis.answer import FORMATS, response_format
from orchestration.analysis.base import (
    AnalysisError,
    BatchResult,
    Pending,
    failure_of,
)
from orchestration.analysis.cache import CachedAnswer
from orchestration.analysis.costs import BATCH_DISCOUNT
from orchestration.analysis.llm import OpenAICompatibleAnalyzer
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.tickers import TickerReference

ENDPOINT = "/v1/chat/completions"
_FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})


class BatchRequestError(Exception):
    """The batch ran, but this article's request in it failed."""


class BatchAPIAnalyzer(OpenAICompatibleAnalyzer):
    """analyze_many through one Batch API job; analyze (one article) stays an online call."""

    def __init__(
        self,
        reference: TickerReference,
        poll_s: float = 30.0,
        wait_s: float = 86_400.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(reference, **kwargs)
        self.poll_s = poll_s
        self.wait_s = wait_s
        self.batch_id: str | None = None
        self.batch_status: str | None = None

    def analyze_many(
        self,
        articles: list[ArticleText],
        on_progress: Callable[[int], None] | None = None,
    ) -> BatchResult:
        result = BatchResult()
        to_send = [a for a in articles if not self._from_cache(a, result)]
        to_send = self._within_budget(to_send, result)
        if to_send:
            try:
                self._run_batch(to_send, result)
            except openai.APIError as exc:  # the endpoint's fault, not the articles'
                reason = f"batch not run: {type(exc).__name__}: {exc}"
                self.stats.stopped_because = reason
                result.pending.extend(Pending(a.article_id, reason) for a in to_send)
        if on_progress:
            on_progress(len(articles))
        return result

    def _from_cache(self, article: ArticleText, result: BatchResult) -> bool:
        cached = self.cache.get(self.cache_key(article))
        if cached is None:
            return False
        self.stats.cache_hits += 1
        self._land(article, cached, result, cache_hit=True)
        return True

    def _within_budget(self, articles: list[ArticleText], result: BatchResult) -> list[ArticleText]:
        """Requests fit exactly; tokens and cost are estimated from the prompt before sending."""
        kept: list[ArticleText] = []
        estimated_tokens, estimated_cost = 0, 0.0
        budget = self.budget
        for article in articles:
            prompt = sum(tokens.count_tokens(m["content"]) for m in self.messages(article))
            cost = self.prices.cost(self.model, prompt, 0) * BATCH_DISCOUNT
            over = (
                (budget.max_requests is not None and len(kept) >= budget.max_requests)
                or (budget.max_tokens is not None and estimated_tokens + prompt > budget.max_tokens)
                or (budget.max_cost_usd is not None and estimated_cost + cost > budget.max_cost_usd)
            )
            if over:
                reason = "budget would be exceeded by this batch (estimated from the prompts)"
                self.stats.stopped_because = reason
                result.pending.append(Pending(article.article_id, reason))
                continue
            kept.append(article)
            estimated_tokens += prompt
            estimated_cost += cost
        return kept

    def _run_batch(self, articles: list[ArticleText], result: BatchResult) -> None:
        by_id = {a.article_id: a for a in articles}
        client = openai.OpenAI(**{**self._client_kwargs(), "max_retries": self.max_retries})
        with client:
            upload = client.files.create(
                file=("tickerpulse-batch.jsonl", self._jsonl(articles), "application/jsonl"),
                purpose="batch",
            )
            batch = client.batches.create(
                input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h"
            )
            self.batch_id = batch.id
            self.budget.requests += len(articles)
            self.stats.requests += len(articles)
            deadline = time.monotonic() + self.wait_s
            while batch.status not in _FINISHED and time.monotonic() < deadline:
                time.sleep(self.poll_s)
                batch = client.batches.retrieve(batch.id)
            self.batch_status = batch.status
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    for line in client.files.content(file_id).text.splitlines():
                        if line.strip():
                            self._ingest(json.loads(line), by_id, result)
        for article_id in by_id:  # no line came back for these
            reason = f"batch {batch.id} ended {batch.status} without an answer for it"
            if batch.status == "completed":
                result.failures.append(failure_of(article_id, BatchRequestError(reason)))
            else:
                result.pending.append(Pending(article_id, reason))

    def _jsonl(self, articles: list[ArticleText]) -> bytes:
        self.stats.response_format = FORMATS[self._format]
        lines = [
            {
                "custom_id": article.article_id,
                "method": "POST",
                "url": ENDPOINT,
                "body": {
                    "model": self.model,
                    "messages": self.messages(article),
                    "response_format": response_format(FORMATS[self._format]),
                    "temperature": 0,
                },
            }
            for article in articles
        ]
        return "\n".join(json.dumps(line) for line in lines).encode() + b"\n"

    def _ingest(
        self, line: dict[str, Any], by_id: dict[str, ArticleText], result: BatchResult
    ) -> None:
        article = by_id.pop(line.get("custom_id", ""), None)
        if article is None:
            return  # not ours, or a duplicate line
        response = line.get("response") or {}
        body = response.get("body") or {}
        try:
            if response.get("status_code") != 200:
                detail = (body.get("error") or line.get("error") or {}).get("message", "")
                raise BatchRequestError(f"HTTP {response.get('status_code')}: {detail}")
            message = body["choices"][0]["message"]
            if message.get("refusal"):
                raise AnalysisError(f"model refused: {message['refusal']}")
            usage = body.get("usage") or {}
            input_tokens = usage.get("prompt_tokens", 0)
            output_tokens = usage.get("completion_tokens", 0)
            cost = self.prices.cost(self.model, input_tokens, output_tokens) * BATCH_DISCOUNT
            self.stats.input_tokens += input_tokens
            self.stats.output_tokens += output_tokens
            self.stats.cost_usd += cost
            self.budget.spend(input_tokens + output_tokens, cost)
            answer = CachedAnswer(
                message.get("content") or "", input_tokens, output_tokens, 0, cost, 1
            )
            if self._land(article, answer, result, cache_hit=False):
                self.cache.put(self.cache_key(article), answer)
        except Exception as exc:
            result.failures.append(failure_of(article.article_id, exc))

    def _land(
        self, article: ArticleText, answer: CachedAnswer, result: BatchResult, cache_hit: bool
    ) -> bool:
        try:
            analysis, record = self._finish(article, answer, cache_hit=cache_hit)
        except Exception as exc:
            result.failures.append(failure_of(article.article_id, exc))
            return False
        result.analyses[article.article_id] = analysis
        result.records[article.article_id] = record
        return True
