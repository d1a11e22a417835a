"""DuckLake write conflicts: recognised, and the losing transaction tried again.

Two transactions that change the same DuckLake table at once both run; the later commit
fails with `TransactionException: Transaction conflict` and changes nothing. Doing the
whole transaction again on the newer snapshot is always safe. A DuckDB file never raises
it (one writing process), so there these helpers are one plain try.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

import duckdb

T = TypeVar("T")
_log = logging.getLogger("orchestration.warehouse.connection")
# Past these tries the error reaches the step, whose own retry comes later still
# (resources.WarehouseResource): pools keep writers of one table apart, so this is rare.
CONFLICT_TRIES = 10
CONFLICT_FIRST_DELAY_S = 0.2
CONFLICT_MAX_DELAY_S = 5.0


def is_conflict(exc: BaseException) -> bool:
    """A DuckLake write that lost a race: `TransactionException: Transaction conflict`."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def retry_conflicts(work: Callable[[], T], tries: int = CONFLICT_TRIES) -> T:
    """`work()` (one whole transaction), again with jittered backoff while it conflicts."""
    delay = CONFLICT_FIRST_DELAY_S
    for attempt in range(1, tries + 1):
        try:
            return work()
        except duckdb.Error as exc:
            if attempt == tries or not is_conflict(exc):
                raise
            _log.warning("DuckLake transaction conflict (try %d of %d); retrying", attempt, tries)
        time.sleep(random.uniform(delay / 2, delay))
        delay = min(delay * 2, CONFLICT_MAX_DELAY_S)
    raise AssertionError("unreachable")


def in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """`work()` in one transaction, retried whole on a DuckLake conflict."""

    def attempt() -> T:
        con.execute("begin transaction")
        try:
            result = work()
            con.execute("commit")
        except Exception:
            # A failed commit has already ended the transaction.
            with suppress(duckdb.TransactionException):
                con.execute("rollback")
            raise
        return result

    return retry_conflicts(attempt)
