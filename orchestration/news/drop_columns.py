"""Which column of an article file holds which field: common names, or a source's mapping.

Exports from news tools name their columns many ways (`published`, `pubDate`, `headline`,
`link`, ...). Each field has a list of names we recognise, compared case-insensitively; a
file drop's `columns:` option in sources.yaml names the column outright and wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence

from orchestration.news.config_keys import suggestion

# First match wins, so the most specific names come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading"),
    "published_at": (
        "published_at", "published_utc", "published", "pubdate", "pub_date",
        "publish_date", "publication_date", "datetime", "timestamp", "date", "time",
        "created_at",
    ),
    "url": ("url", "link", "article_url", "href", "permalink"),
    "id": ("id", "article_id", "guid", "uuid", "uid"),
    "body": ("body", "content", "text", "article", "description", "summary"),
    "source": ("source", "publisher", "site", "source_name", "outlet", "publication"),
    "tickers": ("tickers", "ticker", "symbols", "symbol"),
}  # fmt: skip
FIELDS = tuple(ALIASES)


class ColumnError(ValueError):
    """A file lacks a required field, or a mapping names a column it does not have."""


def column_map_problems(mapping: object) -> list[str]:
    """What is wrong with a source's `columns:` option (field -> the file's column name)."""
    return mapping_problems(mapping, ALIASES, "{title: headline}")


def mapping_problems(mapping: object, aliases: Mapping[str, object], example: str) -> list[str]:
    """What is wrong with a `columns:` option for files whose fields are `aliases`' keys.

    Shared by the news and price file drops (orchestration/prices/columns.py).
    """
    if not isinstance(mapping, Mapping):
        return [f"columns must map field names to column names, e.g. {example}"]
    problems = []
    for field, column in mapping.items():
        if field not in aliases:
            problems.append(f"columns: unknown field {field!r} ({suggestion(str(field), aliases)})")
        elif not isinstance(column, str) or not column:
            problems.append(f"columns.{field} must be a column name, not {column!r}")
    return problems


def resolve_columns(
    present: Sequence[str], mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """field -> the file's column for every field found; a ColumnError when unusable."""
    chosen = pick_columns(present, ALIASES, mapping, lambda column: column.strip().lower())
    missing = [f for f in ("title", "published_at") if f not in chosen]
    if "url" not in chosen and "id" not in chosen:
        missing.append("url or id")
    require_columns(missing, present)
    return chosen


def pick_columns(
    present: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str] | None,
    normal: Callable[[str], str],
) -> dict[str, str]:
    """field -> column: the mapping's choice, else the first alias that `normal` finds among
    the columns not taken; a ColumnError when the mapping names a column the file lacks."""
    mapping = mapping or {}
    by_normal = {normal(column): column for column in present}
    chosen: dict[str, str] = {}
    for field, names in aliases.items():
        if field in mapping:
            if mapping[field] not in present:
                raise ColumnError(
                    f"columns.{field} names {mapping[field]!r}, which the file does not have "
                    f"(it has: {', '.join(present)})"
                )
            chosen[field] = mapping[field]
            continue
        taken = set(chosen.values()) | set(mapping.values())
        for name in names:
            column = by_normal.get(name)
            if column is not None and column not in taken:
                chosen[field] = column
                break
    return chosen


def require_columns(missing: Sequence[str], present: Sequence[str]) -> None:
    if missing:
        raise ColumnError(
            f"missing required columns: {', '.join(missing)} (it has: {', '.join(present)}; "
            "map yours with the source's `columns:` option)"
        )


_HINT_SPLIT = re.compile(r"[\s,;|]+")
_HINT_SYMBOL = re.compile(r"^\$?([A-Z][A-Z0-9.\-]{0,9})$")


def ticker_hints(value: object) -> list[str]:
    """Symbols a file says an article is about, from a list or text such as "AAPL, MSFT".

    Only a hint: resolution checks each against the ticker reference before using it.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                value = _HINT_SPLIT.split(text.strip("[]"))
        else:
            value = _HINT_SPLIT.split(text)
    if not isinstance(value, list | tuple):
        return []
    symbols = []
    for item in value:
        match = _HINT_SYMBOL.match(str(item).strip().strip("'\"").upper())
        if match and match[1] not in symbols:
            symbols.append(match[1])
    return symbols
