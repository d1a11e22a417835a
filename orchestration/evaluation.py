"""Evaluate any analyzer on labelled sets, and keep every result in DuckDB to compare.

Plain Python, no Dagster. Headline sets score the article's overall sentiment; entity
sets score the named company's ticker sentiment. Scores become three classes on our scale.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.analysis.base import Analyzer, analyze_all
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.text import sentences
from orchestration.analysis.tickers import TickerReference, default_reference

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
DDL = (
    "create schema if not exists eval",
    """create table if not exists eval.results (
        run_id varchar primary key, evaluated_at timestamp not null, analyzer varchar not null,
        model varchar not null, prompt_version varchar not null, dataset varchar not null,
        dataset_sha256 varchar not null, kind varchar not null, rows integer not null,
        accuracy double not null, macro_f1 double not null, per_class json not null,
        confusion json not null, entity_not_found integer not null, failed integer not null,
        seconds double not null)""",
)
_LIST_SQL = """
select evaluated_at, analyzer, model, prompt_version, dataset, dataset_sha256, kind, rows,
    accuracy, macro_f1, entity_not_found, failed, seconds, run_id
from eval.results
where ? is null or dataset_sha256 = ?
order by dataset, evaluated_at
"""


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


@dataclass
class Result:
    dataset: Dataset
    analyzer: str
    model: str
    prompt_version: str
    confusion: dict[str, dict[str, int]]
    entity_not_found: int = 0
    failed: int = 0
    seconds: float = 0.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    evaluated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    @property
    def rows(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def accuracy(self) -> float:
        return accuracy(self.confusion)

    @property
    def per_class(self) -> dict[str, dict[str, float]]:
        return per_class(self.confusion)

    @property
    def macro_f1(self) -> float:
        return macro_f1(self.confusion)


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


def evaluate(
    analyzer: Analyzer,
    dataset: Dataset,
    on_progress: Callable[[int], None] | None = None,
    reference: TickerReference | None = None,
) -> Result:
    """Run the analyzer over every example; failures and missing entities predict neutral."""
    reference = reference or default_reference()
    articles = [as_article(i, e.text) for i, e in enumerate(dataset.examples)]
    started = time.perf_counter()
    batch = analyze_all(analyzer, articles, on_progress=on_progress)
    seconds = time.perf_counter() - started
    confusion = {gold: dict.fromkeys(CLASSES, 0) for gold in CLASSES}
    not_found = 0
    for i, example in enumerate(dataset.examples):
        analysis = batch.analyses.get(str(i))
        predicted = "neutral"
        if analysis is not None and dataset.kind == "headlines":
            predicted = score_label(analysis.overall_sentiment_score)
        elif analysis is not None:
            symbol = reference.resolve(example.entity or "")
            scores = {t.ticker: t.ticker_sentiment_score for t in analysis.tickers}
            if symbol in scores:
                predicted = score_label(scores[symbol])
            else:
                not_found += 1
        confusion[example.label][predicted] += 1
    return Result(
        dataset=dataset,
        analyzer=analyzer.name,
        model=analyzer.model,
        prompt_version=analyzer.prompt_version,
        confusion=confusion,
        entity_not_found=not_found,
        failed=len(dataset.examples) - len(batch.analyses),
        seconds=seconds,
    )


def accuracy(confusion: dict[str, dict[str, int]]) -> float:
    total = sum(sum(row.values()) for row in confusion.values())
    return sum(confusion[c].get(c, 0) for c in confusion) / total if total else 0.0


def per_class(confusion: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class (rows are gold, columns predicted)."""
    out: dict[str, dict[str, float]] = {}
    for c in CLASSES:
        tp = confusion.get(c, {}).get(c, 0)
        predicted = sum(row.get(c, 0) for row in confusion.values())
        support = sum(confusion.get(c, {}).values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[c] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return out


def macro_f1(confusion: dict[str, dict[str, int]]) -> float:
    """Mean F1 over the classes that occur in the gold labels or the predictions."""
    figures = per_class(confusion)
    seen = [
        c
        for c in CLASSES
        if figures[c]["support"] or any(row.get(c, 0) for row in confusion.values())
    ]
    return sum(figures[c]["f1"] for c in seen) / len(seen) if seen else 0.0


def confusion_of(gold: Iterable[str], predicted: Iterable[str]) -> dict[str, dict[str, int]]:
    """A confusion matrix from two label sequences (for baselines that are not analyzers)."""
    confusion = {g: dict.fromkeys(CLASSES, 0) for g in CLASSES}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    return confusion


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def store(con: duckdb.DuckDBPyConnection, result: Result) -> None:
    ensure_schema(con)
    con.execute(
        "insert into eval.results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.run_id,
            result.evaluated_at,
            result.analyzer,
            result.model,
            result.prompt_version,
            result.dataset.name,
            result.dataset.sha256,
            result.dataset.kind,
            result.rows,
            result.accuracy,
            result.macro_f1,
            json.dumps(result.per_class),
            json.dumps(result.confusion),
            result.entity_not_found,
            result.failed,
            result.seconds,
        ],
    )


def list_results(
    con: duckdb.DuckDBPyConnection, dataset_sha256: str | None = None
) -> list[dict[str, object]]:
    """Stored results, oldest first per data set; only one data set's if a hash is given."""
    ensure_schema(con)
    cursor = con.execute(_LIST_SQL, [dataset_sha256, dataset_sha256])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
