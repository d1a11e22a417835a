"""Naming an unknown configuration key, with the closest valid one as a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggestion(key: str, valid: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid key, or the list of valid keys."""
    choices = sorted(valid)
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"valid keys: {', '.join(choices)}"


def unknown_keys(keys: Iterable[object], valid: Iterable[str]) -> list[str]:
    """One message per key not in `valid`, e.g. "unknown key 'enabeld' (did you mean ...)"."""
    allowed = set(valid)
    return [
        f"unknown key {str(key)!r} ({suggestion(str(key), allowed)})"
        for key in keys
        if str(key) not in allowed
    ]
