"""Reading a YAML file of source entries: sources.yaml (news) and prices.yaml (prices).

Both files follow one set of rules, kept here so they cannot drift apart: a top-level
`sources:` list; each entry has a name, a kind, a location and `enabled`, plus the keys of
its kind; a misspelt key or kind is an error naming the closest valid one; names are
unique; relative locations are relative to the file. A typo must never quietly leave a
source on, or read as no sources at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration.news.config_keys import suggestion, unknown_keys

COMMON_KEYS = frozenset({"name", "kind", "location", "enabled"})
_TOP_KEYS = frozenset({"sources"})


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    location: str  # a URL as written, or an absolute path
    options: dict[str, Any]  # every key but the common ones


@dataclass(frozen=True)
class EntryRules:
    """What one kind of file accepts, and the error it raises."""

    what: str  # "sources file", "price sources file": for messages
    kind_keys: Mapping[str, frozenset[str]]  # kind -> the keys it takes besides COMMON_KEYS
    default_kind: str  # "" when an entry must name its kind
    value_problems: Callable[[dict[str, Any]], list[str]]
    error: type[Exception]


def read_entries(path: Path, rules: EntryRules) -> list[Entry]:
    """The enabled entries of the file, in its order; a rules.error naming what is wrong."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise rules.error(f"cannot read {rules.what} {path}: {exc}") from exc
    if not isinstance(config, dict):
        raise rules.error(f"{path}: expected a mapping with a 'sources' list")
    problems = unknown_keys(config, _TOP_KEYS)
    if problems:
        raise rules.error(f"{path}: {'; '.join(problems)}")
    items = config.get("sources") or []
    if not isinstance(items, list):
        raise rules.error(f"{path}: 'sources' must be a list of sources")
    entries = [_entry(path, index, item, rules) for index, item in enumerate(items)]
    names = [name for name, _ in entries]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise rules.error(f"{path}: source names must be unique; repeated: {', '.join(repeated)}")
    return [entry for _, entry in entries if entry is not None]


def _entry(path: Path, index: int, item: object, rules: EntryRules) -> tuple[str, Entry | None]:
    """(name, the entry or None when it is switched off)."""
    if not isinstance(item, dict) or "name" not in item or "location" not in item:
        raise rules.error(f"{path}: source #{index + 1} needs a name and a location")
    name, location = str(item["name"]), str(item["location"])
    kind = str(item.get("kind", rules.default_kind))
    if kind not in rules.kind_keys:
        raise rules.error(
            f"{path}: source {name!r} has unknown kind {kind!r} "
            f"({suggestion(kind, rules.kind_keys)})"
        )
    problems = unknown_keys(item, COMMON_KEYS | rules.kind_keys[kind])
    problems += rules.value_problems(item)
    if problems:
        raise rules.error(f"{path}: source {name!r}: {'; '.join(problems)}")
    if item.get("enabled", True) is False:
        return name, None
    if "://" not in location:
        location = str((path.parent / location).resolve())
    options = {k: v for k, v in item.items() if k not in COMMON_KEYS}
    return name, Entry(name, kind, location, options)


def common_value_problems(
    item: dict[str, Any], column_problems: Callable[[object], list[str]]
) -> list[str]:
    """Values both files check the same way: enabled, requests_per_minute, columns."""
    problems = []
    if not isinstance(item.get("enabled", True), bool):
        problems.append(f"enabled must be true or false, not {item['enabled']!r}")
    if "requests_per_minute" in item:
        rate = item["requests_per_minute"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            problems.append(f"requests_per_minute must be a positive number, not {rate!r}")
    if "columns" in item:
        problems += column_problems(item["columns"])
    return problems
