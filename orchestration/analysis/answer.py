"""What we ask an LLM for, reading its answer, and turning it into our analysis.

The model's answer is only a proposal: scores are clamped, labels recomputed on our scale,
tickers kept only when they resolve against the reference table, and evidence quotes kept
only when they are really in the article.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestration.analysis.base import AnalysisError
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.tickers import TickerReference

SCHEMA_VERSION = "3"  # bump with any change to LLMAnswer: it is part of the cache key
MAX_EVIDENCE_WORDS = 25  # the prompt asks for 12; longer quotes are cut, not trusted
MAX_PARAGRAPH_CHARS = 600  # the prompt asks for 70 words; a rambling answer is cut
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
FORMATS = ("json_schema", "json_object_with_schema", "json_object")


class LLMTicker(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # NaN must not clamp to "Bullish"

    ticker: str
    company_name: str
    relevance_score: float
    sentiment_score: float
    evidence: str = ""


class LLMAnswer(BaseModel):
    # What we ask the model for; ranges are enforced afterwards, not trusted. No docstring
    # or field descriptions: they would be sent in the schema, and the prompt says it all.

    model_config = ConfigDict(allow_inf_nan=False)

    summary_sentence: str
    summary_paragraph: str
    overall_sentiment_score: float
    topics: list[str] = Field(default_factory=list)  # defaults: lax servers may omit them
    tickers: list[LLMTicker]


def response_schema() -> dict[str, Any]:
    """LLMAnswer as a strict JSON schema: every property required, nothing extra.

    Types only: titles and descriptions are dropped, since the prompt describes each field
    and a request pays for every token of the schema too.
    """
    return copy.deepcopy(_strict_schema())  # generating it costs ~8 ms: once per process


@cache
def _strict_schema() -> dict[str, Any]:
    schema = LLMAnswer.model_json_schema()

    def tighten(node: dict[str, Any]) -> None:
        node.pop("default", None)  # strict mode rejects defaults
        node.pop("title", None)
        node.pop("description", None)
        if node.get("type") == "object":
            node["additionalProperties"] = False
            node["required"] = list(node.get("properties", {}))
        for child in [*node.get("properties", {}).values(), *node.get("$defs", {}).values()]:
            tighten(child)
        if isinstance(node.get("items"), dict):
            tighten(node["items"])

    tighten(schema)
    # One nested object, written in place: a $defs entry and its $ref cost tokens too.
    definitions = schema.pop("$defs", {})
    for node in schema["properties"].values():
        ref = node.get("items", {}).get("$ref", "")
        if ref:
            node["items"] = definitions[ref.rsplit("/", 1)[-1]]
    return schema


def response_format(kind: str) -> dict[str, Any]:
    if kind == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {
                "name": "article_analysis",
                "schema": _strict_schema(),  # shared, read-only: no copy per request
                "strict": True,
            },
        }
    if kind == "json_object_with_schema":  # llama.cpp's server constrains output with it
        return {"type": "json_object", "schema": _strict_schema()}
    return {"type": "json_object"}


def parse_answer(content: str) -> LLMAnswer:
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


@dataclass(frozen=True)
class Resolved:
    analysis: ArticleAnalysis
    dropped_tickers: int  # not in the reference table
    dropped_evidence: int  # quotes not found in the article


def resolve(answer: LLMAnswer, article: ArticleText, reference: TickerReference) -> Resolved:
    """Our analysis from the model's answer: only reference tickers, only real quotes.

    Tickers resolve through the same reference as the offline matcher (by ticker, else by
    name, to the issuer's primary ticker), so an invented company is dropped and GOOG and
    GOOGL land as one company.
    """
    haystack = _normalised(f"{article.title}\n{article.body}")
    tickers: dict[str, tuple[float, float]] = {}
    evidence: dict[str, str | None] = {}
    dropped_tickers = dropped_evidence = 0
    for item in answer.tickers:
        symbol = reference.resolve(item.ticker, article.published) or reference.resolve(
            item.company_name, article.published
        )
        if symbol is None:
            dropped_tickers += 1
            continue
        if symbol in tickers and tickers[symbol][0] >= item.relevance_score:
            continue  # two share classes of one issuer: the more relevant answer stands
        tickers[symbol] = (item.relevance_score, item.sentiment_score)
        words = item.evidence.split()[:MAX_EVIDENCE_WORDS]
        quote = " ".join(words).strip("\"'“”‘’ ")
        if quote and _normalised(quote) in haystack:
            evidence[symbol] = quote
        else:
            evidence[symbol] = None
            dropped_evidence += bool(quote)
    try:
        analysis = ArticleAnalysis.build(
            summary_sentence=answer.summary_sentence,
            summary_paragraph=_bounded(answer.summary_paragraph),
            overall_score=answer.overall_sentiment_score,
            tickers=tickers,
            topics=answer.topics[:5],
            evidence=evidence,
        )
    except ValueError as exc:
        raise AnalysisError(f"model answer has unusable scores: {exc}") from exc
    return Resolved(analysis, dropped_tickers, dropped_evidence)


def _bounded(paragraph: str) -> str:
    """The paragraph, cut at a sentence end within MAX_PARAGRAPH_CHARS when it runs over."""
    paragraph = " ".join(paragraph.split())
    if len(paragraph) <= MAX_PARAGRAPH_CHARS:
        return paragraph
    kept = ""
    for sentence in _SENTENCE_END.split(paragraph):
        if len(kept) + len(sentence) + 1 > MAX_PARAGRAPH_CHARS:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or paragraph[:MAX_PARAGRAPH_CHARS].rsplit(" ", 1)[0]


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()
