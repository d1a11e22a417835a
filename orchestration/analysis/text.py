"""Sentence splitting and tokenising shared by the analyzers."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*")
# A sentence ends at . ! or ? followed by space and a capital, quote or digit; common
# abbreviations ("Inc.", "Corp.", "U.S.") and initials do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(])")
_ABBREVIATIONS = (
    "inc.",
    "corp.",
    "co.",
    "ltd.",
    "plc.",
    "mr.",
    "ms.",
    "mrs.",
    "dr.",
    "st.",
    "u.s.",
    "u.k.",
    "e.g.",
    "i.e.",
    "vs.",
    "no.",
    "jan.",
    "feb.",
    "aug.",
    "sept.",
    "oct.",
    "nov.",
    "dec.",
    "j.p.",
    "a.m.",
    "p.m.",
    "n.v.",
    "s.a.",
)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "not",
        "no",
        "than",
        "then",
        "so",
        "such",
        "said",
        "says",
        "say",
        "also",
        "after",
        "before",
        "over",
        "under",
        "about",
        "into",
        "out",
        "up",
        "down",
        "more",
        "most",
        "less",
        "least",
        "very",
        "just",
        "only",
        "other",
        "some",
        "any",
        "each",
        "all",
        "both",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "during",
        "per",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "there",
        "here",
        "new",
        "one",
        "two",
        "three",
        "year",
        "years",
        "percent",
        "company",
        "companies",
    ]
)


def normalise_quotes(text: str) -> str:
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )


def tokens(text: str) -> list[str]:
    """Lowercase word tokens; keeps hyphenated words and contractions whole."""
    return _TOKEN.findall(normalise_quotes(text).lower())


def content_words(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in _STOPWORDS and not t.isdigit() and len(t) > 2]


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations and initials inside them."""
    text = " ".join(text.split())
    if not text:
        return []
    parts: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(" ", 1)[-1].lower()
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        parts.append(candidate)
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]
