"""A warehouse writer in its own process: replaces one table's rows day by day on a DuckLake.

Run by tests/test_lake.py as `python tests/lake_writer.py WAREHOUSE DATA_PATH TABLE WRITER
DAYS ROUNDS`. Every round replaces each day's rows of TABLE (what re-running a partition
does) through warehouse/connection.py; the last round's rows stay. It prints one JSON line:
the conflicts it retried, and the error that stopped it, if any.
"""

from __future__ import annotations

import json
import logging
import sys

import polars as pl

from orchestration.warehouse.connection import connect, replace_rows
from orchestration.warehouse.location import parse


class _Conflicts(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "conflict" in record.getMessage()


def main(setting: str, data_path: str, table: str, writer: str, days: int, rounds: int) -> None:
    conflicts = _Conflicts()
    logging.getLogger("orchestration.warehouse.connection").addHandler(conflicts)
    error = None
    try:
        with connect(parse(setting, data_path)) as con:
            for round_ in range(rounds):
                for day in range(days):
                    frame = pl.DataFrame(
                        {
                            "writer": [writer] * 3,
                            "day": [day] * 3,
                            "round": [round_] * 3,
                            "item": [0, 1, 2],
                        }
                    )
                    replace_rows(con, table, frame, "writer = ? and day = ?", [writer, day])
    except Exception as exc:  # reported to the test, which fails on it
        error = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"writer": writer, "conflicts": conflicts.count, "error": error}))


if __name__ == "__main__":
    setting, data_path, table, writer, days, rounds = sys.argv[1:7]
    main(setting, data_path, table, writer, int(days), int(rounds))
