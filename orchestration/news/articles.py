"""The article record every source is normalised into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestration.news.normalize import canonical_url, content_hash, stable_id


@dataclass
class Article:
    article_id: str
    url: str
    title: str
    body: str
    source: str
    published_at: datetime  # aware, UTC
    fetched_at: datetime  # aware, UTC
    content_hash: str
    published_at_is_fetch_time: bool = False
    sources: list[str] = field(default_factory=list)
    publisher: str | None = None  # who wrote it, when a source says (APIs, file drops)
    language: str = "und"  # ISO 639-1 code, "und" when undetermined
    # A provider's own sentiment, as JSON: kept as a reference, never used as our answer.
    provider_sentiment: str | None = None
    # Ids of the near or exact duplicates folded into this article.
    duplicate_ids: list[str] = field(default_factory=list)
    # Full-text extraction (news/fulltext.py): "page" when `body` is the article page's main
    # text, and then `source_text` keeps what the source itself said.
    body_origin: str = "source"
    source_text: str | None = None
    full_text_error: str | None = None  # why the page gave nothing, when asking again won't help
    # Symbols the source itself says the article is about (a file drop's tickers column):
    # a hint that ticker resolution validates, never trusted as is.
    ticker_hints: list[str] | None = None
    # Texts cut to the size limit (news/limits.py); reported in the ingestion log.
    truncated_fields: list[str] = field(default_factory=list)

    @property
    def published_date(self) -> str:
        return self.published_at.date().isoformat()


def canonical_link(link: str) -> str:
    """A source's link as a canonical http(s) URL, or "" when it has none we can use."""
    if not link.strip().lower().startswith(("http://", "https://")):
        return ""
    try:
        return canonical_url(link)
    except ValueError:  # a port out of range, a broken IPv6 host: identify it otherwise
        return ""


def new_article(
    source: str,
    url: str,
    fallback_id: tuple[str, ...],
    title: str,
    body: str,
    published_at: datetime,
    fetched_at: datetime,
    **extra: object,
) -> Article:
    """An Article from one source; its id is the canonical URL's, or the fallback's hash
    (stable across re-fetches) when there is no usable link."""
    return Article(
        article_id=stable_id(url) if url else stable_id(source, *fallback_id),
        url=url,
        title=title,
        body=body,
        source=source,
        published_at=published_at,
        fetched_at=fetched_at,
        content_hash=content_hash(title, body),
        sources=[source],
        **extra,  # type: ignore[arg-type]
    )
