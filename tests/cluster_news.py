"""Invented news with known counts for the cluster backfill test: history and a live feed.

Every article is fiction about a real company, written here. Texts are built from word
lists so that no two articles share enough 3-word sequences to be folded as near
duplicates (news/dedup.py): each is one story, and a count per day is a count of rows.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

COMPANIES = [
    ("Apple", "AAPL"),
    ("Microsoft", "MSFT"),
    ("NVIDIA", "NVDA"),
    ("Amazon", "AMZN"),
    ("Boeing", "BA"),
    ("Walmart", "WMT"),
    ("Pfizer", "PFE"),
    ("Intel", "INTC"),
]
_VERBS = ["beats", "misses", "raises", "cuts", "doubles", "trims", "confirms", "delays"]
_THINGS = ["revenue", "guidance", "dividend", "buyback", "margins", "orders", "deliveries"]
_WORDS = [
    "analysts",
    "traders",
    "board",
    "regulators",
    "suppliers",
    "lenders",
    "clients",
    "rivals",
    "unions",
    "auditors",
    "quarter",
    "outlook",
    "backlog",
    "pricing",
    "demand",
    "capacity",
    "inventory",
    "pipeline",
    "shipments",
    "costs",
    "strong",
    "weak",
    "record",
    "modest",
    "sharp",
    "steady",
    "surprising",
    "cautious",
    "upbeat",
    "gloomy",
    "Tuesday",
    "Friday",
    "morning",
    "overnight",
    "premarket",
    "midday",
    "closing",
    "weekly",
    "monthly",
    "annual",
]
FEED_NEW_PER_TICK = 3  # new items in each version of the live feed
FEED_KEEPS_TICKS = 2  # an item stays in the feed for this many versions, then leaves


def per_day_counts(days: list[date]) -> dict[date, int]:
    """How many articles the history holds per day: 2 to 5, known in advance."""
    return {day: 2 + day.toordinal() % 4 for day in days}


def _story(rng: random.Random, serial: str) -> tuple[str, str]:
    name, ticker = rng.choice(COMPANIES)
    title = f"{name} {rng.choice(_VERBS)} {rng.choice(_THINGS)} in update {serial}"
    words = rng.sample(_WORDS, 18)
    # A serial every few words keeps any two bodies' shingles apart.
    chunks = [" ".join(words[i : i + 3]) + f" {serial}-{i}" for i in range(0, 18, 3)]
    body = f"{name} (NASDAQ: {ticker}) said {'; '.join(chunks)}."
    return title, body


def write_history(folder: Path, days: list[date]) -> list[str]:
    """One JSONL file of per_day_counts(days) articles; returns their URLs."""
    rng = random.Random(5)
    urls = []
    with (folder / "history.jsonl").open("w", encoding="utf-8") as out:
        for day, count in per_day_counts(days).items():
            for n in range(count):
                serial = f"h{day:%m%d}{n}"
                title, body = _story(rng, serial)
                at = datetime(day.year, day.month, day.day, 9 + 2 * n, 15, tzinfo=UTC)
                url = f"https://history.example.com/{day:%Y/%m/%d}/{serial}"
                row = {"title": title, "published_at": at.isoformat(), "url": url, "body": body}
                out.write(json.dumps(row) + "\n")
                urls.append(url)
    return urls


def feed_items(today: date, tick: int) -> list[tuple[str, str, str, datetime]]:
    """(url, title, body, published) of the items new in version `tick` of the live feed."""
    rng = random.Random(1000 + tick)
    items = []
    for n in range(FEED_NEW_PER_TICK):
        serial = f"t{tick}n{n}"
        title, body = _story(rng, serial)
        published = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(
            seconds=60 * tick + n
        )
        items.append(
            (f"https://live.example.com/{today:%Y/%m/%d}/{serial}", title, body, published)
        )
    return items


def write_feed(path: Path, today: date, tick: int) -> list[str]:
    """Version `tick` of the live feed: the newest items of the last FEED_KEEPS_TICKS ticks,
    so each item is read again by the next run (a repeat) and then leaves the feed.
    Written whole and renamed, as a web server swaps a file; returns the URLs it lists."""
    items = [
        item
        for version in range(max(tick - FEED_KEEPS_TICKS + 1, 0), tick + 1)
        for item in feed_items(today, version)
    ]
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{escape(body)}</description></item>"
        for url, title, body, published in sorted(items, key=lambda i: i[3], reverse=True)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>cluster live (invented)</title><link>https://live.example.com/</link>"
        f"<description>version {tick}</description>{entries}</channel></rss>"
    )
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(document, encoding="utf-8")
    partial.replace(path)
    return [url for url, *_ in items]
