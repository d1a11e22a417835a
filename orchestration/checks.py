"""Asset checks: is the data fresh, fully analysed, in range, only about known tickers, and
are the alerts reaching their webhooks?"""

from datetime import UTC, datetime

import dagster as dg

from orchestration import settings
from orchestration.alerts import store as alert_store
from orchestration.resources import AlertingResource, WarehouseResource

# Days looked at by the coverage check: recent enough to act on, long enough to be stable.
_COVERAGE_DAYS = 7


@dg.asset_check(
    asset="raw_articles",
    description="The newest article landed within TICKERPULSE_FRESHNESS_HOURS (default 24).",
)
def raw_articles_are_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    limit_h = settings.freshness_hours()
    with warehouse.connect() as con:
        newest = con.execute("select max(landed_at) from raw.articles").fetchone()[0]
    if newest is None:
        return dg.AssetCheckResult(passed=False, description="no article has landed yet")
    age_h = (datetime.now(tz=UTC).replace(tzinfo=None) - newest).total_seconds() / 3600
    return dg.AssetCheckResult(
        passed=age_h <= limit_h,
        description=f"newest article landed {age_h:.1f} h ago (limit {limit_h:g} h)",
        metadata={"newest_landed_at": str(newest), "age_hours": round(age_h, 2)},
    )


@dg.asset_check(
    asset="article_analysis",
    description=(
        "Over the last 7 days with news: analysed / landed >= TICKERPULSE_MIN_COVERAGE "
        "(0.95) and dead letters / landed <= TICKERPULSE_MAX_DEAD_LETTER_RATE (0.05)."
    ),
)
def analysis_coverage(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    min_coverage = settings.min_coverage()
    max_dead = settings.max_dead_letter_rate()
    with warehouse.connect() as con:
        rows = con.execute(
            """
            with days as (
                select distinct partition_date from raw.articles
                order by partition_date desc limit ?
            )
            select
                a.partition_date,
                count(*) as landed,
                count(*) filter (
                    where a.article_id in (select article_id from raw.article_analysis)
                ) as analysed,
                count(*) filter (
                    where a.article_id in (select article_id from raw.analysis_dead_letters)
                      and a.article_id not in (select article_id from raw.article_analysis)
                ) as dead
            from raw.articles as a
            where a.partition_date in (select partition_date from days)
            group by 1 order by 1
            """,
            [_COVERAGE_DAYS],
        ).fetchall()
    landed = sum(r[1] for r in rows)
    analysed = sum(r[2] for r in rows)
    dead = sum(r[3] for r in rows)
    coverage = analysed / landed if landed else 1.0
    dead_rate = dead / landed if landed else 0.0
    table = ["| day | landed | analysed | dead letters |", "|---|---|---|---|"]
    table += [f"| {d} | {n} | {a} | {x} |" for d, n, a, x in rows]
    return dg.AssetCheckResult(
        passed=coverage >= min_coverage and dead_rate <= max_dead,
        description=(
            f"coverage {coverage:.1%} (min {min_coverage:.0%}), dead letters {dead_rate:.1%} "
            f"(max {max_dead:.0%}) over {len(rows)} days"
        ),
        metadata={
            "coverage": round(coverage, 4),
            "dead_letter_rate": round(dead_rate, 4),
            "per_day": dg.MetadataValue.md("\n".join(table)),
        },
    )


@dg.asset_check(
    asset="article_analysis",
    description="Every score is in [-1, 1], every relevance in [0, 1], every ticker listed.",
)
def analysis_values_are_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        out_of_range, unknown = con.execute(
            """
            with mentions as (
                select unnest(tickers) as t from raw.article_analysis
            )
            select
                (select count(*) from raw.article_analysis
                 where overall_sentiment_score not between -1 and 1)
                + (select count(*) from mentions
                   where t.ticker_sentiment_score not between -1 and 1
                      or t.relevance_score not between 0 and 1),
                (select count(*) from mentions
                 where t.ticker not in (select symbol from raw.tickers))
            """
        ).fetchone()
    return dg.AssetCheckResult(
        passed=out_of_range == 0 and unknown == 0,
        description=f"{out_of_range} values out of range, {unknown} tickers not in the reference",
        metadata={"out_of_range": out_of_range, "unknown_tickers": unknown},
    )


@dg.asset_check(
    asset="article_alerts",
    description=(
        "No webhook has failed on TICKERPULSE_ALERTS_CHECK_FAILING_RUNS (3) runs or more "
        "since it last accepted an alert."
    ),
)
def webhooks_are_delivering(
    warehouse: WarehouseResource, alerting: AlertingResource
) -> dg.AssetCheckResult:
    limit = settings.webhook_failing_runs_limit()
    with warehouse.connect() as con:
        health = alert_store.webhook_health(con, alerting.max_failed_runs)
    failing = [h for h in health if h.failing_runs >= limit]
    table = ["| webhook | last sent | failing runs since | given up |", "|---|---|---|---|"]
    table += [
        f"| {h.webhook} | {h.last_sent_at or 'never'} | {h.failing_runs} | {h.given_up} |"
        for h in health
    ]
    return dg.AssetCheckResult(
        passed=not failing,
        description=(
            f"failing on {limit}+ runs: {', '.join(h.webhook for h in failing)}"
            if failing
            else f"{len(health)} webhooks, none failing on {limit}+ runs"
        ),
        metadata={
            "failing_webhooks": len(failing),
            "given_up": sum(h.given_up for h in health),
            "per_webhook": dg.MetadataValue.md("\n".join(table)),
        },
    )


CHECKS = [
    raw_articles_are_fresh,
    analysis_coverage,
    analysis_values_are_valid,
    webhooks_are_delivering,
]
