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
    publisher: str | None = None  # who wrote it, when a source says (APIs, file drops)
    language: str = "und"  # ISO 639-1 code, "und" when undetermined
    # A provider's own sentiment, as JSON: kept as a reference, never used as our answer.
    provider_sentiment: str | None = None
    # Ids of the near or exact duplicates folded into this article.
    duplicate_ids: list[str] = field(default_factory=list)

    @property
    def published_date(self) -> str:
        return self.published_at.date().isoformat()
