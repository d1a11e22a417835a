"""The main text of an article's own page, for sources that ask for it (off by default).

Feeds often carry a headline and a sentence; the page behind the link has the story. Each
page is fetched with the same limits as a feed (http/https only, a byte limit, a time limit
for the whole response, a few requests per host at a time) and its main text is extracted
with trafilatura. A page that cannot be read or yields nothing leaves the article with the
text its source gave, and the reason is counted for the source's outcome.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import httpx

from orchestration.news.articles import Article
from orchestration.news.fetch import FetchError, fetch, is_transient
from orchestration.news.pool import run_per_host

MAX_PAGE_BYTES = 2 * 1024 * 1024
BUDGET_S = 120.0
# The analyzer reads a few thousand tokens at most; a longer text only fills the table.
MAX_TEXT_CHARS = 100_000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SHORTER = "page text not longer than the feed's"


@dataclass(frozen=True)
class FullTextOptions:
    max_bytes: int = MAX_PAGE_BYTES
    # All pages of one run: what is left waits for the next run instead of stalling this one.
    budget_s: float = BUDGET_S
    max_workers: int = 4
    max_per_host: int = 2


@dataclass(frozen=True)
class KnownPage:
    """What raw.articles already holds for an article: its page text, or why there is none."""

    body: str | None = None  # the extracted text (body_origin = 'page')
    source_text: str | None = None  # the source's own text kept beside it
    error: str | None = None  # a failure that asking again would not change


@dataclass
class FullTextStats:
    """One source's pages in one run."""

    extracted: int = 0  # fetched and extracted now
    reused: int = 0  # extracted by an earlier run
    failed: Counter[str] = field(default_factory=Counter)  # reason -> articles
    postponed: int = 0  # the run's time budget ran out first

    def summary(self) -> str | None:
        if not (self.extracted or self.reused or self.failed or self.postponed):
            return None
        parts = [f"full text: {self.extracted} extracted, {self.reused} kept from earlier runs"]
        if self.failed:
            reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.failed.items()))
            parts.append(f"{sum(self.failed.values())} kept the feed text ({reasons})")
        if self.postponed:
            parts.append(f"{self.postponed} left for the next run (time budget spent)")
        return "; ".join(parts)


@dataclass(frozen=True)
class _PageResult:
    text: str | None = None
    reason: str | None = None  # why there is no text: a short, countable phrase
    permanent: bool = False  # asking again later would give the same answer
    postponed: bool = False


def enrich(
    articles: list[Article],
    sources: Collection[str],
    client: httpx.Client,
    options: FullTextOptions | None = None,
    known: Mapping[str, KnownPage] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, FullTextStats]:
    """Replace the body of each article from `sources` with its page's main text.

    `client`'s timeout bounds each page from connection to last byte (fetch.py).

    `known` carries what earlier runs found, so a page is fetched once: its text is reused,
    and a permanent failure is not asked again. Returns the counts per source (the
    article's first source). Transient failures (timeouts, 5xx) are tried again next run.
    """
    options = options or FullTextOptions()
    known = known or {}
    stats: dict[str, FullTextStats] = {}
    todo: list[Article] = []
    for article in articles:
        if article.source not in sources:
            continue
        counts = stats.setdefault(article.source, FullTextStats())
        earlier = known.get(article.article_id)
        if earlier is not None and earlier.body:
            article.source_text = earlier.source_text
            article.body = earlier.body
            article.body_origin = "page"
            counts.reused += 1
        elif earlier is not None and earlier.error:
            article.full_text_error = earlier.error
            counts.failed[_reason_of(earlier.error)] += 1
        elif not article.url:
            article.full_text_error = "no http(s) link"
            counts.failed["no http(s) link"] += 1
        else:
            todo.append(article)

    deadline = clock() + options.budget_s
    results = run_per_host(
        [
            (httpx.URL(a.url).host, lambda a=a: _page_text(a.url, client, options, deadline, clock))
            for a in todo
        ],
        max_workers=options.max_workers,
        max_per_host=options.max_per_host,
    )
    for article, result in zip(todo, results, strict=True):
        counts = stats[article.source]
        if result.text is not None and _use_page(article, result.text, article.body):
            counts.extracted += 1
        elif result.text is not None:
            counts.failed[_SHORTER] += 1
            article.full_text_error = _SHORTER
        elif result.postponed:
            counts.postponed += 1
        else:
            counts.failed[result.reason or "failed"] += 1
            if result.permanent:
                article.full_text_error = result.reason
    return stats


def extract_main_text(html: bytes, url: str | None = None) -> str | None:
    """The page's main text without navigation, ads and comments; None when none is found."""
    import trafilatura  # imported here: it takes a second, and most runs never need it

    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    text = (text or "").strip()
    return text[:MAX_TEXT_CHARS] or None


def _page_text(
    url: str,
    client: httpx.Client,
    options: FullTextOptions,
    deadline: float,
    clock: Callable[[], float],
) -> _PageResult:
    if clock() > deadline:
        return _PageResult(postponed=True)
    try:
        page = fetch(url, client, options.max_bytes)
    except FetchError as exc:
        transient = is_transient(exc)
        reason = "timed out" if "timed out" in str(exc) else _reason_of(str(exc))
        return _PageResult(reason=reason, permanent=not transient)
    if not _is_html(page.content_type, page.content):
        kind = (page.content_type or "no content type").split(";")[0].strip()
        return _PageResult(reason=f"not an HTML page ({kind})", permanent=True)
    try:
        text = extract_main_text(page.content, page.location)
    except Exception as exc:  # a parser bug on one page must not stop the others
        return _PageResult(reason=f"extraction failed ({type(exc).__name__})", permanent=True)
    if text is None:
        return _PageResult(reason="no main text found", permanent=True)
    return _PageResult(text=text)


def _use_page(article: Article, text: str, source_text: str | None) -> bool:
    # Only a text longer than what the source gave is worth it: a paywall or a consent page
    # extracts to a line or two.
    if len(text) <= len(article.body):
        return False
    article.source_text = source_text
    article.body = text
    article.body_origin = "page"
    return True


def _is_html(content_type: str | None, content: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() in _HTML_TYPES
    head = content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _reason_of(message: str) -> str:
    """A short phrase to count failures by (no hosts, sizes or status details)."""
    lowered = message.lower()
    if "byte limit" in lowered:
        return "over the size limit"
    if "timed out" in lowered:
        return "timed out"
    if lowered.startswith("http "):
        return message.split(" from ")[0]  # e.g. "HTTP 404"
    if "redirect" in lowered:
        return "bad redirect"
    if lowered.startswith("not an html page"):
        return "not an HTML page"
    return message if len(message) <= 40 else "could not read the page"
