"""What one warehouse connection and one partition write cost, file mode against a DuckLake.

    .venv/bin/python bench/bench_warehouse_modes.py [--rounds 20] [--rows 500]

Each round opens a writing connection (the schema check every asset pays), replaces one
day's rows of a table and closes it, as an asset does. Three ways, in one run:
  plain   the file-mode code path before the lake work: duckdb.connect, every schema
          statement, delete + insert in a transaction (the baseline);
  file    warehouse/connection.py on a DuckDB file (what `make demo` runs now);
  lake    warehouse/connection.py on a DuckLake with a DuckDB catalog file and a folder.
Prints the median seconds of each and their ratio to the baseline: file mode must stay ~1.0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import polars as pl

from orchestration.warehouse.connection import connect, replace_rows
from orchestration.warehouse.location import parse
from orchestration.warehouse.schema import WAREHOUSE

TABLE = "raw.bench_rows"
DDL = f"create table if not exists {TABLE} (day integer, item integer, text varchar)"


def _frame(rows: int, day: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"day": [day] * rows, "item": list(range(rows)), "text": [f"row {n}" for n in range(rows)]}
    )


def _plain(path: Path, frame: pl.DataFrame) -> None:
    con = duckdb.connect(str(path))
    try:
        for statement in WAREHOUSE:
            con.execute(statement)
        con.execute(DDL)
        con.execute("begin transaction")
        con.execute(f"delete from {TABLE} where day = ?", [1])
        con.register("_incoming", frame.to_arrow())
        con.execute(f"insert into {TABLE} by name select * from _incoming")
        con.unregister("_incoming")
        con.execute("commit")
    finally:
        con.close()


def _ours(where: object) -> Callable[[pl.DataFrame], None]:
    def write(frame: pl.DataFrame) -> None:
        with connect(where) as con:
            con.execute(DDL)
            replace_rows(con, TABLE, frame, "day = ?", [1])

    return write


def _median(write: Callable[[pl.DataFrame], None], frame: pl.DataFrame, rounds: int) -> float:
    write(frame)  # the first round creates the schema (and installs the lake's extensions)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        write(frame)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    frame = _frame(args.rows, 1)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        results = {
            "plain": _median(lambda f: _plain(tmp / "plain.duckdb", f), frame, args.rounds),
            "file": _median(_ours(tmp / "file.duckdb"), frame, args.rounds),
            "lake": _median(
                _ours(parse(f"ducklake:{tmp / 'catalog.ducklake'}", str(tmp / "lake"))),
                frame,
                args.rounds,
            ),
        }
    print(f"one connection + one partition of {args.rows} rows, median of {args.rounds}:")
    for name, seconds in results.items():
        print(f"  {name:<6}{seconds * 1000:8.1f} ms   x{seconds / results['plain']:.2f} of plain")


if __name__ == "__main__":
    main()
