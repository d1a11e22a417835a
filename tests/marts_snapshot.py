"""Every marts table of a warehouse as a multiset of rows, for comparing two builds.

Columns that record when or by which run a row was written differ between two builds of
the same data, so the caller names them and they are left out. Lists and structs become
strings so a row can be counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import duckdb


def marts_rows(
    con: duckdb.DuckDBPyConnection, leave_out: Collection[str]
) -> dict[str, Counter[tuple]]:
    # current_database(): a DuckLake is attached beside the in-memory database it runs from.
    tables = con.execute(
        "select table_name from duckdb_tables() "
        "where database_name = current_database() and schema_name = 'marts' order by 1"
    ).fetchall()
    snapshot = {}
    for (table,) in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() where database_name = "
                "current_database() and schema_name = 'marts' and table_name = ? "
                "order by column_index",
                [table],
            ).fetchall()
            if name not in leave_out
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'select {select} from marts."{table}"').fetchall()
        snapshot[table] = Counter(
            tuple(str(v) if isinstance(v, list | dict) else v for v in row) for row in rows
        )
    return snapshot
