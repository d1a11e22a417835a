"""A feed that news is published to while a test or bench runs, served by a FeedServer.

It answers a conditional GET the way a well-behaved news site does: an ETag that changes
with the content, and a 304 when the client already has it. Every request is counted, so
a bench can show how many of them found nothing new. The stories are invented: each names
one company (strongly negative news, what the offline analyzer alerts on) and differs
enough from the others that de-duplication never folds two into one.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from testservers.feed_server import RSS, FeedServer, _Handler

# (ticker, company, what it makes, a sentence only its stories have): every ticker is in
# the shipped reference.
COMPANIES = [
    ("BA", "Boeing", "jets", "Airlines from Dallas to Dublin said they would review orders."),
    ("INTC", "Intel", "chips", "Laptop makers in Taiwan began looking for other suppliers."),
    ("TSLA", "Tesla", "electric cars", "Owners in Norway and California reported recalls."),
    ("DIS", "Disney", "theme park tickets", "Visitors in Orlando and Anaheim sought refunds."),
    ("XOM", "Exxon Mobil", "refined fuel", "Gulf Coast refiners and truckers braced for gaps."),
]
# Bad news of distinct kinds, so two stories never share most of their words.
EVENTS = [
    (
        "{company} shares plunge after regulators halt {product} shipments",
        "{company} (NYSE: {ticker}) halted all {product} shipments on {weekday} after "
        "regulators found serious safety defects. The company withdrew its full-year "
        "guidance and warned of a steep loss. {company} shares plunged {drop}% in early "
        "trading, their worst day in a decade.",
    ),
    (
        "{company} slashes forecast, warns of heavy losses as demand collapses",
        "{company} ({ticker}) cut its forecast for the third time this year, saying demand "
        "for its {product} had collapsed and losses would widen sharply. Analysts "
        "downgraded the stock to sell. The shares tumbled {drop}% by midday on {weekday}.",
    ),
    (
        "{company} stock collapses on fraud probe as finance chief quits",
        "Federal prosecutors opened a fraud investigation into {company} ({ticker}) "
        "accounting for {product} sales, and its chief financial officer resigned on "
        "{weekday}. The company delayed its quarterly report and warned of large losses. "
        "{company} stock collapsed {drop}% as investors fled.",
    ),
]


@dataclass(frozen=True)
class Story:
    guid: str
    ticker: str
    title: str
    body: str
    published: datetime


def story(number: int, now: datetime | None = None) -> Story:
    """The `number`th invented story: strongly negative about one watched company."""
    ticker, company, product, detail = COMPANIES[number % len(COMPANIES)]
    title, body = EVENTS[(number // len(COMPANIES)) % len(EVENTS)]
    published = (now or datetime.now(tz=UTC)).replace(microsecond=0)
    values = {
        "company": company,
        "ticker": ticker,
        "product": product,
        "weekday": published.strftime("%A"),
        "drop": 9 + number % 7,
    }
    return Story(
        f"live-{number}",
        ticker,
        title.format(**values),
        f"{body.format(**values)} {detail}",
        published,
    )


def quiet_story(now: datetime | None = None) -> Story:
    """A story that names no company: what a feed holds before the news starts (a run
    keeps the validators only of a feed that had items)."""
    published = (now or datetime.now(tz=UTC)).replace(microsecond=0)
    return Story(
        "live-quiet",
        "",
        "Markets wait for the central bank's decision",
        "Traders said little changed hands before the announcement due this afternoon.",
        published,
    )


class LiveFeed:
    """An RSS feed at one path of a FeedServer; `publish` adds a story to its top."""

    def __init__(self, server: FeedServer, path: str = "/live.rss") -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stories: list[Story] = []
        self._counts = {200: 0, 304: 0}
        self.url = server.route(path, self._answer)

    def publish(self, item: Story) -> None:
        with self._lock:
            self._stories.insert(0, item)

    def counts(self) -> dict[int, int]:
        """Requests answered so far: {200: with content, 304: nothing new}."""
        with self._lock:
            return dict(self._counts)

    def _answer(self, handler: _Handler) -> None:
        with self._lock:
            body = _rss(self._stories)
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            status = 304 if handler.headers.get("If-None-Match") == etag else 200
            self._counts[status] += 1
        handler.respond(status, body if status == 200 else b"", RSS, {"ETag": etag})


def _rss(stories: list[Story]) -> bytes:
    items = "".join(
        "<item>"
        f"<title>{escape(s.title)}</title>"
        f"<link>https://news.example.com/live/{s.guid}</link>"
        f'<guid isPermaLink="false">{s.guid}</guid>'
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<description>{escape(s.body)}</description>"
        "</item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Live wire</title><link>https://news.example.com/live</link>"
        f"<description>Invented stories published during a test.</description>{items}"
        "</channel></rss>"
    ).encode()
