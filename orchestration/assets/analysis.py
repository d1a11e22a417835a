"""article_analysis: summary, overall and per-ticker sentiment for each landed article."""

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import date

import dagster as dg
import duckdb

from orchestration import pools
from orchestration.analysis.base import BatchResult, analyze_all
from orchestration.analysis.cache import AnswerCache
from orchestration.analysis.dead_letters import DeadLetters
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.tickers import TickerReference
from orchestration.analysis.tokens import tokenizer_name
from orchestration.assets.ingest import raw_articles
from orchestration.assets.reference import ticker_reference
from orchestration.operations.progress import Progress
from orchestration.partitions import daily_partitions
from orchestration.pools import writer_pool
from orchestration.resources import AnalyzerResource, WarehouseResource
from orchestration.warehouse.analyses import articles_in, dead_letters, save_analyses
from orchestration.warehouse.frames import aliases_from_frame, companies_from_frame


@dg.asset(
    partitions_def=daily_partitions,
    pool=writer_pool(pools.ANALYSIS),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[raw_articles, ticker_reference],
    group_name="analysis",
    kinds={"python", "duckdb"},
    description=(
        "One row per article and analyzer version: summaries, overall sentiment and "
        "sentiment per ticker: raw.article_analysis (failures: raw.analysis_dead_letters, "
        "not yet analysed: raw.analysis_pending)."
    ),
)
def article_analysis(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    analyzer: AnalyzerResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    # LLM answers are read before the calls and written as they arrive, each time on a
    # connection of their own; flushes never wait for a lock inside the event loop.
    cache = AnswerCache(store=warehouse.connect_now, loader=warehouse.connect)
    with warehouse.connect() as con:
        engine = analyzer.build(_reference_from(con), cache)
        version = (engine.name, engine.model, engine.prompt_version)
        articles = articles_in(con, days, analyzer.max_article_chars)
        dead = DeadLetters(dead_letters(con, days, version), analyzer.max_attempts)
    resting = dead.resting
    to_analyse = [a for _, a in articles if a.article_id not in resting]
    context.log.info(
        f"analysing {len(to_analyse)} articles over {len(days)} days with {'/'.join(version)} "
        f"({len(resting)} dead letters past {analyzer.max_attempts} attempts left as they are)"
    )
    batch = analyze_all(engine, to_analyse, on_progress=_progress(context, len(to_analyse)))
    _log_batch(context, batch)
    failures, attempts = dead.after(batch.failures)
    day_of = {article.article_id: day for day, article in articles}
    with warehouse.connect() as con:
        saved = cache.save(con)
        save_analyses(con, days, day_of, batch, failures, attempts, version, context.run_id)
    metadata = {
        "analyzer": engine.name,
        "analyzer_choice": analyzer.choice,
        "model": engine.model,
        "prompt_version": engine.prompt_version,
        "articles": len(articles),
        "dead_letters": len(failures),
        "dead_letters_resting": len(resting),
    }
    texts = [article for _, article in articles]
    return dg.MaterializeResult(metadata=metadata | _batch_metadata(texts, batch, saved))


def _progress(context: dg.AssetExecutionContext, total: int) -> Callable[[int], None]:
    tracker = Progress(total)

    def progress(done: int) -> None:
        if line := tracker.line(done):
            context.log.info(line)

    return progress


def _log_batch(context: dg.AssetExecutionContext, batch: BatchResult) -> None:
    for failure in batch.failures:
        context.log.warning(
            f"article {failure.article_id} dead-lettered: {failure.error_class}: {failure.message}"
        )
    if batch.pending:
        context.log.warning(
            f"{len(batch.pending)} articles left pending: {batch.pending[0].reason}"
        )


def _batch_metadata(texts: list[ArticleText], batch: BatchResult, saved: int) -> dict[str, object]:
    mentioned = Counter(t.ticker for a in batch.analyses.values() for t in a.tickers)
    return {
        "analysed": len(batch.analyses),
        "pending": len(batch.pending),
        "tickers_dropped_not_in_reference": batch.stats.dropped_tickers if batch.stats else 0,
        **_llm_metadata(batch, saved),
        "labels": dg.MetadataValue.json(
            dict(Counter(a.overall_sentiment_label for a in batch.analyses.values()))
        ),
        "most_mentioned": dg.MetadataValue.json(dict(mentioned.most_common(10))),
        "preview": dg.MetadataValue.md(_preview(texts, batch.analyses)),
    }


def _llm_metadata(batch: BatchResult, saved: int) -> dict[str, object]:
    """Calls, cache hits, tokens and cost of an LLM run; nothing for the offline analyzer."""
    if batch.stats is None:
        return {}
    figures = asdict(batch.stats)
    return {
        "llm_calls": figures["requests"],
        "llm_retries": figures["retries"],
        "cache_hits": figures["cache_hits"],
        "cache_entries_written": saved,
        "input_tokens": figures["input_tokens"],
        "output_tokens": figures["output_tokens"],
        "estimated_cost_usd": round(figures["cost_usd"], 6),
        "evidence_quotes_dropped": figures["dropped_evidence"],
        "answers_repaired": figures["repairs"],
        "response_format": figures["response_format"],
        "circuit_open": figures["circuit_open"],
        "stopped_because": figures["stopped_because"] or "",
        "pending_reason": batch.pending[0].reason if batch.pending else "",
        "tokenizer": tokenizer_name(),
    }


def _reference_from(con: duckdb.DuckDBPyConnection) -> TickerReference:
    companies = companies_from_frame(con.sql("select * from raw.tickers").pl())
    if not companies:
        raise dg.Failure("raw.tickers is empty: materialize ticker_reference first")
    aliases = aliases_from_frame(con.sql("select * from raw.ticker_aliases").pl())
    return TickerReference(companies, aliases)


def _preview(articles: list[ArticleText], analyses: dict[str, ArticleAnalysis]) -> str:
    strongest = sorted(
        (a for a in articles if a.article_id in analyses),
        key=lambda a: abs(analyses[a.article_id].overall_sentiment_score),
        reverse=True,
    )[:5]
    lines = ["| title | overall | tickers |", "|---|---|---|"]
    for article in strongest:
        result = analyses[article.article_id]
        tickers = ", ".join(f"{t.ticker} {t.ticker_sentiment_score:+.2f}" for t in result.tickers)
        title = article.title.replace("|", "/")[:90]
        overall = f"{result.overall_sentiment_score:+.2f} {result.overall_sentiment_label}"
        lines.append(f"| {title} | {overall} | {tickers} |")
    return "\n".join(lines)
