"""article_alerts and shock_alerts: watched tickers' strong news and shocks, to webhooks.

article_alerts reads the analyses as they land, in the frequent ingest job, so an alert
does not wait for the daily marts; shock_alerts reads marts.fct_sentiment_shocks after the
daily dbt build. Both insert only alerts never seen before, then deliver every alert still
owed to a webhook, whichever day it belongs to: a webhook that was down gets its alerts
on a later run, and nothing is sent twice (orchestration/alerts/dispatch.py).
"""

from collections import Counter
from datetime import date

import dagster as dg

from orchestration import pools
from orchestration.alerts.dispatch import (
    Finder,
    MissingMartsError,
    evaluate_and_deliver,
    shocks,
    strong_articles,
)
from orchestration.alerts.watchlists import WatchlistConfigError
from orchestration.assets.analysis import article_analysis
from orchestration.assets.dbt import dbt_daily_models
from orchestration.partitions import daily_partitions
from orchestration.pools import writer_pool
from orchestration.resources import AlertingResource, WarehouseResource

_SHOCK_MARTS = {"fct_sentiment_shocks", "fct_ticker_mentions", "fct_article_sentiment"}
SHOCK_DEPS = sorted(
    (key for key in dbt_daily_models.keys if key.path[-1] in _SHOCK_MARTS),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    partitions_def=daily_partitions,
    pool=writer_pool(pools.ALERTS),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[article_analysis],
    group_name="alerts",
    kinds={"python", "duckdb"},
    description=(
        "A strongly negative or positive article on a watched ticker (watchlists.yaml): "
        "alerts.alerts, sent once to the watchlist's webhooks (alerts.deliveries)."
    ),
)
def article_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, alerting: AlertingResource
) -> dg.MaterializeResult:
    return _alert_pass(context, warehouse, alerting, strong_articles)


@dg.asset(
    partitions_def=daily_partitions,
    pool=writer_pool(pools.ALERTS),
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=SHOCK_DEPS,
    group_name="alerts",
    kinds={"python", "duckdb"},
    description=(
        "A sentiment shock (marts.fct_sentiment_shocks) on a watched ticker, with the "
        "articles behind it: alerts.alerts, sent once to the watchlist's webhooks."
    ),
)
def shock_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, alerting: AlertingResource
) -> dg.MaterializeResult:
    return _alert_pass(context, warehouse, alerting, shocks)


def _alert_pass(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    alerting: AlertingResource,
    find: Finder,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    try:
        done = evaluate_and_deliver(
            warehouse.connect,
            alerting.load(),
            find,
            (days[0], days[-1]),
            context.run_id,
            alerting.policy(),
            context.log,
        )
    except (WatchlistConfigError, MissingMartsError) as exc:
        raise dg.Failure(str(exc)) from exc
    return dg.MaterializeResult(
        metadata={
            "watchlists": done.watchlists,
            "watched_tickers": done.watched_tickers,
            "alerts_found": len(done.found),
            "alerts_new": len(done.new),
            "alerts_already_known": len(done.found) - len(done.new),
            "alerts_new_by_rule": dg.MetadataValue.json(dict(Counter(a.rule for a in done.new))),
            "alerts_too_old_to_send": done.too_old,
            "deliveries_sent": done.report.sent,
            "deliveries_failed": done.report.failed,
            "deliveries_deferred": len(done.report.deferred),
            "deliveries_given_up": done.gave_up,
            # Names and formats only: a webhook's URL is a secret.
            "webhooks": dg.MetadataValue.json(done.webhooks),
            "webhooks_without_url": dg.MetadataValue.json(done.webhooks_without_url),
            "preview": dg.MetadataValue.md(done.preview_markdown()),
        }
    )
