"""Connections to the warehouse (a DuckDB file or a DuckLake), and replacing or appending rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from orchestration.warehouse.conflicts import in_transaction, retry_conflicts
from orchestration.warehouse.location import WarehouseLocation, connect_lake
from orchestration.warehouse.schema import create_tables

# Opening and closing a DuckDB file take turns within a process. Two threads do it at once
# here (the answer cache's writer thread and the asset's own connections), and on DuckDB
# 1.5.5 an open that meets another thread's open or last close of the same file can fail
# with "Unique file handle conflict: ... already attached" (seen in test_llm_cache).
_OPEN_CLOSE = threading.Lock()


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
        with _OPEN_CLOSE:
            con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            create_tables(con)
        yield con
    finally:
        with _OPEN_CLOSE:
            con.close()


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
