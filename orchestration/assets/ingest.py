"""raw_articles: every configured source, landed into the day each article was published."""

from collections import Counter
from datetime import date

import dagster as dg

from orchestration.news.sources import SourceOutcome
from orchestration.partitions import daily_partitions
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.tables import articles_frame, outcomes_frame
from orchestration.warehouse import append_rows, replace_rows


@dg.asset(
    partitions_def=daily_partitions,
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
    articles, outcomes = news_sources.collect()
    by_day = {day: [a for a in articles if a.published_date == day.isoformat()] for day in days}
    in_window = Counter(source for day in days for a in by_day[day] for source in a.sources)
    for outcome in outcomes:
        if outcome.status == "error":
            context.log.error(f"source {outcome.source} failed: {outcome.message}")
        elif outcome.status == "partial":
            context.log.warning(f"source {outcome.source}: {outcome.message}")

    with warehouse.connect() as con:
        append_rows(
            con,
            "raw.ingestion_log",
            outcomes_frame(outcomes, in_window, (days[0], days[-1]), context.run_id),
        )
        if outcomes and all(o.status == "error" for o in outcomes):
            raise dg.Failure(
                description="every news source failed; no partition was replaced",
                metadata={"errors": "; ".join(f"{o.source}: {o.message}" for o in outcomes)},
            )
        landed = {}
        for day, todays in by_day.items():
            # An article whose date moved since the last fetch leaves its old partition.
            landed[day.isoformat()] = replace_rows(
                con,
                "raw.articles",
                articles_frame(todays, context.run_id),
                "partition_date = ? or list_contains(?, article_id)",
                [day, [a.article_id for a in todays]],
            )

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
            "sources_ok": sum(o.status == "ok" for o in outcomes),
            "sources_partial": sum(o.status == "partial" for o in outcomes),
            "sources_failed": dg.MetadataValue.json(failed),
            "sources": dg.MetadataValue.md(_outcomes_table(outcomes, in_window)),
        }
    )


def _outcomes_table(outcomes: list[SourceOutcome], per_source: Counter[str]) -> str:
    lines = ["| source | status | items | in window | message |", "|---|---|---|---|---|"]
    for o in outcomes:
        message = (o.message or "").replace("|", "/")
        lines.append(
            f"| {o.source} | {o.status} | {o.items} | {per_source.get(o.source, 0)} | {message} |"
        )
    return "\n".join(lines)
