"""Refreshing the universe without losing what articles already name."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from orchestration.analysis.universe import Company


@dataclass(frozen=True)
class RefreshCounts:
    rows: int
    new: int  # symbols not in the previous reference
    dropped: int  # previous symbols gone, no article names them
    kept_as_delisted: int  # previous symbols gone from the source but named by articles


def keep_referenced(
    companies: list[Company], previous: list[Company], referenced: Iterable[str]
) -> tuple[list[Company], RefreshCounts]:
    """`companies` plus every previous company articles still name, marked delisted."""
    current = {c.symbol: c for c in companies}
    before = {c.symbol: c for c in previous}
    gone = sorted(set(referenced) - current.keys())
    kept = [_delisted(s, before.get(s), current) for s in gone]
    counts = RefreshCounts(
        rows=len(companies) + len(kept),
        new=len(current.keys() - before.keys()),
        dropped=len(before.keys() - current.keys() - set(gone)),
        kept_as_delisted=len(kept),
    )
    return sorted(companies + kept, key=lambda c: c.symbol), counts


def _delisted(symbol: str, was: Company | None, current: dict[str, Company]) -> Company:
    """A ticker no source lists any more, kept for the articles that name it.

    One written in another notation ("BRK.B" in an older table) joins the issuer of the
    listed form and leaves it the names; any other keeps its issuer only if still listed.
    """
    listed = current.get(re.sub(r"[./]", "-", symbol))
    if listed is not None:
        issuer, variants = listed.issuer, ()
    else:
        issuer = was.issuer if was and was.issuer in current else symbol
        variants = was.name_variants if was else ()
    if was is None:
        name = listed.name if listed else symbol
        return Company(symbol, name, None, None, "", variants, issuer, delisted=True)
    return replace(was, name_variants=variants, issuer=issuer, delisted=True)
