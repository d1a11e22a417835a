"""article_analysis: summary, overall and per-ticker sentiment for each landed article."""

from collections import Counter
from datetime import date

import dagster as dg
import duckdb

from orchestration.analysis.base import analyze_all
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.analysis.tickers import Company, TickerReference
from orchestration.assets.ingest import raw_articles
from orchestration.assets.reference import ticker_reference
from orchestration.partitions import daily_partitions
from orchestration.resources import AnalyzerResource, WarehouseResource
from orchestration.tables import analyses_frame, failures_frame
from orchestration.warehouse import replace_rows

_PROGRESS_EVERY = 100
_VERSION_WHERE = "partition_date = ? and analyzer = ? and model = ? and prompt_version = ?"


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[raw_articles, ticker_reference],
    group_name="analysis",
    kinds={"python", "duckdb"},
    description=(
        "One row per article and analyzer version: summaries, overall sentiment and "
        "sentiment per ticker: raw.article_analysis (failures: raw.analysis_dead_letters)."
    ),
)
def article_analysis(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    analyzer: AnalyzerResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    with warehouse.connect() as con:
        reference = _reference_from(con)
        articles = [
            (day, ArticleText(*row))
            for day, *row in con.execute(
                "select partition_date, article_id, title, coalesce(body, '') from raw.articles "
                "where partition_date between ? and ? order by published_at, article_id",
                [days[0], days[-1]],
            ).fetchall()
        ]
    engine = analyzer.build(reference)
    version = (engine.name, engine.model, engine.prompt_version)
    context.log.info(
        f"analysing {len(articles)} articles over {len(days)} days with {'/'.join(version)}"
    )

    def progress(done: int) -> None:
        if done % _PROGRESS_EVERY == 0:
            context.log.info(f"analysed {done}/{len(articles)}")

    batch = analyze_all(engine, [article for _, article in articles], on_progress=progress)
    for failure in batch.failures:
        context.log.warning(
            f"article {failure.article_id} dead-lettered: {failure.error_class}: {failure.message}"
        )

    day_of = {article.article_id: day for day, article in articles}
    with warehouse.connect() as con:
        for day in days:
            analyses = {k: v for k, v in batch.analyses.items() if day_of[k] == day}
            failures = [f for f in batch.failures if day_of[f.article_id] == day]
            params = [day, *version]
            frame = analyses_frame(analyses, day, version, context.run_id)
            replace_rows(con, "raw.article_analysis", frame, _VERSION_WHERE, params)
            frame = failures_frame(failures, day, version, context.run_id)
            replace_rows(con, "raw.analysis_dead_letters", frame, _VERSION_WHERE, params)

    labels = Counter(a.overall_sentiment_label for a in batch.analyses.values())
    mentions = Counter(t.ticker for a in batch.analyses.values() for t in a.tickers)
    texts = [article for _, article in articles]
    return dg.MaterializeResult(
        metadata={
            "analyzer": engine.name,
            "model": engine.model,
            "prompt_version": engine.prompt_version,
            "articles": len(articles),
            "analysed": len(batch.analyses),
            "dead_letters": len(batch.failures),
            "tickers_dropped_not_in_reference": getattr(engine, "dropped_tickers", 0),
            "labels": dg.MetadataValue.json(dict(labels)),
            "most_mentioned": dg.MetadataValue.json(dict(mentions.most_common(10))),
            "preview": dg.MetadataValue.md(_preview(texts, batch.analyses)),
        }
    )


def _reference_from(con: duckdb.DuckDBPyConnection) -> TickerReference:
    rows = con.execute(
        "select symbol, name, sector, industry, cik, name_variants from raw.tickers"
    ).fetchall()
    if not rows:
        raise dg.Failure("raw.tickers is empty: materialize ticker_reference first")
    return TickerReference([Company(*row[:5], name_variants=tuple(row[5])) for row in rows])


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
