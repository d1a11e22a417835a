"""Connections to the warehouse (a DuckDB file or a DuckLake), and replacing or appending rows."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from orchestration.warehouse.location import WarehouseLocation, connect_lake
from orchestration.warehouse.schema import create_tables

T = TypeVar("T")
# A DuckLake transaction that loses a race with another writer of the same table fails at
# commit and changes nothing; trying it again on the newer snapshot is always safe. Past
# these tries the error reaches the step, whose op retry starts later still.
CONFLICT_TRIES = 6
CONFLICT_FIRST_DELAY_S = 0.2
CONFLICT_MAX_DELAY_S = 5.0


@contextmanager
def connect(
    where: Path | WarehouseLocation, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the raw schema in place; closed on exit so dbt can open the file."""
    if isinstance(where, WarehouseLocation) and where.is_lake:
        con = connect_lake(where, read_only=read_only)
    else:
        path = where.path if isinstance(where, WarehouseLocation) else where
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            create_tables(con)
        yield con
    finally:
        con.close()


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


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    where: str,
    params: list[object],
) -> int:
    """Delete the rows matching `where`, insert `frame`, in one transaction.

    This is what makes re-running a partition idempotent. `table` and `where` are our own
    constants; values always travel as bind parameters.
    """

    def work() -> None:
        con.execute(f"delete from {table} where {where}", params)
        if frame.height:
            con.register("_incoming", frame.to_arrow())
            try:
                con.execute(f"insert into {table} by name select * from _incoming")
            finally:
                con.unregister("_incoming")

    in_transaction(con, work)
    return frame.height


def append_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        con.register("_incoming", frame.to_arrow())
        try:
            retry_conflicts(
                lambda: con.execute(f"insert into {table} by name select * from _incoming")
            )
        finally:
            con.unregister("_incoming")
