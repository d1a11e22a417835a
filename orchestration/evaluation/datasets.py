"""Labelled sets: reading them from CSV or JSONL, and their labels on our three classes."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from orchestration.analysis.schema import ArticleText
from orchestration.analysis.text import sentences

CLASSES = ("negative", "neutral", "positive")
THRESHOLD = 0.15  # schema.sentiment_label's Neutral band, collapsed to three classes
KINDS = ("headlines", "entities")
LABEL_SPELLINGS = {
    "negative": "negative", "neg": "negative", "bearish": "negative",
    "somewhat-bearish": "negative", "-1": "negative",
    "neutral": "neutral", "neu": "neutral", "none": "neutral",
    "positive": "positive", "pos": "positive", "bullish": "positive",
    "somewhat-bullish": "positive", "+1": "positive",
}  # fmt: skip
# Digit labels mean different things in different sets, so they need a named mapping.
NUMERIC_MAPPINGS = {
    "zeroshot": {"0": "negative", "1": "positive", "2": "neutral"},  # Twitter Fin. News
    "ordinal": {"0": "negative", "1": "neutral", "2": "positive"},
}


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    entity: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: str
    examples: list[Example]

    @property
    def sha256(self) -> str:
        """Hash of the rows evaluated (not the file), so a --limit run is its own data set."""
        digest = hashlib.sha256()
        for e in self.examples:
            digest.update(f"{e.text}\x1f{e.entity or ''}\x1f{e.label}\x1e".encode())
        return digest.hexdigest()


def normalise_label(value: object, numeric: str | None = None) -> str:
    """One of CLASSES for a label in any common spelling; digits need a NUMERIC_MAPPINGS key."""
    text = str(value).strip().lower().replace("_", "-")
    if text in LABEL_SPELLINGS:
        return LABEL_SPELLINGS[text]
    if text.isdigit():
        if numeric is None:
            raise ValueError(f"numeric label {text!r}: say what digits mean (--numeric-labels)")
        if text in NUMERIC_MAPPINGS[numeric]:
            return NUMERIC_MAPPINGS[numeric][text]
    raise ValueError(f"unknown label {value!r}")


def score_label(score: float) -> str:
    if score <= -THRESHOLD:
        return "negative"
    return "positive" if score >= THRESHOLD else "neutral"


def load_dataset(
    path: Path, kind: str | None = None, numeric: str | None = None, limit: int | None = None
) -> Dataset:
    """Read a CSV or JSONL set: text and label, plus entity for entity-level sets.

    An entity set may give a score in [-1, 1] instead of a label. The kind is guessed from
    the columns (an `entity` column makes it an entity set) unless given.
    """
    records = _read_records(path)[:limit]
    if not records:
        raise ValueError(f"{path}: no rows")
    kind = kind or ("entities" if "entity" in records[0] else "headlines")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    examples = [_example(r, kind, numeric, f"{path}:{i}") for i, r in enumerate(records, 1)]
    return Dataset(path.name, kind, examples)


def _read_records(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8", newline="") as fh:
        if path.suffix.lower() in {".jsonl", ".ndjson"}:
            return [json.loads(line) for line in fh if line.strip()]
        return list(csv.DictReader(fh))


def _example(record: dict[str, object], kind: str, numeric: str | None, where: str) -> Example:
    text = str(record.get("text") or "").strip()
    if not text:
        raise ValueError(f"{where}: no text")
    label = record.get("label")
    try:
        if label not in (None, ""):
            gold = normalise_label(label, numeric)
        elif kind == "entities" and record.get("score") not in (None, ""):
            gold = score_label(float(record["score"]))
        else:
            raise ValueError("no label" + (" or score" if kind == "entities" else ""))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    entity = str(record.get("entity") or "").strip() or None
    if kind == "entities" and entity is None:
        raise ValueError(f"{where}: no entity")
    return Example(text, gold, entity if kind == "entities" else None)


def as_article(index: int, text: str) -> ArticleText:
    """A labelled text as an article: its first sentence is the title, the rest the body."""
    parts = sentences(text) or [text]
    return ArticleText(article_id=str(index), title=parts[0], body=" ".join(parts[1:]))
