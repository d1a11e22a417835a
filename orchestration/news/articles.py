"""The article record every source is normalised into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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

    @property
    def published_date(self) -> str:
        return self.published_at.date().isoformat()


def deduplicate(articles: list[Article]) -> list[Article]:
    """One article per id (canonical URL); it remembers every source that carried it."""
    by_id: dict[str, Article] = {}
    for article in articles:
        kept = by_id.setdefault(article.article_id, article)
        if article.source not in kept.sources:
            kept.sources.append(article.source)
    return list(by_id.values())
