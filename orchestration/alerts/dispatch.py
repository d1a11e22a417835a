"""One alerting pass: find alerts for a range of days, record the new ones, deliver what is owed.

Plain Python over a warehouse opener, so the Dagster assets stay thin and a pass can run
from anywhere. The warehouse is closed while webhooks are called: a slow webhook must not
hold the DuckDB file's lock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from orchestration.alerts import store
from orchestration.alerts.rules import Alert, article_alerts, shock_alerts
from orchestration.alerts.watchlists import ResolvedWatchlist, WatchlistConfig, resolve
from orchestration.alerts.webhooks import DeliveryReport, Target, deliver, webhook_client
from orchestration.news.fetch import RetryPolicy

Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
Finder = Callable[[duckdb.DuckDBPyConnection, list[ResolvedWatchlist], date, date], list[Alert]]

_PROGRESS_EVERY = 25
_PREVIEW_ROWS = 20


class MissingMartsError(RuntimeError):
    """The marts an alert rule reads have not been built yet."""


@dataclass(frozen=True)
class DeliveryPolicy:
    retry: RetryPolicy
    timeout_s: float = 10.0
    deadline_s: float = 60.0  # time a pass spends on webhooks, at most
    max_failed_runs: int = 5  # runs that may fail a delivery before it is given up
    max_age_hours: float = 72.0  # older alerts are recorded, not sent; 0: no limit


@dataclass
class AlertPass:
    """What one pass found, recorded and delivered."""

    watchlists: int = 0
    watched_tickers: int = 0
    found: list[Alert] = field(default_factory=list)
    new: list[Alert] = field(default_factory=list)
    report: DeliveryReport = field(default_factory=DeliveryReport)
    gave_up: int = 0
    too_old: int = 0
    webhooks: dict[str, str] = field(default_factory=dict)  # name -> format; never a URL
    webhooks_without_url: list[str] = field(default_factory=list)

    def preview_markdown(self) -> str:
        lines = ["| day | watchlist | ticker | rule | why |", "|---|---|---|---|---|"]
        for alert in self.new[:_PREVIEW_ROWS]:
            lines.append(
                f"| {alert.alert_date} | {alert.watchlist} | {alert.ticker} | {alert.rule} | "
                f"{_cell(alert.why)[:140]} |"
            )
        if len(self.new) > _PREVIEW_ROWS:
            lines.append(f"\n... and {len(self.new) - _PREVIEW_ROWS} more new alerts")
        if not self.new:
            lines = ["No new alerts."]
        report = self.report
        if report.deliveries or report.deferred:
            sent = Counter(d.webhook for d in report.deliveries if d.status == "sent")
            failed = Counter(d.webhook for d in report.deliveries if d.status == "failed")
            deferred = Counter(hook for _, hook in report.deferred)
            lines += ["", "| webhook | sent | failed | deferred |", "|---|---|---|---|"]
            for hook in sorted(set(sent) | set(failed) | set(deferred)):
                lines.append(f"| {hook} | {sent[hook]} | {failed[hook]} | {deferred[hook]} |")
        return "\n".join(lines)


def strong_articles(
    con: duckdb.DuckDBPyConnection, watchlists: list[ResolvedWatchlist], first: date, last: date
) -> list[Alert]:
    """Strongly negative or positive articles on watched tickers, from the latest analyses."""
    mentions = store.latest_mentions(con, first, last, _watched(watchlists))
    return article_alerts(watchlists, mentions)


def shocks(
    con: duckdb.DuckDBPyConnection, watchlists: list[ResolvedWatchlist], first: date, last: date
) -> list[Alert]:
    """Sentiment shocks on watched tickers, with the articles behind each."""
    if not store.table_exists(con, "marts", "fct_sentiment_shocks"):
        raise MissingMartsError(
            "marts.fct_sentiment_shocks does not exist: build the daily marts first"
        )
    tickers = _watched(watchlists)
    found = store.shocks(con, first, last, tickers)
    return shock_alerts(watchlists, found, store.mart_mentions(con, first, last, tickers))


def evaluate_and_deliver(
    open_warehouse: Opener,
    config: WatchlistConfig,
    find: Finder,
    days: tuple[date, date],
    run_id: str,
    policy: DeliveryPolicy,
    log: logging.Logger | logging.LoggerAdapter,
) -> AlertPass:
    """Insert the alerts never seen before, then send every delivery still owed.

    Raises WatchlistConfigError for a watchlist naming unknown tickers or portfolios and
    MissingMartsError when the finder's marts are not built; a failing webhook never
    raises: its deliveries are recorded and tried again on later passes.
    """
    first, last = days
    result = AlertPass()
    targets = _targets(config, result, log)
    now = datetime.now(tz=UTC).replace(tzinfo=None)
    since = now - timedelta(hours=policy.max_age_hours) if policy.max_age_hours > 0 else None

    with open_warehouse() as con:
        watchlists = resolve(config, store.known_tickers(con), store.portfolio_holdings(con))
        result.found = find(con, watchlists, first, last)
        result.new = store.insert_new(con, result.found, run_id, now)
        routes = {w.name: tuple(h for h in w.notify if h in targets) for w in watchlists}
        owed = store.pending(con, routes, policy.max_failed_runs, since)
    result.watchlists = len(watchlists)
    result.watched_tickers = len(_watched(watchlists))
    log.info(
        f"{len(result.found)} alerts over {first} .. {last} ({len(result.new)} new) for "
        f"{len(watchlists)} watchlists; {len(owed)} deliveries owed to {len(targets)} webhooks"
    )

    if owed:

        def progress(done: int, total: int) -> None:
            if done % _PROGRESS_EVERY == 0 or done == total:
                log.info(f"webhook deliveries: {done}/{total}")

        jobs = [(alert, targets[hook]) for alert, hook in owed]
        with webhook_client(policy.timeout_s) as client:
            result.report = deliver(jobs, client, policy.retry, policy.deadline_s, progress)
        failed = [(d.alert_id, d.webhook) for d in result.report.deliveries if d.status == "failed"]
        with open_warehouse() as con:
            store.record(con, result.report.deliveries, run_id)
            runs = store.failed_runs(con, failed)
        result.gave_up = sum(runs.get(pair, 0) >= policy.max_failed_runs for pair in failed)
    _log_failures(log, result.report, policy.max_failed_runs, result.gave_up)
    result.too_old = sum(
        1
        for a in result.new
        if since is not None and a.event_at < since and routes.get(a.watchlist)
    )
    return result


def _watched(watchlists: list[ResolvedWatchlist]) -> set[str]:
    return set().union(*(w.tickers for w in watchlists))


def _targets(
    config: WatchlistConfig, result: AlertPass, log: logging.Logger | logging.LoggerAdapter
) -> dict[str, Target]:
    """Webhooks with a URL; those whose variable is unset are named, and wait for it."""
    targets = {}
    for hook in config.webhooks:
        url = hook.resolve_url()
        if url is None:
            result.webhooks_without_url.append(hook.name)
            log.warning(
                f"webhook {hook.name}: environment variable {hook.url_env} is not set; "
                "its alerts are kept and sent once it is"
            )
        else:
            targets[hook.name] = Target(hook.name, hook.format, url)
            result.webhooks[hook.name] = hook.format
    return targets


def _log_failures(
    log: logging.Logger | logging.LoggerAdapter, report: DeliveryReport, limit: int, gave_up: int
) -> None:
    """A failing webhook is a warning, never a failed run: the alerts are safe in the table."""
    by_hook: dict[str, list[str]] = {}
    for delivery in report.deliveries:
        if delivery.status == "failed":
            by_hook.setdefault(delivery.webhook, []).append(delivery.error or "")
    deferred = Counter(hook for _, hook in report.deferred)
    for hook in sorted(set(by_hook) | set(deferred)):
        errors = by_hook.get(hook, [])
        log.warning(
            f"webhook {hook}: {len(errors)} deliveries failed"
            + (f" ({errors[0]})" if errors else "")
            + f", {deferred[hook]} deferred; retried on later runs, up to {limit} runs an alert"
        )
    if gave_up:
        log.warning(f"{gave_up} deliveries failed {limit} runs and are given up")


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")
