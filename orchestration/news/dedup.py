"""Folding duplicates into one article that remembers every source that carried it.

Exact duplicates share a canonical URL (the article id) or a content hash. Near duplicates
are the same story syndicated with small edits. A one-permutation MinHash over 3-word
shingles of title and body (16 slots, each the smallest shingle hash in its residue class
mod 16: one sort instead of 16 hash functions) proposes candidates by LSH (8 bands of 2
slots); a pair is merged when the exact Jaccard similarity of their shingle sets is at
least NEAR_DUPLICATE_JACCARD and they were published at most MAX_APART apart.

0.6 keeps a story whose headline lost or changed a few words (a 40-word item with one
edited headline word scores about 0.85) and leaves apart templated stories about different
companies ("X declares a quarterly dividend of $Y"), which score well below it. Headline-only
items have few shingles, so an edit there often stays under the threshold: by design we
prefer two rows to one wrong merge.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from datetime import timedelta

from orchestration.news.articles import Article

NEAR_DUPLICATE_JACCARD = 0.6
MAX_APART = timedelta(days=2)
SHINGLE_WORDS = 3
BANDS = 8
ROWS = 2
MAX_BUCKET_COMPARISONS = 50  # a boilerplate shingle must not make this quadratic
SLOTS = BANDS * ROWS
_WORD = re.compile(r"\w+", re.UNICODE)


def deduplicate(articles: list[Article]) -> list[Article]:
    """One article per story, in first-seen order; later copies fold into the first."""
    return _merge_near(_merge_exact(articles))


def shingles(text: str) -> set[int]:
    """Hashes of the text's overlapping 3-word sequences (the whole text if shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _merge_exact(articles: list[Article]) -> list[Article]:
    kept: list[Article] = []
    by_id: dict[str, Article] = {}
    by_hash: dict[str, Article] = {}
    for article in articles:
        same = by_id.get(article.article_id) or by_hash.get(article.content_hash)
        if same is not None and _close_in_time(same, article):
            _fold(same, article)
            continue
        by_id.setdefault(article.article_id, article)
        by_hash.setdefault(article.content_hash, article)
        kept.append(article)
    return kept


def _merge_near(articles: list[Article]) -> list[Article]:
    sets = [shingles(f"{a.title} {a.body}") for a in articles]
    root = list(range(len(articles)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    buckets: dict[tuple[int, tuple[int | None, ...]], list[int]] = defaultdict(list)
    for i, shingle_set in enumerate(sets):
        if not shingle_set:
            continue
        signature = _signature(shingle_set)
        for band in range(BANDS):
            key = signature[band * ROWS : (band + 1) * ROWS]
            if None in key:  # an empty slot says nothing: short texts would all collide
                continue
            members = buckets[(band, key)]
            for j in members[:MAX_BUCKET_COMPARISONS]:
                ri, rj = find(i), find(j)
                if ri == rj or not _close_in_time(articles[j], articles[i]):
                    continue
                if jaccard(sets[i], sets[j]) >= NEAR_DUPLICATE_JACCARD:
                    root[max(ri, rj)] = min(ri, rj)  # the first-seen copy survives
            members.append(i)

    kept = []
    for i, article in enumerate(articles):
        survivor = find(i)
        if survivor == i:
            kept.append(article)
        else:
            _fold(articles[survivor], article)
    return kept


def _signature(shingle_set: set[int]) -> tuple[int | None, ...]:
    """One-permutation MinHash: per slot, the smallest hash that falls in it (None: empty)."""
    slots: list[int | None] = [None] * SLOTS
    left = SLOTS
    for value in sorted(shingle_set):
        slot = value % SLOTS
        if slots[slot] is None:
            slots[slot] = value
            left -= 1
            if not left:
                break
    return tuple(slots)


def _close_in_time(a: Article, b: Article) -> bool:
    return abs(a.published_at - b.published_at) <= MAX_APART


def _fold(kept: Article, other: Article) -> None:
    """`kept` absorbs `other`: its sources, its id, and a real date if kept had none."""
    for source in other.sources or [other.source]:
        if source not in kept.sources:
            kept.sources.append(source)
    for article_id in [other.article_id, *other.duplicate_ids]:
        if article_id != kept.article_id and article_id not in kept.duplicate_ids:
            kept.duplicate_ids.append(article_id)
    if kept.provider_sentiment is None:
        kept.provider_sentiment = other.provider_sentiment
    if kept.published_at_is_fetch_time and not other.published_at_is_fetch_time:
        kept.published_at = other.published_at
        kept.published_at_is_fetch_time = False
