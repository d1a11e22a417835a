"""Webhook payloads (generic JSON, Slack) and their delivery with retries and a deadline.

A webhook URL is a secret (a Slack one is a bearer token in a path): it lives in `Target`
only, out of its repr, and no message written here ever contains it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from orchestration.alerts.rules import Alert, ArticleRef
from orchestration.news.fetch import RETRY_STATUSES, USER_AGENT, RetryPolicy, parse_retry_after

SCHEMA_VERSION = 1
# Slack's limits: a header's text, a section's text, a fallback text shown in notifications.
_SLACK_HEADER = 150
_SLACK_SECTION = 3000
_SLACK_TEXT = 1000
_ERROR_CHARS = 200

RULE_TITLES = {
    "article_negative": "strongly negative article",
    "article_positive": "strongly positive article",
    "sentiment_drop": "sentiment drop",
    "sentiment_spike": "sentiment spike",
    "volume_spike": "news volume spike",
}
_EMOJI = {"down": ":chart_with_downwards_trend:", "up": ":chart_with_upwards_trend:"}


def _utc_iso(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def json_payload(alert: Alert) -> dict[str, object]:
    """The generic payload: every field of the alert, stable names, versioned."""
    return {
        "type": "tickerpulse.alert",
        "schema_version": SCHEMA_VERSION,
        "alert_id": alert.alert_id,
        "watchlist": alert.watchlist,
        "rule": alert.rule,
        "ticker": alert.ticker,
        "date": alert.alert_date.isoformat(),
        "event_at": _utc_iso(alert.event_at),
        "direction": alert.direction,
        "score": round(alert.score, 4),
        "why": alert.why,
        "articles": [
            {
                "article_id": a.article_id,
                "title": a.title,
                "url": a.url,
                "published_at": _utc_iso(a.published_at),
                "sentiment_score": round(a.sentiment_score, 4),
                "relevance_score": round(a.relevance_score, 4),
            }
            for a in alert.articles
        ],
    }


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (`<!channel>` pings a whole channel)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_link(article: ArticleRef) -> str:
    title = slack_escape(" ".join(article.title.split()))
    url = article.url or ""
    # `|` and `>` would end Slack's <url|text> early; such a URL is left out, not mangled.
    if url.startswith(("http://", "https://")) and not any(c in url for c in "|<> "):
        return f"<{url.replace('&', '&amp;')}|{title}>"
    return title


def slack_payload(alert: Alert) -> dict[str, object]:
    """A Slack incoming-webhook message: `text` for notifications, Block Kit for the channel."""
    emoji = _EMOJI.get(alert.direction, ":bar_chart:")
    header = f"{alert.ticker}: {RULE_TITLES.get(alert.rule, alert.rule)}"
    blocks: list[dict[str, object]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(header, _SLACK_HEADER), "emoji": True},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(f"{emoji} {slack_escape(alert.why)}", _SLACK_SECTION),
            },
        },
    ]
    lines: list[str] = []
    used = 0
    for article in alert.articles:
        line = (
            f"• {_slack_link(article)} (sentiment {article.sentiment_score:+.2f}, "
            f"relevance {article.relevance_score:.2f})"
        )
        if used + len(line) + 1 > _SLACK_SECTION:
            break  # a whole line or none: a cut link would not render
        lines.append(line)
        used += len(line) + 1
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": slack_escape(
                        f"watchlist {alert.watchlist} · {alert.alert_date} · alert {alert.alert_id}"
                    ),
                }
            ],
        }
    )
    return {"text": _clip(f"{emoji} {slack_escape(alert.why)}", _SLACK_TEXT), "blocks": blocks}


PAYLOADS: dict[str, Callable[[Alert], dict[str, object]]] = {
    "json": json_payload,
    "slack": slack_payload,
}


@dataclass(frozen=True)
class Target:
    """A webhook ready to post to."""

    name: str
    format: str
    url: str = field(repr=False)


@dataclass(frozen=True)
class Delivery:
    """What one run did with one alert for one webhook."""

    alert_id: str
    webhook: str
    status: str  # sent | failed
    attempts: int  # HTTP requests made in this run
    http_status: int | None
    error: str | None
    attempted_at: datetime  # UTC, without a zone
    # A failure that says the webhook itself is unwell (5xx, 429, no connection), as
    # opposed to one refusing this payload; the run stops trying that webhook.
    transient: bool = False


@dataclass
class DeliveryReport:
    deliveries: list[Delivery] = field(default_factory=list)
    deferred: list[tuple[str, str]] = field(default_factory=list)  # (alert_id, webhook)

    @property
    def sent(self) -> int:
        return sum(d.status == "sent" for d in self.deliveries)

    @property
    def failed(self) -> int:
        return sum(d.status == "failed" for d in self.deliveries)


def webhook_client(timeout_s: float) -> httpx.Client:
    # No redirects: following one would turn the POST into a GET, or carry the alert
    # somewhere the configuration never named.
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def post_alert(
    alert: Alert,
    target: Target,
    client: httpx.Client,
    retry: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST the alert in the target's format; retried on 5xx, 429, timeouts, no connection."""
    body = json.dumps(PAYLOADS[target.format](alert), ensure_ascii=False).encode("utf-8")
    # Receivers that keep the key can drop a repeat (a success whose answer was lost).
    headers = {"Content-Type": "application/json", "Idempotency-Key": alert.alert_id}
    error, status = "", None
    for number in range(1, retry.attempts + 1):
        retry_after = None
        try:
            response = client.post(target.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            error, status = f"timed out ({type(exc).__name__})", None
        except httpx.TransportError as exc:
            error, status = f"no connection ({type(exc).__name__})", None
        else:
            status = response.status_code
            if 200 <= status < 300:
                return _delivery(alert, target, "sent", number, status, None)
            error = f"HTTP {status}{_snippet(response.text, target.url)}"
            if status not in RETRY_STATUSES:
                return _delivery(alert, target, "failed", number, status, error)
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        if number == retry.attempts:
            break
        if retry_after is not None and retry_after > retry.max_delay_s:
            error += f"; asked to retry after {retry_after:g} s, longer than we wait"
            return _delivery(alert, target, "failed", number, status, error, transient=True)
        sleep(retry.delay(number, retry_after))
    if retry.attempts > 1:
        error += f" (gave up after {retry.attempts} attempts)"
    return _delivery(alert, target, "failed", retry.attempts, status, error, transient=True)


def deliver(
    jobs: list[tuple[Alert, Target]],
    client: httpx.Client,
    retry: RetryPolicy,
    deadline_s: float,
    on_progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Post every (alert, webhook) pair in order, never for longer than `deadline_s`.

    A webhook that is down gets one alert's worth of retries per run; its other alerts
    are deferred, not failed, so one outage does not use up their attempts.
    """
    report = DeliveryReport()
    started = clock()
    down: set[str] = set()
    for done, (alert, target) in enumerate(jobs, start=1):
        if target.name in down or clock() - started > deadline_s:
            report.deferred.append((alert.alert_id, target.name))
        else:
            delivery = post_alert(alert, target, client, retry, sleep)
            report.deliveries.append(delivery)
            if delivery.transient:
                down.add(target.name)
        if on_progress is not None:
            on_progress(done, len(jobs))
    return report


def _delivery(
    alert: Alert,
    target: Target,
    status: str,
    attempts: int,
    http_status: int | None,
    error: str | None,
    transient: bool = False,
) -> Delivery:
    return Delivery(
        alert.alert_id,
        target.name,
        status,
        attempts,
        http_status,
        error,
        datetime.now(tz=UTC).replace(tzinfo=None),
        transient,
    )


def _snippet(text: str, url: str) -> str:
    """The start of an error body, on one line, with the URL taken out should it echo it."""
    text = " ".join(text.split())
    if not text:
        return ""
    path = httpx.URL(url).raw_path.decode("ascii", "replace")
    for secret in (url, path if len(path) > 1 else ""):
        if secret:
            text = text.replace(secret, "<webhook url>")
    return f": {_clip(text, _ERROR_CHARS)}"
