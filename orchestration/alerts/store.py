"""Alerts in the warehouse: what the rules read, alerts.alerts, alerts.deliveries.

alerts.alerts only ever grows: an alert is inserted the first time its id is seen.
alerts.deliveries is a log, one row per run that tried an alert on a webhook; "sent once"
is the absence of a `sent` row, the retry limit the count of `failed` ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from orchestration.alerts.rules import Alert, ArticleRef, Mention, Shock
from orchestration.alerts.webhooks import Delivery
from orchestration.warehouse.connection import append_rows

_ARTICLES = pl.List(
    pl.Struct(
        {
            "article_id": pl.String,
            "title": pl.String,
            "url": pl.String,
            "published_at": pl.Datetime("us"),
            "sentiment_score": pl.Float64,
            "relevance_score": pl.Float64,
        }
    )
)

_LATEST_MENTIONS = """
with latest as (
    -- The analysis the marts read: the most recent of any analyzer version.
    select article_id, partition_date, tickers
    from raw.article_analysis
    where partition_date between ? and ?
    qualify row_number() over (
        partition by article_id
        order by analyzed_at desc, analyzer || '/' || model || '/' || prompt_version
    ) = 1
),
mentions as (
    select article_id, partition_date, unnest(tickers) as t from latest
)
select
    m.t.ticker, m.partition_date, a.article_id, a.title, a.url, a.published_at,
    m.t.ticker_sentiment_score, m.t.relevance_score
from mentions as m
join raw.articles as a on a.article_id = m.article_id and a.partition_date = m.partition_date
where list_contains(?, m.t.ticker)
order by a.published_at, a.article_id, m.t.ticker
"""

_SHOCKS = """
select
    ticker, sentiment_date, shock_type, direction, article_count, sentiment_score,
    trailing_mean_sentiment, sentiment_zscore, trailing_mean_article_count, volume_zscore
from marts.fct_sentiment_shocks
where sentiment_date between ? and ? and list_contains(?, ticker)
order by sentiment_date, ticker
"""

_MART_MENTIONS = """
select
    m.ticker, m.published_date, m.article_id, m.title, s.url, m.published_at,
    m.ticker_sentiment_score, m.relevance_score
