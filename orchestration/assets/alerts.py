"""article_alerts and shock_alerts: watched tickers' strong news and shocks, to webhooks.

article_alerts reads the analyses as they land, in the frequent ingest job, so an alert
does not wait for the daily marts; shock_alerts reads marts.fct_sentiment_shocks after the
daily dbt build. Both insert only alerts never seen before, then deliver every alert still
owed to a webhook, whichever day it belongs to: a webhook that was down gets its alerts
on a later run, and nothing is sent twice.
"""

import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb

from orchestration.alerts import store
from orchestration.alerts.rules import Alert
from orchestration.alerts.rules import article_alerts as find_article_alerts
from orchestration.alerts.rules import shock_alerts as find_shock_alerts
from orchestration.alerts.watchlists import (
    ResolvedWatchlist,
    WatchlistConfig,
    WatchlistConfigError,
    resolve,
)
from orchestration.alerts.webhooks import DeliveryReport, Target, deliver
from orchestration.assets.analysis import article_analysis
from orchestration.assets.dbt import dbt_daily_models
from orchestration.partitions import WAREHOUSE_POOL, daily_partitions
from orchestration.resources import AlertingResource, WarehouseResource

_SHOCK_MARTS = {"fct_sentiment_shocks", "fct_ticker_mentions", "fct_article_sentiment"}
SHOCK_DEPS = sorted(
    (key for key in dbt_daily_models.keys if key.path[-1] in _SHOCK_MARTS),
    key=lambda key: key.to_user_string(),
)
_PROGRESS_EVERY = 25
_PREVIEW_ROWS = 20

Finder = Callable[[duckdb.DuckDBPyConnection, list[ResolvedWatchlist], date, date], list[Alert]]


def _watched(watchlists: list[ResolvedWatchlist]) -> set[str]:
    return set().union(*(w.tickers for w in watchlists))


def _strong_articles(
    con: duckdb.DuckDBPyConnection, watchlists: list[ResolvedWatchlist], first: date, last: date
) -> list[Alert]:
    mentions = store.latest_mentions(con, first, last, _watched(watchlists))
    return find_article_alerts(watchlists, mentions)


def _shocks(
    con: duckdb.DuckDBPyConnection, watchlists: list[ResolvedWatchlist], first: date, last: date
) -> list[Alert]:
    if not store.table_exists(con, "marts", "fct_sentiment_shocks"):
        raise dg.Failure("marts.fct_sentiment_shocks does not exist: build the daily marts first")
    tickers = _watched(watchlists)
    found = store.shocks(con, first, last, tickers)
    return find_shock_alerts(watchlists, found, store.mart_mentions(con, first, last, tickers))


