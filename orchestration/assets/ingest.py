"""raw_articles: every configured source, landed into the day each article was published."""

from collections import Counter
from dataclasses import replace
from datetime import date

import dagster as dg

from orchestration import pools
from orchestration.news import http_state
from orchestration.news.articles import Article
from orchestration.news.fulltext import FullTextStats
from orchestration.news.realtime import SOURCES_TAG, SourcesTagError, sources_from_tag
from orchestration.news.sources import SourceOutcome
from orchestration.operations.progress import landed_summary, per_year
from orchestration.partitions import daily_partitions
from orchestration.pools import writer_pool
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.warehouse.landing import known_pages, land_run, record_outcomes


@dg.asset(
    partitions_def=daily_partitions,
    pool=writer_pool(pools.RAW_ARTICLES),
    # A backfill fetches every source once and lands each day of the range.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="ingest",
    kinds={"python", "duckdb"},
    description="Articles published on the partition's UTC day, one row each: raw.articles.",
)
def raw_articles(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    news_sources: NewsSourcesResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    only = _only_sources(context)
    with warehouse.connect() as con:
        cache = http_state.load_cache(con)
    # No connection is held while fetching: the DuckDB file stays free for other processes.
    articles, outcomes = news_sources.collect(window=(days[0], days[-1]), cache=cache, only=only)
    by_day = _by_day(articles, days)
    landing = [a for todays in by_day.values() for a in todays]
    pages: dict[str, FullTextStats] = {}
    if full_text := news_sources.full_text_sources():
        with warehouse.connect() as con:
            known = known_pages(con, landing)
        pages = news_sources.extract_full_text(landing, full_text, known)
        outcomes = [_with_pages(o, pages.get(o.source)) for o in outcomes]
    _log_outcomes(context, outcomes)
    context.log.info(
        f"read {len(articles)} articles; {len(landing)} were published in the run's "
        f"{len(days)} days ({days[0]} .. {days[-1]}), landing them"
    )

    with warehouse.connect() as con:
        in_window = Counter(source for a in landing for source in a.sources)
        new = record_outcomes(con, outcomes, landing, in_window, days, context.run_id)
        if outcomes and all(o.status == "error" for o in outcomes):
            raise dg.Failure(
                description="every news source failed; no partition was replaced",
                metadata={"errors": "; ".join(f"{o.source}: {o.message}" for o in outcomes)},
            )
        landed = land_run(con, by_day, outcomes, cache, context.run_id)
    failed = [o.source for o in outcomes if o.status == "error"]
    if len(days) > 1:
        context.log.info(landed_summary(landed))
    context.log.info(
        f"{sum(landed.values())} articles over {len(days)} days from "
        f"{len(outcomes) - len(failed)}/{len(outcomes)} sources"
    )
    metadata = _metadata(articles, landing, outcomes, landed, in_window, new, pages)
    return dg.MaterializeResult(metadata=metadata)


def _only_sources(context: dg.AssetExecutionContext) -> frozenset[str] | None:
    """The sources a feed sensor's run is limited to (the feeds that changed); None: all."""
    try:
        only = sources_from_tag(context.run.tags.get(SOURCES_TAG))
    except SourcesTagError as exc:
        raise dg.Failure(str(exc)) from exc
    if only is not None:
        context.log.info(f"reading only the sources {', '.join(sorted(only))} (run tag)")
    return only


def _by_day(articles: list[Article], days: list[date]) -> dict[date, list[Article]]:
    """The articles of each day of the run, in the sources' order; one pass over them."""
    by_day: dict[date, list[Article]] = {day: [] for day in days}
    wanted = {day.isoformat(): day for day in days}
    for article in articles:
        if (day := wanted.get(article.published_date)) is not None:
            by_day[day].append(article)
    return by_day


def _metadata(
    articles: list[Article],
    landing: list[Article],
    outcomes: list[SourceOutcome],
    landed: dict[str, int],
    in_window: Counter[str],
    new: Counter[str],
    pages: dict[str, FullTextStats],
) -> dict[str, object]:
    """`articles`: all the sources gave; `landing`: those in the run's days."""
    failed = [o.source for o in outcomes if o.status == "error"]
    return {
        "articles": sum(landed.values()),
        "articles_per_day": dg.MetadataValue.json(landed),
        "articles_per_year": dg.MetadataValue.json(per_year(landed)),
        "articles_in_all_sources": len(articles),
        # Items the sources listed, and how many of them were copies of another item
        # (same canonical URL or content, or a near-duplicate story) folded into it.
        "items_read": sum(o.items for o in outcomes),
        "duplicates_folded": max(sum(o.items for o in outcomes) - len(articles), 0),
        "new_articles": sum(new.values()),
        "non_english_articles": sum(a.language not in {"en", "und"} for a in landing),
        "sources_ok": sum(o.status == "ok" for o in outcomes),
        "sources_partial": sum(o.status == "partial" for o in outcomes),
        "sources_not_modified": sum(o.status == "not_modified" for o in outcomes),
        "sources_failed": dg.MetadataValue.json(failed),
        # File-drop rows left out, per reason (each file's message has the lines), and
        # articles whose texts were cut to TICKERPULSE_MAX_ARTICLE_CHARS.
        "rows_skipped": dg.MetadataValue.json(_skipped(outcomes)),
        "articles_truncated": sum(bool(a.truncated_fields) for a in articles),
        **_pages_metadata(pages),
        "sources": dg.MetadataValue.md(_outcomes_table(outcomes, in_window, new)),
    }


def _log_outcomes(context: dg.AssetExecutionContext, outcomes: list[SourceOutcome]) -> None:
    for outcome in outcomes:
        if outcome.status == "error":
            context.log.error(f"source {outcome.source} failed: {outcome.message}")
        elif outcome.status == "partial":
            context.log.warning(f"source {outcome.source}: {outcome.message}")


def _skipped(outcomes: list[SourceOutcome]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        for result in outcome.files:
            counts.update(result.skipped)
    return dict(counts)


def _outcomes_table(
    outcomes: list[SourceOutcome], per_source: Counter[str], new_items: Counter[str]
) -> str:
    lines = [
        "| source | status | items | in window | new | message |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        message = (o.message or "").replace("|", "/")
        lines.append(
            f"| {o.source} | {o.status} | {o.items} | {per_source.get(o.source, 0)} "
            f"| {new_items.get(o.source, 0)} | {message} |"
        )
    return "\n".join(lines)


def _with_pages(outcome: SourceOutcome, stats: FullTextStats | None) -> SourceOutcome:
    note = stats.summary() if stats else None
    if note is None:
        return outcome
    return replace(outcome, message="; ".join(m for m in (outcome.message, note) if m))


def _pages_metadata(pages: dict[str, FullTextStats]) -> dict[str, object]:
    if not pages:
        return {}
    failed: Counter[str] = Counter()
    for stats in pages.values():
        failed.update(stats.failed)
    return {
        "full_text_extracted": sum(s.extracted for s in pages.values()),
        "full_text_reused": sum(s.reused for s in pages.values()),
        "full_text_postponed": sum(s.postponed for s in pages.values()),
        "full_text_failed": dg.MetadataValue.json(dict(failed)),
    }
