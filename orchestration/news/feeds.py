"""RSS, Atom and RDF feeds into Article records (feedparser does the XML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import feedparser

from orchestration.news.articles import Article, canonical_link, new_article
from orchestration.news.encoding import decode_feed
from orchestration.news.normalize import (
    html_to_text,
    struct_time_to_utc,
)


class FeedError(Exception):
    """The document is not a feed we can read anything from."""


@dataclass
class ParsedFeed:
    articles: list[Article]
    warnings: list[str] = field(default_factory=list)


def parse_feed(
    content: bytes, source: str, fetched_at: datetime, content_type: str | None = None
) -> ParsedFeed:
    """Every readable entry of a feed document; a partly broken feed keeps what it can."""
    if not content.strip():
        raise FeedError("empty response: no feed document")
    decoded = decode_feed(content, content_type)
    doc = feedparser.parse(decoded.content)
    if not doc.entries and (doc.bozo or not doc.get("version")):
        reason = f": {doc.bozo_exception}" if doc.bozo else ""
        raise FeedError(f"not an RSS, Atom or RDF feed with readable entries{reason}")
    warnings = [decoded.note] if decoded.note else []
    articles = []
    skipped = undated = 0
    for entry in doc.entries:
        article = _article(entry, source, fetched_at)
        if article is None:
            skipped += 1
            continue
        undated += article.published_at_is_fetch_time
        articles.append(article)
    if doc.bozo and not articles:
        raise FeedError(f"not an RSS, Atom or RDF feed with readable entries: {doc.bozo_exception}")
    if doc.bozo:
        warnings.append(
            f"feed is malformed, kept {len(articles)} readable entries: {doc.bozo_exception}"
        )
    if skipped:
        warnings.append(f"{skipped} entries had neither title nor text and were skipped")
    if undated:
        warnings.append(f"{undated} entries had no date; used the fetch time")
    garbled = sum("\ufffd" in a.title + a.body for a in articles)
    if garbled:
        warnings.append(f"{garbled} entries have undecodable characters (shown as U+FFFD)")
    return ParsedFeed(articles, warnings)


def _article(entry: feedparser.FeedParserDict, source: str, fetched_at: datetime) -> Article | None:
    title = html_to_text(entry.get("title", ""))
    body = html_to_text(_body_markup(entry))
    if not title and not body:
        return None
    parsed_date = entry.get("published_parsed") or entry.get("updated_parsed")
    published_at = struct_time_to_utc(parsed_date) if parsed_date else fetched_at
    # Entries without a usable link are identified by what they say, so a re-fetch maps
    # them to the same id.
    return new_article(
        source,
        canonical_link(entry.get("link", "")),
        (entry.get("id", ""), title),
        title or body[:120],
        body,
        published_at,
        fetched_at,
        published_at_is_fetch_time=parsed_date is None,
    )


def _body_markup(entry: feedparser.FeedParserDict) -> str:
    """The richest text an entry carries: full content, then summary, then description."""
    contents = entry.get("content") or []
    longest = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or entry.get("description", "")
    return longest if len(longest) > len(summary) else summary
