"""Domain records as polars frames shaped like the raw DuckDB tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import polars as pl

from orchestration.analysis.base import CallRecord, Failure, Pending
from orchestration.analysis.schema import ArticleAnalysis
from orchestration.analysis.universe import Alias, Company
from orchestration.news.articles import Article
from orchestration.news.sources import SourceOutcome

_TICKERS = pl.List(
    pl.Struct(
        {
            "ticker": pl.String,
            "relevance_score": pl.Float64,
            "ticker_sentiment_score": pl.Float64,
            "ticker_sentiment_label": pl.String,
        }
    )
)


_EVIDENCE = pl.List(pl.Struct({"ticker": pl.String, "evidence": pl.String}))
_CALL_COLUMNS = {
    "input_tokens": pl.Int32,
    "output_tokens": pl.Int32,
    "latency_ms": pl.Int32,
    "cost_usd": pl.Float64,
    "attempts": pl.Int32,
    "cache_hit": pl.Boolean,
}


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def companies_frame(companies: list[Company]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "symbol": [c.symbol for c in companies],
            "name": [c.name for c in companies],
            "sector": [c.sector for c in companies],
            "industry": [c.industry for c in companies],
            "cik": [c.cik or None for c in companies],
            "name_variants": [list(c.name_variants) for c in companies],
            "issuer": [c.issuer or c.symbol for c in companies],
            "exchange": [c.exchange for c in companies],
            "is_sp500": [c.is_sp500 for c in companies],
            "security_type": [c.security_type for c in companies],
            "delisted": [c.delisted for c in companies],
        },
        schema_overrides={
            "sector": pl.String,
            "industry": pl.String,
            "cik": pl.String,
            "name_variants": pl.List(pl.String),
            "exchange": pl.String,
        },
    )


def companies_from_frame(frame: pl.DataFrame) -> list[Company]:
    """raw.tickers rows back as Company records (older rows lack the universe columns)."""
    return [
        Company(
            symbol=row["symbol"],
            name=row["name"],
            sector=row["sector"],
            industry=row["industry"],
            cik=row["cik"] or "",
            name_variants=tuple(row["name_variants"] or ()),
            issuer=row.get("issuer") or row["symbol"],
            exchange=row.get("exchange"),
            is_sp500=bool(row.get("is_sp500")),
            security_type=row.get("security_type") or "common",
            delisted=bool(row.get("delisted")),
        )
        for row in frame.iter_rows(named=True)
    ]


def aliases_frame(aliases: list[Alias]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "alias": [a.alias for a in aliases],
            "symbol": [a.symbol for a in aliases],
            "kind": [a.kind for a in aliases],
            "valid_from": [a.valid_from for a in aliases],
            "valid_to": [a.valid_to for a in aliases],
        },
        schema_overrides={"valid_from": pl.Date, "valid_to": pl.Date},
    )


def aliases_from_frame(frame: pl.DataFrame) -> list[Alias]:
    """raw.ticker_aliases rows back as Alias records."""
    return [
        Alias(
            alias=row["alias"],
            symbol=row["symbol"],
            kind=row["kind"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
        )
        for row in frame.iter_rows(named=True)
    ]


def articles_frame(articles: list[Article], run_id: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "article_id": [a.article_id for a in articles],
            "partition_date": [date.fromisoformat(a.published_date) for a in articles],
            "url": [a.url or None for a in articles],
            "title": [a.title for a in articles],
            "body": [a.body for a in articles],
            "source": [a.source for a in articles],
            "sources": [a.sources for a in articles],
            "published_at": [_utc_naive(a.published_at) for a in articles],
            "published_at_is_fetch_time": [a.published_at_is_fetch_time for a in articles],
            "fetched_at": [_utc_naive(a.fetched_at) for a in articles],
            "content_hash": [a.content_hash for a in articles],
            "language": [a.language for a in articles],
            "publisher": [a.publisher for a in articles],
            "provider_sentiment": [a.provider_sentiment for a in articles],
            "duplicate_ids": [a.duplicate_ids for a in articles],
            "ticker_hints": [a.ticker_hints for a in articles],
            "run_id": [run_id] * len(articles),
        },
        schema_overrides={
            "sources": pl.List(pl.String),
            "duplicate_ids": pl.List(pl.String),
            "ticker_hints": pl.List(pl.String),
            "publisher": pl.String,
            "provider_sentiment": pl.String,
            "url": pl.String,
            "partition_date": pl.Date,
            "published_at": pl.Datetime("us"),
            "fetched_at": pl.Datetime("us"),
        },
    )


def outcomes_frame(
    outcomes: list[SourceOutcome],
    in_window: dict[str, int],
    window: tuple[date, date],
    run_id: str,
    new_items: dict[str, int] | None = None,
) -> pl.DataFrame:
    new_items = new_items or {}
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(outcomes),
            "window_start": [window[0]] * len(outcomes),
            "window_end": [window[1]] * len(outcomes),
            "source": [o.source for o in outcomes],
            "location": [o.location for o in outcomes],
            "status": [o.status for o in outcomes],
            "items": [o.items for o in outcomes],
            "items_in_window": [in_window.get(o.source, 0) for o in outcomes],
            "new_items": [new_items.get(o.source, 0) for o in outcomes],
            "message": [o.message for o in outcomes],
        },
        schema_overrides={
            "message": pl.String,
            "new_items": pl.Int32,
            "window_start": pl.Date,
            "window_end": pl.Date,
        },
    )


def analyses_frame(
    analyses: dict[str, ArticleAnalysis],
    day: date,
    version: tuple[str, str, str],
    run_id: str,
    records: Mapping[str, CallRecord] | None = None,
) -> pl.DataFrame:
    """`records` (LLM analyzers) fill the call columns; without one they stay null."""
    analyzer, model, prompt_version = version
    now = _utc_naive(datetime.now(tz=UTC))
    records = records or {}
    rows = [
        {
            "article_id": article_id,
            "partition_date": day,
            "analyzer": analyzer,
            "model": model,
            "prompt_version": prompt_version,
            "summary_sentence": a.summary_sentence,
            "summary_paragraph": a.summary_paragraph,
            "overall_sentiment_score": a.overall_sentiment_score,
            "overall_sentiment_label": a.overall_sentiment_label,
            "tickers": [t.model_dump(exclude={"evidence"}) for t in a.tickers],
            "run_id": run_id,
            "analyzed_at": now,
            **_call_columns(records.get(article_id)),
            "topics": a.topics,
            "ticker_evidence": [
                {"ticker": t.ticker, "evidence": t.evidence} for t in a.tickers if t.evidence
            ],
        }
        for article_id, a in analyses.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "article_id": pl.String,
            "partition_date": pl.Date,
            "analyzer": pl.String,
            "model": pl.String,
            "prompt_version": pl.String,
            "summary_sentence": pl.String,
            "summary_paragraph": pl.String,
            "overall_sentiment_score": pl.Float64,
            "overall_sentiment_label": pl.String,
            "tickers": _TICKERS,
            "run_id": pl.String,
            "analyzed_at": pl.Datetime("us"),
            **_CALL_COLUMNS,
            "topics": pl.List(pl.String),
            "ticker_evidence": _EVIDENCE,
        },
    )


def _call_columns(record: CallRecord | None) -> dict[str, object]:
    if record is None:
        return dict.fromkeys(_CALL_COLUMNS)
    return {name: getattr(record, name) for name in _CALL_COLUMNS}


def failures_frame(
    failures: list[Failure],
    day: date,
    version: tuple[str, str, str],
    run_id: str,
    attempts: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """`attempts`: runs that have failed each article so far, this one included (default 1)."""
    analyzer, model, prompt_version = version
    now = _utc_naive(datetime.now(tz=UTC))
    attempts = attempts or {}
    return pl.DataFrame(
        {
            "article_id": [f.article_id for f in failures],
            "partition_date": [day] * len(failures),
            "analyzer": [analyzer] * len(failures),
            "model": [model] * len(failures),
            "prompt_version": [prompt_version] * len(failures),
            "error_class": [f.error_class for f in failures],
            "error_message": [f.message for f in failures],
            "run_id": [run_id] * len(failures),
            "failed_at": [now] * len(failures),
            "attempts": [attempts.get(f.article_id, 1) for f in failures],
        },
        schema_overrides={
            "partition_date": pl.Date,
            "failed_at": pl.Datetime("us"),
            "attempts": pl.Int32,
            "error_message": pl.String,
        },
    )


def pending_frame(
    pending: list[Pending], day: date, version: tuple[str, str, str], run_id: str
) -> pl.DataFrame:
    analyzer, model, prompt_version = version
    now = _utc_naive(datetime.now(tz=UTC))
    return pl.DataFrame(
        {
            "article_id": [p.article_id for p in pending],
            "partition_date": [day] * len(pending),
            "analyzer": [analyzer] * len(pending),
            "model": [model] * len(pending),
            "prompt_version": [prompt_version] * len(pending),
            "reason": [p.reason for p in pending],
            "run_id": [run_id] * len(pending),
            "recorded_at": [now] * len(pending),
        },
        schema_overrides={
            "article_id": pl.String,
            "partition_date": pl.Date,
            "analyzer": pl.String,
            "model": pl.String,
            "prompt_version": pl.String,
            "reason": pl.String,
            "run_id": pl.String,
            "recorded_at": pl.Datetime("us"),
        },
    )