from marts.fct_ticker_mentions as m
left join marts.fct_article_sentiment as s on s.article_id = m.article_id
where m.published_date between ? and ? and list_contains(?, m.ticker)
order by m.published_at, m.article_id
"""


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def known_tickers(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select symbol from raw.tickers").fetchall()}


def portfolio_holdings(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]] | None:
    """Portfolio -> tickers from the built dimension; None before the reference build."""
    if not table_exists(con, "marts", "dim_portfolio_holdings"):
        return None
    holdings: dict[str, set[str]] = {}
    for portfolio, ticker in con.execute(
        "select portfolio, ticker from marts.dim_portfolio_holdings"
    ).fetchall():
        holdings.setdefault(portfolio, set()).add(ticker)
    return holdings


def _mentions(rows: list[tuple]) -> list[Mention]:
    return [
        Mention(ticker, day, ArticleRef(article_id, title, url, published, score, relevance))
        for ticker, day, article_id, title, url, published, score, relevance in rows
    ]


def latest_mentions(
    con: duckdb.DuckDBPyConnection, first: date, last: date, tickers: set[str]
) -> list[Mention]:
    """Watched tickers in the latest analysis of every article landed on first .. last."""
    rows = con.execute(_LATEST_MENTIONS, [first, last, sorted(tickers)]).fetchall()
    return _mentions(rows)


def shocks(
    con: duckdb.DuckDBPyConnection, first: date, last: date, tickers: set[str]
) -> list[Shock]:
    rows = con.execute(_SHOCKS, [first, last, sorted(tickers)]).fetchall()
    return [Shock(*row) for row in rows]


def mart_mentions(
    con: duckdb.DuckDBPyConnection, first: date, last: date, tickers: set[str]
) -> list[Mention]:
    rows = con.execute(_MART_MENTIONS, [first, last, sorted(tickers)]).fetchall()
    return _mentions(rows)


def insert_new(
    con: duckdb.DuckDBPyConnection, alerts: list[Alert], run_id: str, now: datetime
) -> list[Alert]:
    """Insert the alerts never seen before; returns them. The others are left untouched."""
    if not alerts:
        return []
    known = {
        row[0]
        for row in con.execute(
            "select alert_id from alerts.alerts where list_contains(?, alert_id)",
            [[a.alert_id for a in alerts]],
        ).fetchall()
    }
    new = []
    for alert in alerts:
        if alert.alert_id not in known:  # alert_id is the table's primary key: once only
            known.add(alert.alert_id)
            new.append(alert)
    append_rows(con, "alerts.alerts", _alerts_frame(new, run_id, now))
    return new


def _alerts_frame(alerts: list[Alert], run_id: str, now: datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "alert_id": [a.alert_id for a in alerts],
            "watchlist": [a.watchlist for a in alerts],
            "rule": [a.rule for a in alerts],
            "ticker": [a.ticker for a in alerts],
            "alert_date": [a.alert_date for a in alerts],
            "event_at": [a.event_at for a in alerts],
            "direction": [a.direction for a in alerts],
            "score": [a.score for a in alerts],
            "why": [a.why for a in alerts],
            "articles": [[vars(ref) for ref in a.articles] for a in alerts],
            "run_id": [run_id] * len(alerts),
            "created_at": [now] * len(alerts),
        },
        schema_overrides={
            "alert_date": pl.Date,
            "event_at": pl.Datetime("us"),
            "score": pl.Float64,
            "articles": _ARTICLES,
        },
    )


def pending(
    con: duckdb.DuckDBPyConnection,
    routes: Mapping[str, tuple[str, ...]],
    max_failed_runs: int,
    since: datetime | None,
) -> list[tuple[Alert, str]]:
    """(alert, webhook) pairs still to send, oldest first, whatever day the alert is of.

    A pair is pending while the webhook has no `sent` delivery of the alert and fewer than
    `max_failed_runs` failed ones. Alerts that happened before `since` are not sent.
    """
    pairs = [(watchlist, hook) for watchlist, hooks in routes.items() for hook in hooks]
    if not pairs:
        return []
    frame = pl.DataFrame(pairs, schema=["watchlist", "webhook"], orient="row")
    age = "and a.event_at >= ?" if since is not None else ""
    con.register("_routes", frame.to_arrow())
    try:
        rows = con.execute(
            f"""
            with history as (
                select
                    alert_id,
                    webhook,
                    count(*) filter (where status = 'sent') as sent,
                    count(*) filter (where status = 'failed') as failed
                from alerts.deliveries
                group by all
            )
            select
                a.alert_id, a.watchlist, a.rule, a.ticker, a.alert_date, a.event_at,
                a.direction, a.score, a.why, a.articles, r.webhook
            from alerts.alerts as a
            join _routes as r on r.watchlist = a.watchlist
            left join history as h on h.alert_id = a.alert_id and h.webhook = r.webhook
            where coalesce(h.sent, 0) = 0 and coalesce(h.failed, 0) < ? {age}
            order by a.event_at, a.alert_id, r.webhook
            """,
            [max_failed_runs, *([since] if since is not None else [])],
        ).fetchall()
    finally:
        con.unregister("_routes")
    return [(_alert(row[:10]), row[10]) for row in rows]


def _alert(row: tuple) -> Alert:
    *fields, articles = row
    refs = tuple(ArticleRef(**article) for article in articles or [])
    return Alert(*fields, articles=refs)


def record(con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], run_id: str) -> None:
    frame = pl.DataFrame(
        {
            "alert_id": [d.alert_id for d in deliveries],
            "webhook": [d.webhook for d in deliveries],
            "status": [d.status for d in deliveries],
            "attempts": [d.attempts for d in deliveries],
            "http_status": [d.http_status for d in deliveries],
            "error": [d.error for d in deliveries],
            "run_id": [run_id] * len(deliveries),
            "attempted_at": [d.attempted_at for d in deliveries],
        },
        schema_overrides={
            "attempts": pl.Int32,
            "http_status": pl.Int32,
            "error": pl.String,
            "attempted_at": pl.Datetime("us"),
        },
    )
    append_rows(con, "alerts.deliveries", frame)


def failed_runs(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]) -> dict:
    """(alert_id, webhook) -> runs that have failed it so far."""
    if not pairs:
        return {}
    rows = con.execute(
        "select alert_id, webhook, count(*) from alerts.deliveries "
        "where status = 'failed' and list_contains(?, alert_id) group by all",
        [[alert for alert, _ in pairs]],
    ).fetchall()
    return {(alert, hook): count for alert, hook, count in rows}


@dataclass(frozen=True)
class WebhookHealth:
    webhook: str
    last_sent_at: datetime | None
    failing_runs: int  # runs with a failure since the last success
    given_up: int  # alerts no longer tried: failed on max_failed_runs runs, never sent


def webhook_health(con: duckdb.DuckDBPyConnection, max_failed_runs: int) -> list[WebhookHealth]:
    rows = con.execute(
        """
        with last_sent as (
            select webhook, max(attempted_at) as last_sent_at
            from alerts.deliveries where status = 'sent' group by 1
        ),
        pairs as (
            select
                alert_id,
                webhook,
                count(*) filter (where status = 'sent') as sent,
                count(*) filter (where status = 'failed') as failed
            from alerts.deliveries group by all
        )
        select
            d.webhook,
            s.last_sent_at,
            count(distinct d.run_id) filter (
                where d.status = 'failed'
                  and (s.last_sent_at is null or d.attempted_at > s.last_sent_at)
            ),
            (select count(*) from pairs as p
             where p.webhook = d.webhook and p.sent = 0 and p.failed >= ?)
        from alerts.deliveries as d
        left join last_sent as s on s.webhook = d.webhook
        group by d.webhook, s.last_sent_at
        order by d.webhook
        """,
        [max_failed_runs],
    ).fetchall()
    return [WebhookHealth(*row) for row in rows]
