"""Real-time ingest: which changed feeds a sensor tick asks a run for, and how a burst of
changes folds into the run already waiting instead of piling up a queue.

A run that has not started yet reads its feeds when it starts, so it will see any change
observed before then: a changed feed it covers needs no run of its own. Only the feeds no
waiting run covers are asked for, and only when nothing waits; otherwise they stay owed
(the sensor's cursor keeps them) and are asked for on a later tick, once the waiting run
has started. At most one run per burst waits in the queue, however many feeds move.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass

# A run tag naming the only sources raw_articles reads (a JSON list); without it, all.
SOURCES_TAG = "tickerpulse/sources"


class SourcesTagError(ValueError):
    """The sources tag of a run is not a JSON list of source names."""


def sources_tag(names: Iterable[str]) -> str:
    return json.dumps(sorted(set(names)))


def sources_from_tag(value: str | None) -> frozenset[str] | None:
    """The names a run's tag limits it to; None when the run reads every source."""
    if value is None:
        return None
    try:
        names = json.loads(value)
    except json.JSONDecodeError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SourcesTagError(
            f"run tag {SOURCES_TAG} must be a JSON list of source names, not {value!r}"
        )
    return frozenset(names)


@dataclass(frozen=True)
class Plan:
    request: list[str]  # feeds a new run reads; empty: no new run
    covered: list[str]  # changed feeds a waiting run reads anyway
    owed: list[str]  # changed feeds left for a later tick: a run waits already


def plan(changed: Collection[str], waiting: Iterable[frozenset[str] | None]) -> Plan:
    """What to do about `changed` feeds (new changes and those still owed), given the
    sources of the runs not yet started (None: a run that reads every source)."""
    waiting = list(waiting)
    if any(sources is None for sources in waiting):
        return Plan([], sorted(changed), [])
    reads = frozenset().union(*waiting) if waiting else frozenset()
    covered = sorted(name for name in changed if name in reads)
    rest = sorted(name for name in changed if name not in reads)
    if waiting:
        return Plan([], covered, rest)
    return Plan(rest, covered, [])
