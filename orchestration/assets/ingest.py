"""raw_articles: every configured source, landed into the day each article was published."""

from collections import Counter
from datetime import date

import dagster as dg
import duckdb

from orchestration.news import file_drop, http_state
from orchestration.news.articles import Article
from orchestration.news.sources import SourceOutcome
from orchestration.partitions import WAREHOUSE_POOL, daily_partitions
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.tables import articles_frame, outcomes_frame
from orchestration.warehouse import append_rows, replace_rows

# A day's rows are replaced, except those of sources we could not read in full this run
# (they keep what they had); any row of an article read now is replaced wherever it was.
_REPLACEABLE = (
    "(partition_date = ? and not list_contains(?, source)) or list_contains(?, article_id)"
)


@dg.asset(
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
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
    with warehouse.connect() as con:
        cache = http_state.load_cache(con)
    # No connection is held while fetching: the DuckDB file stays free for other processes.
    articles, outcomes = news_sources.collect(window=(days[0], days[-1]), cache=cache)
    by_day = {day: [a for a in articles if a.published_date == day.isoformat()] for day in days}
    in_window = Counter(source for day in days for a in by_day[day] for source in a.sources)
    _log_outcomes(context, outcomes)

    with warehouse.connect() as con:
        new_items = _new_items(con, [a for todays in by_day.values() for a in todays])
        append_rows(
            con,
            "raw.ingestion_log",
            outcomes_frame(outcomes, in_window, (days[0], days[-1]), context.run_id, new_items),
        )
        if outcomes and all(o.status == "error" for o in outcomes):
            raise dg.Failure(
                description="every news source failed; no partition was replaced",
                metadata={"errors": "; ".join(f"{o.source}: {o.message}" for o in outcomes)},
            )
        incomplete = [o.source for o in outcomes if not o.complete]
        landed = {}
        for day, todays in by_day.items():
            # An article whose date moved since the last fetch leaves its old partition.
            landed[day.isoformat()] = replace_rows(
                con,
                "raw.articles",
                articles_frame(todays, context.run_id),
                _REPLACEABLE,
                [day, incomplete, [a.article_id for a in todays]],
            )
        http_state.save_cache(con, cache)
        for outcome in outcomes:
            if outcome.files:
                file_drop.record_landed(con, outcome.source, list(outcome.files))

    failed = [o.source for o in outcomes if o.status == "error"]
    context.log.info(
        f"{sum(landed.values())} articles over {len(days)} days from "
        f"{len(outcomes) - len(failed)}/{len(outcomes)} sources"
    )
    return dg.MaterializeResult(
        metadata={
            "articles": sum(landed.values()),
            "articles_per_day": dg.MetadataValue.json(landed),
            "articles_in_all_sources": len(articles),
            "new_articles": sum(new_items.values()),
            "non_english_articles": sum(
                a.language not in {"en", "und"} for todays in by_day.values() for a in todays
            ),
            "sources_ok": sum(o.status == "ok" for o in outcomes),
            "sources_partial": sum(o.status == "partial" for o in outcomes),
            "sources_not_modified": sum(o.status == "not_modified" for o in outcomes),
            "sources_failed": dg.MetadataValue.json(failed),
            "sources": dg.MetadataValue.md(_outcomes_table(outcomes, in_window, new_items)),
        }
    )


def _log_outcomes(context: dg.AssetExecutionContext, outcomes: list[SourceOutcome]) -> None:
    for outcome in outcomes:
        if outcome.status == "error":
            context.log.error(f"source {outcome.source} failed: {outcome.message}")
        elif outcome.status == "partial":
            context.log.warning(f"source {outcome.source}: {outcome.message}")


def _new_items(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> Counter[str]:
    """Per source, how many of the window's articles were not in raw.articles before."""
    ids = [a.article_id for a in articles]
    known = {
        article_id
        for (article_id,) in con.execute(
            "select article_id from raw.articles where list_contains(?, article_id)", [ids]
        ).fetchall()
    }
    return Counter(s for a in articles if a.article_id not in known for s in a.sources)


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
