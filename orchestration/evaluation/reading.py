"""Reading labelled files as they come: CSV or JSONL, any encoding, columns under any name."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, fields
from pathlib import Path

JSONL_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True)
class Columns:
    """Which column holds what; the command line's --*-column options override the names."""

    text: str = "text"
    title: str = "title"
    body: str = "body"
    label: str = "label"
    score: str = "score"
    entity: str = "entity"
    tickers: str = "tickers"
    entities: str = "entities"  # a nested list of {entity/name/ticker, label or score}
    published_at: str = "published_at"
    note: str = "note"
    category: str = "category"  # ticker sets: figures are also given per category
    id: str = "id"

    @classmethod
    def mapped(cls, **names: str | None) -> Columns:
        """The default names with the given ones replaced (None keeps the default)."""
        known = {f.name for f in fields(cls)}
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"no such column role: {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in names.items() if v})


@dataclass(frozen=True)
class Record:
    """One row of a file with the line it starts on, for error messages."""

    line: int
    values: dict[str, object]


class RowError(ValueError):
    """A row that cannot be read: names the file, the line and the columns involved."""

    def __init__(
        self,
        path: Path,
        line: int,
        problem: str,
        expected: list[str] | None = None,
        found: list[str] | None = None,
    ) -> None:
        message = f"{path}, line {line}: {problem}"
        if expected is not None:
            message += f"; expected columns {', '.join(expected)}"
        if found is not None:
            message += f"; found columns {', '.join(found) if found else '(none)'}"
        super().__init__(message)


def read_records(path: Path, encoding: str = "utf-8") -> list[Record]:
    """Every row of a CSV (with header) or JSONL file; blank JSONL lines are skipped."""
    text = _decode(path, encoding)
    if path.suffix.lower() in JSONL_SUFFIXES:
        return _jsonl_records(path, text)
    return _csv_records(path, text)


def _decode(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except LookupError:
        raise ValueError(f"{path}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.end].hex(" ")
        raise ValueError(
            f"{path}, line {line}: not valid {encoding} (bytes {bad}); "
            "if the file was saved by Excel or an older tool, try --encoding cp1252 "
            "or --encoding latin-1"
        ) from None
    return text.removeprefix("\ufeff")  # Excel's byte-order mark would rename column one


def _jsonl_records(path: Path, text: str) -> list[Record]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RowError(path, number, f"not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(values, dict):
            raise RowError(path, number, f"a JSON {type(values).__name__}, not an object")
        records.append(Record(number, values))
    return records


def _csv_records(path: Path, text: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records = []
    start = 2  # the header is line 1; a quoted field may span lines, so track line_num
    try:
        for row in reader:
            if None in row:
                raise RowError(
                    path, start, f"{len(row[None]) + len(reader.fieldnames or [])} fields "
                    f"for {len(reader.fieldnames or [])} columns",
                    found=list(reader.fieldnames or []),
                )  # fmt: skip
            records.append(Record(start, dict(row)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RowError(path, reader.line_num, f"not CSV ({exc})") from None
    return records
