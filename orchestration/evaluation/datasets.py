"""Labelled sets: reading them from CSV or JSONL, and their labels on our three classes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestration.analysis.schema import ArticleText
from orchestration.analysis.text import sentences
from orchestration.evaluation.reading import Columns, Record, RowError, read_records

CLASSES = ("negative", "neutral", "positive")
THRESHOLD = 0.15  # schema.sentiment_label's Neutral band, collapsed to three classes
KINDS = ("headlines", "entities", "tickers")
LABEL_SPELLINGS = {
    "negative": "negative", "neg": "negative", "bearish": "negative",
    "somewhat-bearish": "negative", "-1": "negative",
    "neutral": "neutral", "neu": "neutral", "none": "neutral",
    "positive": "positive", "pos": "positive", "bullish": "positive",
    "somewhat-bullish": "positive", "+1": "positive",
}  # fmt: skip
Fail = Callable[[str, list[str]], RowError]  # a row's error, given problem and columns
# Digit labels mean different things in different sets, so they need a named mapping.
NUMERIC_MAPPINGS = {
    "zeroshot": {"0": "negative", "1": "positive", "2": "neutral"},  # Twitter Fin. News
    "ordinal": {"0": "negative", "1": "neutral", "2": "positive"},
}


@dataclass(frozen=True)
class Example:
    """One labelled row: sentiment rows have a label, ticker rows the gold tickers."""

    text: str
    label: str = ""
    entity: str | None = None
    tickers: tuple[str, ...] = ()
    title: str = ""  # when given, `text` is the body
    published_at: str | None = None
    note: str | None = None
    category: str | None = None
    row_id: str = ""  # the row's `id`, else its line in the file

    @property
    def text_key(self) -> tuple[str, str]:
        """What is analysed: rows with the same title and text share one analysis."""
        return (self.title, self.text)


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
            if self.kind == "tickers":
                row = f"{e.title}\x1f{e.text}\x1f{'|'.join(e.tickers)}\x1e"
            else:
                row = f"{e.text}\x1f{e.entity or ''}\x1f{e.label}\x1e"
            digest.update(row.encode())
        return digest.hexdigest()

    def articles(self) -> tuple[list[ArticleText], list[str]]:
        """Each distinct text once as an article, and each example's article id.

        Entity sets repeat a text once per entity; it is analysed (and paid for) once.
        """
        ids: dict[tuple[str, str], str] = {}
        articles: list[ArticleText] = []
        for e in self.examples:
            key = e.text_key
            if key not in ids:
                ids[key] = str(len(ids))
                articles.append(as_article(int(ids[key]), e.text, e.title))
        return articles, [ids[e.text_key] for e in self.examples]

    @property
    def distinct_texts(self) -> int:
        """How many articles `articles()` makes: what an analysis of the set runs over."""
        return len({e.text_key for e in self.examples})


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
    path: Path,
    kind: str | None = None,
    numeric: str | None = None,
    limit: int | None = None,
    *,
    encoding: str = "utf-8",
    columns: Columns | None = None,
) -> Dataset:
    """Read a CSV or JSONL set of one of KINDS (docs/evaluation.md).

    The kind is guessed from the columns unless given: an entity column or a nested entity
    list makes an entity set, a tickers column a ticker set, else headlines.
    """
    columns = columns or Columns()
    records = read_records(path, encoding)[:limit]
    if not records:
        raise ValueError(f"{path}: no rows")
    kind = kind or _guess_kind(records[0].values, columns)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    examples: list[Example] = []
    for record in records:
        examples.extend(_examples(record, kind, numeric, columns, path))
    if not examples:
        raise ValueError(f"{path}: no examples (every entity list is empty)")
    return Dataset(path.name, kind, examples)


def _guess_kind(first: dict[str, object], columns: Columns) -> str:
    if columns.entity in first or isinstance(first.get(columns.entities), list):
        return "entities"
    return "tickers" if columns.tickers in first else "headlines"


def _examples(
    record: Record, kind: str, numeric: str | None, columns: Columns, path: Path
) -> list[Example]:
    values = record.values
    found = list(values)

    def fail(problem: str, expected: list[str]) -> RowError:
        return RowError(path, record.line, problem, expected, found)

    if kind == "tickers":
        return [_ticker_example(values, columns, fail, record.line)]
    text = _text(values.get(columns.text))
    if not text:
        raise fail(f"no text in {columns.text!r}", _sentiment_columns(kind, columns))
    if kind == "headlines":
        return [Example(text, _gold(values, columns, numeric, kind, fail))]
    nested = values.get(columns.entities)
    if columns.entity not in values and isinstance(nested, list):
        return [
            _nested_entity(text, item, i, columns, numeric, fail) for i, item in enumerate(nested)
        ]
    entity = _text(values.get(columns.entity))
    if not entity:
        raise fail(f"no entity in {columns.entity!r}", _sentiment_columns(kind, columns))
    return [Example(text, _gold(values, columns, numeric, kind, fail), entity)]


def _nested_entity(
    text: str, item: object, index: int, columns: Columns, numeric: str | None, fail: Fail
) -> Example:
    where = f"{columns.entities}[{index}]"
    if not isinstance(item, dict):
        raise fail(f"{where} is a {type(item).__name__}, not an object", [columns.entities])
    names = (columns.entity, "entity", "name", "ticker")
    entity = next((_text(item[n]) for n in names if _text(item.get(n))), "")
    if not entity:
        raise fail(f"{where} has no {'/'.join(dict.fromkeys(names))}", [columns.entities])
    return Example(text, _gold(item, columns, numeric, "entities", fail, f"{where}: "), entity)


def _gold(
    values: dict[str, object],
    columns: Columns,
    numeric: str | None,
    kind: str,
    fail: Fail,
    where: str = "",
) -> str:
    """The three-class label from a label column, or (entity sets) from a score in [-1, 1]."""
    label, score = values.get(columns.label), values.get(columns.score)
    scored = kind == "entities"
    expected = _sentiment_columns(kind, columns)
    try:
        if label not in (None, ""):
            return normalise_label(label, numeric)
        if scored and score not in (None, ""):
            return score_label(float(score))
    except (TypeError, ValueError) as exc:
        raise fail(f"{where}{exc}", expected) from None
    wanted = [columns.label] + ([columns.score] if scored else [])
    raise fail(f"{where}no {' or '.join(repr(c) for c in wanted)}", expected)


def _ticker_example(values: dict[str, object], columns: Columns, fail: Fail, line: int) -> Example:
    expected = [f"{columns.text} or {columns.title} + {columns.body}", columns.tickers]
    title, body = _text(values.get(columns.title)), _text(values.get(columns.body))
    text = _text(values.get(columns.text))
    if not (text or title or body):
        raise fail("no text", expected)
    if columns.tickers not in values:
        raise fail(f"no {columns.tickers!r} (an empty list means no company)", expected)
    try:
        tickers = parse_tickers(values[columns.tickers])
    except ValueError as exc:
        raise fail(str(exc), expected) from None
    # With a title, `text` (or the body) is the article body; without, it is split.
    return Example(
        text or body,
        tickers=tickers,
        title=title,
        published_at=_text(values.get(columns.published_at)) or None,
        note=_text(values.get(columns.note)) or None,
        category=_text(values.get(columns.category)) or None,
        row_id=_text(values.get(columns.id)) or f"line {line}",
    )


def parse_tickers(value: object) -> tuple[str, ...]:
    """Gold tickers from a list or a `|`/`,`-separated string, upper-cased, in order, once."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = re.split(r"[|,;]", value)
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError(f"tickers must be a list or a string, not {type(value).__name__}")
    symbols = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"ticker {item!r} is not a string")
        symbol = item.strip().lstrip("$").upper()
        if symbol and symbol not in symbols:
            symbols.append(symbol)
    return tuple(symbols)


def _sentiment_columns(kind: str, columns: Columns) -> list[str]:
    if kind == "headlines":
        return [columns.text, columns.label]
    return [columns.text, f"{columns.entity} (or a nested {columns.entities} list)",
            f"{columns.label} or {columns.score}"]  # fmt: skip


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def as_article(index: int, text: str, title: str = "") -> ArticleText:
    """A labelled text as an article: the given title, else its first sentence is the title."""
    if title:
        return ArticleText(article_id=str(index), title=title, body=text)
    parts = sentences(text) or [text]
    return ArticleText(article_id=str(index), title=parts[0], body=" ".join(parts[1:]))
