"""served_marts: the marts published for BI tools after every successful build."""

from datetime import date, timedelta

import dagster as dg

from orchestration import pools
from orchestration.assets.dbt import dbt_daily_models, dbt_reference_models
from orchestration.partitions import daily_partitions
from orchestration.pools import writer_pool
from orchestration.resources import ServingResource, WarehouseResource
from orchestration.serving import highlights, returns_charts
from orchestration.serving.catalog import CATALOG, publish
from orchestration.warehouse.connection import connect

MART_KEYS = sorted(
    (key for key in (*dbt_daily_models.keys, *dbt_reference_models.keys) if key.path[0] == "marts"),
    key=lambda key: key.to_user_string(),
)
# The alerts schema is published too: after the day's shock alerts, in a run that has them.
ALERT_KEYS = [dg.AssetKey("article_alerts"), dg.AssetKey("shock_alerts")]


@dg.asset(
    partitions_def=daily_partitions,
    pool=writer_pool(pools.SERVING),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[*MART_KEYS, *ALERT_KEYS],
    group_name="serving",
    kinds={"duckdb", "parquet"},
    description=(
        "Every mart and alerts table copied to an immutable Parquet version and switched "
        "live atomically; BI tools read serving/tickerpulse.duckdb and never lock the "
        "warehouse."
    ),
)
def served_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    published = publish(warehouse.location, serving.path, keep=serving.keep_versions)
    context.log.info(f"published version {published.version} to {serving.path}")
    return dg.MaterializeResult(
        metadata={
            "version": published.version,
            "catalog": dg.MetadataValue.path(str(serving.path / CATALOG)),
            "rows": dg.MetadataValue.json(published.tables),
            "versions_pruned": len(published.pruned),
            **_day_report(warehouse, context.partition_time_window.end.date() - timedelta(days=1)),
        }
    )


def _day_report(warehouse: WarehouseResource, day: date) -> dict[str, dg.MetadataValue]:
    """Top movers of the window's last day, a 30-day chart of the busiest tickers, and
    whether the sentiment pays: the rolling IC and the quintile spread up to the day."""
    with connect(warehouse.location, read_only=True) as con:
        movers = highlights.top_movers(con, day)
        series = highlights.sentiment_series(con, day, days=highlights.CHART_DAYS)
        ic = returns_charts.rolling_ic_series(con, day)
        spread = returns_charts.quintile_spread_series(con, day)
    # The chart starts at the first day with news, so a young warehouse is not squeezed.
    first = min(
        (d for points in series.values() for d, _ in points),
        default=day - timedelta(days=highlights.CHART_DAYS - 1),
    )
    caption = f"Daily sentiment of the {len(series)} most-mentioned tickers, {first} .. {day}"
    return {
        "top_movers": dg.MetadataValue.md(highlights.movers_markdown(movers, day)),
        "sentiment_chart": dg.MetadataValue.md(
            highlights.chart_markdown(highlights.sentiment_chart_svg(series, first, day), caption)
        ),
        "rolling_ic_chart": dg.MetadataValue.md(
            _returns_chart(
                returns_charts.value_chart_svg(ic),
                "Rank IC of session sentiment with next-session returns, all tickers, "
                f"and its rolling mean, up to {day}",
            )
        ),
        "quintile_spread_chart": dg.MetadataValue.md(
            _returns_chart(
                returns_charts.value_chart_svg(spread, percent=True),
                "Cumulative next-session return of the most bullish sentiment quintile "
                f"minus the most bearish, all tickers, up to {day}",
            )
        ),
    }


def _returns_chart(svg: str | None, caption: str) -> str:
    if svg is None:
        return f"**{caption}**\n\nNo sessions with prices and enough tickers with news yet."
    return highlights.chart_markdown(svg, caption)
