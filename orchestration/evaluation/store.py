"""Every evaluation result kept in the warehouse (eval.results), to compare runs."""

from __future__ import annotations

import json

import duckdb

from orchestration.evaluation.metrics import Result
from orchestration.warehouse.schema import EVAL, create_tables

_LIST_SQL = """
select evaluated_at, analyzer, model, prompt_version, dataset, dataset_sha256, kind, rows,
    accuracy, macro_f1, entity_not_found, failed, seconds, run_id
from eval.results
where ? is null or dataset_sha256 = ?
order by dataset, evaluated_at
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    create_tables(con, EVAL)


def store(con: duckdb.DuckDBPyConnection, result: Result) -> None:
    ensure_schema(con)
    con.execute(
        "insert into eval.results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.run_id,
            result.evaluated_at,
            result.analyzer,
            result.model,
            result.prompt_version,
            result.dataset.name,
            result.dataset.sha256,
            result.dataset.kind,
            result.rows,
            result.accuracy,
            result.macro_f1,
            json.dumps(result.per_class),
            json.dumps(result.confusion),
            result.entity_not_found,
            result.failed,
            result.seconds,
        ],
    )


def list_results(
    con: duckdb.DuckDBPyConnection, dataset_sha256: str | None = None
) -> list[dict[str, object]]:
    """Stored results, oldest first per data set; only one data set's if a hash is given."""
    ensure_schema(con)
    cursor = con.execute(_LIST_SQL, [dataset_sha256, dataset_sha256])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