@dg.asset(
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
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
    return _evaluate_and_deliver(context, warehouse, alerting, _strong_articles)


@dg.asset(
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
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
    return _evaluate_and_deliver(context, warehouse, alerting, _shocks)


def _targets(
    config: WatchlistConfig, context: dg.AssetExecutionContext
) -> tuple[dict[str, Target], list[str]]:
    """Webhooks with a URL; those whose variable is unset are named, and wait for it."""
    targets, missing = {}, []
    for hook in config.webhooks:
        url = hook.resolve_url()
        if url is None:
            missing.append(hook.name)
            context.log.warning(
                f"webhook {hook.name}: environment variable {hook.url_env} is not set; "
                "its alerts are kept and sent once it is"
            )
        else:
            targets[hook.name] = Target(hook.name, hook.format, url)
    return targets, missing


def _evaluate_and_deliver(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    alerting: AlertingResource,
    find: Finder,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    try:
        config = alerting.load()
    except WatchlistConfigError as exc:
        raise dg.Failure(str(exc)) from exc
    targets, missing = _targets(config, context)
    now = datetime.now(tz=UTC).replace(tzinfo=None)
    since = now - timedelta(hours=alerting.max_age_hours) if alerting.max_age_hours > 0 else None

    with warehouse.connect() as con:
        try:
            watchlists = resolve(config, store.known_tickers(con), store.portfolio_holdings(con))
        except WatchlistConfigError as exc:
            raise dg.Failure(str(exc)) from exc
        found = find(con, watchlists, days[0], days[-1])
        new = store.insert_new(con, found, context.run_id, now)
        routes = {w.name: tuple(h for h in w.notify if h in targets) for w in watchlists}
        owed = store.pending(con, routes, alerting.max_failed_runs, since)
    context.log.info(
        f"{len(found)} alerts over {days[0]} .. {days[-1]} ({len(new)} new) for "
        f"{len(watchlists)} watchlists; {len(owed)} deliveries owed to {len(targets)} webhooks"
    )

    # The warehouse is closed while webhooks are called: a slow one must not hold the
    # file's lock. The pool keeps other runs out, so nobody sends the same alert meanwhile.
    report, gave_up = DeliveryReport(), 0
    if owed:

        def progress(done: int, total: int) -> None:
            if done % _PROGRESS_EVERY == 0 or done == total:
                context.log.info(f"webhook deliveries: {done}/{total}")

        jobs = [(alert, targets[hook]) for alert, hook in owed]
        with alerting.client() as client:
            report = deliver(jobs, client, alerting.retry, alerting.deadline_s, progress)
        failed = [(d.alert_id, d.webhook) for d in report.deliveries if d.status == "failed"]
        with warehouse.connect() as con:
            store.record(con, report.deliveries, context.run_id)
            runs = store.failed_runs(con, failed)
        gave_up = sum(runs.get(pair, 0) >= alerting.max_failed_runs for pair in failed)
    _log_failures(context, report, alerting.max_failed_runs, gave_up)

    too_old = sum(
        1 for a in new if since is not None and a.event_at < since and routes.get(a.watchlist)
    )
    return dg.MaterializeResult(
        metadata={
            "watchlists": len(watchlists),
            "watched_tickers": len(_watched(watchlists)),
            "alerts_found": len(found),
            "alerts_new": len(new),
            "alerts_already_known": len(found) - len(new),
            "alerts_new_by_rule": dg.MetadataValue.json(dict(Counter(a.rule for a in new))),
            "alerts_too_old_to_send": too_old,
            "deliveries_sent": report.sent,
            "deliveries_failed": report.failed,
            "deliveries_deferred": len(report.deferred),
            "deliveries_given_up": gave_up,
            # Names and formats only: a webhook's URL is a secret.
            "webhooks": dg.MetadataValue.json(
                {h.name: h.format for h in config.webhooks if h.name in targets}
            ),
            "webhooks_without_url": dg.MetadataValue.json(missing),
            "preview": dg.MetadataValue.md(_preview(new, report)),
        }
    )


def _log_failures(
    context: dg.AssetExecutionContext, report: DeliveryReport, limit: int, gave_up: int
) -> None:
    """A failing webhook is a warning, never a failed run: the alerts are safe in the table."""
    by_hook: dict[str, list[str]] = {}
    for delivery in report.deliveries:
        if delivery.status == "failed":
            by_hook.setdefault(delivery.webhook, []).append(delivery.error or "")
    deferred = Counter(hook for _, hook in report.deferred)
    for hook in sorted(set(by_hook) | set(deferred)):
        errors = by_hook.get(hook, [])
        context.log.warning(
            f"webhook {hook}: {len(errors)} deliveries failed"
            + (f" ({errors[0]})" if errors else "")
            + f", {deferred[hook]} deferred; retried on later runs, up to {limit} runs an alert"
        )
    if gave_up:
        context.log.warning(f"{gave_up} deliveries failed {limit} runs and are given up")


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _preview(new: list[Alert], report: DeliveryReport) -> str:
    lines = ["| day | watchlist | ticker | rule | why |", "|---|---|---|---|---|"]
    for alert in new[:_PREVIEW_ROWS]:
        lines.append(
            f"| {alert.alert_date} | {alert.watchlist} | {alert.ticker} | {alert.rule} | "
            f"{_cell(alert.why)[:140]} |"
        )
    if len(new) > _PREVIEW_ROWS:
        lines.append(f"\n... and {len(new) - _PREVIEW_ROWS} more new alerts")
    if not new:
        lines = ["No new alerts."]
    if report.deliveries or report.deferred:
        sent = Counter(d.webhook for d in report.deliveries if d.status == "sent")
        failed = Counter(d.webhook for d in report.deliveries if d.status == "failed")
        deferred = Counter(hook for _, hook in report.deferred)
        lines += ["", "| webhook | sent | failed | deferred |", "|---|---|---|---|"]
        for hook in sorted(set(sent) | set(failed) | set(deferred)):
            lines.append(f"| {hook} | {sent[hook]} | {failed[hook]} | {deferred[hook]} |")
    return "\n".join(lines)


@dg.asset_check(
    asset=article_alerts,
    description=(
        "No webhook has failed on TICKERPULSE_MAX_WEBHOOK_FAILING_RUNS (3) runs or more "
        "since it last accepted an alert."
    ),
)
def webhooks_are_delivering(
    warehouse: WarehouseResource, alerting: AlertingResource
) -> dg.AssetCheckResult:
    limit = int(os.environ.get("TICKERPULSE_MAX_WEBHOOK_FAILING_RUNS", 3))
    with warehouse.connect() as con:
        health = store.webhook_health(con, alerting.max_failed_runs)
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


ALERT_CHECKS = [webhooks_are_delivering]
