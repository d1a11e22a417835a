"""Backfills through the OpenAI Batch API: one JSONL upload, half the price, hours to finish.

Upload the requests (files API), create the batch, poll it, download the output and error
files, and post-process each answer exactly as an online call's. Cache, budget and
dead letters behave as online; an unfinished batch leaves its articles pending.

A submitted batch is remembered in raw.llm_batches (through the cache's store) before it is
polled, so a run that stops waiting, or dies, does not pay twice: the next run over the
same articles collects that batch instead of submitting a new one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import openai

from orchestration.analysis import tokens
from orchestration.analysis.answer import FORMATS, SCHEMA_VERSION, response_format
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
from orchestration.warehouse.schema import LLM_BATCHES, create_tables

ENDPOINT = "/v1/chat/completions"
_FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})
SUBMITTED = "submitted"  # in the ledger: results not collected yet
LEDGER = "raw.llm_batches"


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
        self.cache.prefetch([self.cache_key(a) for a in articles])
        to_send = [a for a in articles if not self._from_cache(a, result)]
        try:
            # Before the budget: requests of an earlier run's batch are already paid for.
            to_send = self._resume(to_send, result)
            to_send = self._within_budget(to_send, result)
            if to_send:
                self._run_batch(to_send, result)
        except openai.APIError as exc:  # the endpoint's fault, not the articles'
            reason = f"batch not run: {type(exc).__name__}: {exc}"
            self.stats.stopped_because = reason
            landed = {*result.analyses, *(f.article_id for f in result.failures)}
            landed |= {p.article_id for p in result.pending}
            result.pending.extend(
                Pending(a.article_id, reason) for a in to_send if a.article_id not in landed
            )
        if on_progress:
            on_progress(len(articles))
        result.stats = replace(self.stats)
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

    def _client(self) -> openai.OpenAI:
        return openai.OpenAI(**{**self._client_kwargs(), "max_retries": self.max_retries})

    def _run_batch(self, articles: list[ArticleText], result: BatchResult) -> None:
        with self._client() as client:
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
            self._remember(batch.id, articles)
            self._collect(client, batch, {a.article_id: a for a in articles}, result)

    def _resume(self, articles: list[ArticleText], result: BatchResult) -> list[ArticleText]:
        """Collect earlier runs' batches for these articles; returns the articles left over."""
        store = self.cache.store
        if store is None or not articles:
            return articles
        with store() as con:
            create_tables(con, LLM_BATCHES)
            submitted = con.execute(
                f"select batch_id, article_ids, cache_keys from {LEDGER} where status = ? "
                "and model = ? and prompt_version = ? and schema_version = ? "
                "order by submitted_at",
                [SUBMITTED, self.model, self.prompt_version, SCHEMA_VERSION],
            ).fetchall()
        if not submitted:
            return articles
        left = {a.article_id: a for a in articles}
        keys = {a.article_id: self.cache_key(a).value for a in articles}
        with self._client() as client:
            for batch_id, article_ids, cache_keys in submitted:
                # Only requests for the same text: an article edited since is asked again.
                mine = {
                    article_id: left[article_id]
                    for article_id, key in zip(article_ids, cache_keys, strict=True)
                    if article_id in left and keys[article_id] == key
                }
                if not mine:
                    continue
                try:
                    batch = client.batches.retrieve(batch_id)
                except openai.NotFoundError:
                    self._forget(batch_id, "not found")  # another account or endpoint
                    continue
                for article_id in mine:
                    del left[article_id]
                self.batch_id = batch.id
                try:
                    self._collect(client, batch, dict(mine), result)
                except openai.APIError as exc:
                    # Still submitted in the ledger: a later run tries to collect it again.
                    reason = f"batch {batch_id} not collected: {type(exc).__name__}: {exc}"
                    self.stats.stopped_because = reason
                    done = {*result.analyses, *(f.article_id for f in result.failures)}
                    result.pending.extend(Pending(i, reason) for i in mine if i not in done)
        return list(left.values())

    def _collect(
        self, client: openai.OpenAI, batch: Any, by_id: dict[str, ArticleText], result: BatchResult
    ) -> None:
        """Wait for the batch within wait_s, then land each of its answers."""
        deadline = time.monotonic() + self.wait_s
        while batch.status not in _FINISHED and time.monotonic() < deadline:
            time.sleep(self.poll_s)
            batch = client.batches.retrieve(batch.id)
        self.batch_status = batch.status
        if batch.status not in _FINISHED:
            reason = f"batch {batch.id} still {batch.status}: a later run collects it"
            result.pending.extend(Pending(article_id, reason) for article_id in by_id)
            return
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
        # The answers are stored before the batch is marked collected: a crash in between
        # collects it once more, never loses it.
        self.cache.flush()
        self._forget(batch.id, batch.status)

    def _remember(self, batch_id: str, articles: list[ArticleText]) -> None:
        if self.cache.store is None:
            return
        with self.cache.store() as con:
            create_tables(con, LLM_BATCHES)
            con.execute(
                f"insert into {LEDGER} (batch_id, model, prompt_version, schema_version, "
                "article_ids, cache_keys, status) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    self.model,
                    self.prompt_version,
                    SCHEMA_VERSION,
                    [a.article_id for a in articles],
                    [self.cache_key(a).value for a in articles],
                    SUBMITTED,
                ],
            )

    def _forget(self, batch_id: str, status: str) -> None:
        if self.cache.store is None:
            return
        with self.cache.store() as con:
            create_tables(con, LLM_BATCHES)
            con.execute(
                f"update {LEDGER} set status = ?, collected_at = current_timestamp "
                "where batch_id = ?",
                [status, batch_id],
            )

    def _jsonl(self, articles: list[ArticleText]) -> bytes:
        self.stats.response_format = FORMATS[self._format]
        lines = [
            {
                "custom_id": article.article_id,
                "method": "POST",
                "url": ENDPOINT,
                "body": self.request_body(
                    self.messages(article), response_format(FORMATS[self._format])
                ),
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
