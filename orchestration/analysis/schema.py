"""The shape of an article analysis, whoever produced it, and the label scale."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

SentimentLabel = Literal["Bearish", "Somewhat-Bearish", "Neutral", "Somewhat-Bullish", "Bullish"]
LABELS: tuple[SentimentLabel, ...] = (
    "Bearish",
    "Somewhat-Bearish",
    "Neutral",
    "Somewhat-Bullish",
    "Bullish",
)


def sentiment_label(score: float) -> SentimentLabel:
    """Map a score in [-1, 1] to Alpha Vantage's NEWS_SENTIMENT label scale.

    x <= -0.35 Bearish; <= -0.15 Somewhat-Bearish; < 0.15 Neutral; < 0.35 Somewhat-Bullish.
    """
    if score <= -0.35:
        return "Bearish"
    if score <= -0.15:
        return "Somewhat-Bearish"
    if score < 0.15:
        return "Neutral"
    if score < 0.35:
        return "Somewhat-Bullish"
    return "Bullish"


def clamp(value: float, low: float = -1.0, high: float = 1.0) -> float:
    value = float(value)
    if math.isnan(value):  # max/min would pass NaN through or pick a bound at random
        raise ValueError("score is NaN")
    return max(low, min(high, value))


@dataclass(frozen=True)
class ArticleText:
    """What an analyzer reads: the article's id, title and body text."""

    article_id: str
    title: str
    body: str
    published: date | None = None  # dates former tickers: FB is META before 2022-06-09
    # Symbols the source says the article is about (a drop file's tickers column). Only a
    # hint: a hinted company counts when the text names it, even by an ambiguous name.
    ticker_hints: tuple[str, ...] = ()


# What an analyzer reads of one article, at most (TICKERPULSE_MAX_ARTICLE_CHARS): ingestion
# cuts texts to it too, but rows landed before that cap, or under a larger one, may not be.
MAX_ANALYZED_CHARS = 200_000


def analyzer_input(
    article_id: str,
    title: str,
    body: str,
    published: date | None = None,
    ticker_hints: Sequence[str] | None = None,
    limit: int = MAX_ANALYZED_CHARS,
) -> ArticleText:
    """The ArticleText an analyzer reads: title and body together cut to `limit` characters."""
    title = title[:limit]
    hints = tuple(ticker_hints or ())
    return ArticleText(article_id, title, body[: limit - len(title)], published, hints)


class TickerSentiment(BaseModel):
    ticker: str
    relevance_score: float = Field(ge=0, le=1)
    ticker_sentiment_score: float = Field(ge=-1, le=1)
    ticker_sentiment_label: SentimentLabel
    evidence: str | None = None  # a quote from the article, checked to be in it


class ArticleAnalysis(BaseModel):
    """One article's analysis: summaries, overall sentiment, sentiment per ticker."""

    summary_sentence: str
    summary_paragraph: str
    overall_sentiment_score: float = Field(ge=-1, le=1)
    overall_sentiment_label: SentimentLabel
    tickers: list[TickerSentiment]
    topics: list[str] = Field(default_factory=list)

    @classmethod
    def build(
        cls,
        summary_sentence: str,
        summary_paragraph: str,
        overall_score: float,
        tickers: dict[str, tuple[float, float]],
        topics: list[str] | None = None,
        evidence: dict[str, str | None] | None = None,
    ) -> ArticleAnalysis:
        """Clamp scores and derive labels: the label scale is ours, never the producer's.

        `tickers` maps symbol -> (relevance, sentiment score); `evidence` symbol -> quote.
        """
        evidence = evidence or {}
        overall = round(clamp(overall_score), 4)
        return cls(
            summary_sentence=summary_sentence.strip(),
            summary_paragraph=summary_paragraph.strip(),
            overall_sentiment_score=overall,
            overall_sentiment_label=sentiment_label(overall),
            tickers=[
                TickerSentiment(
                    ticker=symbol,
                    relevance_score=round(clamp(relevance, 0.0, 1.0), 4),
                    ticker_sentiment_score=round(clamp(score), 4),
                    ticker_sentiment_label=sentiment_label(round(clamp(score), 4)),
                    evidence=evidence.get(symbol),
                )
                for symbol, (relevance, score) in sorted(tickers.items())
            ],
            topics=[t.strip().lower() for t in topics or [] if t.strip()],
        )
