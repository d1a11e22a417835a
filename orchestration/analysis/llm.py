"""Analysis through any OpenAI-compatible chat completions endpoint.

OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server and LM Studio all speak this API.
The model's answer is only a proposal: scores are clamped, labels recomputed on our scale,
and tickers kept only when they resolve against the reference table.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, ValidationError

from orchestration.analysis.base import AnalysisError
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.tickers import TickerReference

NAME = "openai-compatible"
PROMPT_VERSION = "article-v1"
MAX_ARTICLE_CHARS = 12_000


_FORMATS = ("json_schema", "json_object_with_schema", "json_object")
_FORMAT_REJECTED = (
    openai.BadRequestError,
    openai.UnprocessableEntityError,
    openai.InternalServerError,
)


class LLMTicker(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # NaN must not clamp to "Bullish"

    ticker: str
    company_name: str
    relevance_score: float
    sentiment_score: float


class LLMAnswer(BaseModel):
    """What we ask the model for; ranges are enforced afterwards, not trusted."""

    model_config = ConfigDict(allow_inf_nan=False)

    summary_sentence: str
    summary_paragraph: str
    overall_sentiment_score: float
    tickers: list[LLMTicker]


def response_schema() -> dict[str, Any]:
    """LLMAnswer as a strict JSON schema: every property required, nothing extra."""
    schema = LLMAnswer.model_json_schema()

    def tighten(node: dict[str, Any]) -> None:
        if node.get("type") == "object":
            node["additionalProperties"] = False
            node["required"] = list(node.get("properties", {}))
        for child in [*node.get("properties", {}).values(), *node.get("$defs", {}).values()]:
            tighten(child)
        if isinstance(node.get("items"), dict):
            tighten(node["items"])

    tighten(schema)
    return schema


def _response_format(kind: str) -> dict[str, Any]:
    if kind == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {
                "name": "article_analysis",
                "schema": response_schema(),
                "strict": True,
            },
        }
    if kind == "json_object_with_schema":  # llama.cpp's server constrains output with it
        return {"type": "json_object", "schema": response_schema()}
    return {"type": "json_object"}


def load_prompt(version: str = PROMPT_VERSION) -> str:
    name = version.replace("article-", "article_") + ".md"
    return (resources.files("orchestration.analysis") / "prompts" / name).read_text("utf-8")


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
        max_retries: int = 2,
        prompt_version: str = PROMPT_VERSION,
    ) -> None:
        self.reference = reference
        self.model = model
        self.prompt_version = prompt_version
        self._prompt = load_prompt(prompt_version)
        # Self-hosted servers need no key, but the client insists on one.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self._format = 0  # index into _FORMATS: the strictest format known to work
        self.dropped_tickers = 0

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        answer = self._parse(self._complete(self._messages(article)))
        tickers: dict[str, tuple[float, float]] = {}
        for item in answer.tickers:
            symbol = self.reference.resolve(item.ticker) or self.reference.resolve(
                item.company_name
            )
            if symbol is None:
                self.dropped_tickers += 1
                continue
            tickers[symbol] = (item.relevance_score, item.sentiment_score)
        return ArticleAnalysis.build(
            summary_sentence=answer.summary_sentence,
            summary_paragraph=answer.summary_paragraph,
            overall_score=answer.overall_sentiment_score,
            tickers=tickers,
        )

    def _messages(self, article: ArticleText) -> list[dict[str, str]]:
        body = article.body[:MAX_ARTICLE_CHARS]
        return [
            {"role": "system", "content": self._prompt},
            {
                "role": "user",
                "content": f"<<<ARTICLE\nTitle: {article.title}\n\n{body}\nARTICLE>>>",
            },
        ]

    def _complete(self, messages: list[dict[str, str]]) -> str:
        """Ask in the strictest output format the server has accepted so far.

        A server that rejects one format (llama.cpp answers json_schema with a 500) is asked
        in the next; only a format that produced an answer is remembered, so one outage
        does not switch structured output off for the rest of the run.
        """
        error: openai.APIStatusError | None = None
        for index in range(self._format, len(_FORMATS)):
            try:
                content = self._create(messages, _response_format(_FORMATS[index]))
            except _FORMAT_REJECTED as exc:
                error = exc
                continue
            self._format = index
            return content
        assert error is not None
        raise error

    def _create(self, messages: list[dict[str, str]], response_format: dict[str, Any]) -> str:
        response = self._client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            response_format=response_format,  # type: ignore[arg-type]
            temperature=0,
        )
        choice = response.choices[0]
        if getattr(choice.message, "refusal", None):
            raise AnalysisError(f"model refused: {choice.message.refusal}")
        return choice.message.content or ""

    @staticmethod
    def _parse(content: str) -> LLMAnswer:
        text = content.strip()
        if text.startswith("```"):  # some local models wrap JSON in a code fence
            text = text.strip("`").removeprefix("json").strip()
        try:
            return LLMAnswer.model_validate(json.loads(text))
        except json.JSONDecodeError as exc:
            raise AnalysisError(f"model answer is not JSON: {exc}; starts {text[:80]!r}") from exc
        except ValidationError as exc:
            raise AnalysisError(
                f"model answer breaks the schema: {exc.error_count()} errors, "
                f"first: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}"
            ) from exc
