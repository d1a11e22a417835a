"""How much text one article may carry, so one huge row cannot stall a run.

A 50 MB single-line JSONL once became a 52-million-character body that took minutes and
gigabytes to analyse. Title, body and the source's own text are each cut at the limit.
"""

from __future__ import annotations

from orchestration.news.articles import Article
from orchestration.news.normalize import content_hash

MAX_ARTICLE_CHARS_ENV = "TICKERPULSE_MAX_ARTICLE_CHARS"
DEFAULT_MAX_ARTICLE_CHARS = 200_000
# Raw file values are cut at this multiple of the limit before HTML is stripped: markup is
# rarely more than a few times its text, and stripping 50 MB of it is what costs minutes.
RAW_FACTOR = 4


def clip(text: str, limit: int) -> tuple[str, int]:
    """`text` cut to `limit` characters, and how many characters were cut (0: none)."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def cap_article(article: Article, limit: int) -> list[str]:
    """Cut an article's texts to `limit` characters in place; the names of those cut."""
    cut = []
    for name in ("title", "body", "source_text"):
        value = getattr(article, name)
        if value is None:
            continue
        clipped, removed = clip(value, limit)
        if removed:
            setattr(article, name, clipped)
            cut.append(name)
    if cut:
        article.content_hash = content_hash(article.title, article.body)
    return cut


def truncation_note(counts: dict[str, int], limit: int) -> str | None:
    """'2 articles cut to 200,000 characters (body 2, title 1)', or None."""
    articles = counts.get("articles", 0)
    if not articles:
        return None
    fields = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()) if name != "articles")
    return f"{articles} articles cut to {limit:,} characters ({fields}; {MAX_ARTICLE_CHARS_ENV})"
