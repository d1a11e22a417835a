"""Every evaluation result kept in the warehouse (eval.results, eval.ticker_results)."""

from __future__ import annotations

import json

import duckdb

from orchestration.evaluation.metrics import Result
from orchestration.evaluation.ticker_metrics import TickerResult
from orchestration.warehouse.schema import EVAL, create_tables

TOP = 20  # wrong / missed tickers kept per stored result
_RESULT_COLUMNS = (
    "run_id, evaluated_at, analyzer, model, prompt_version, dataset, dataset_sha256, kind, rows,"
    " accuracy, macro_f1, per_class, confusion, entity_not_found, failed, seconds, articles,"
    " input_tokens, output_tokens, cost_usd"
)
_LIST_SQL = """
select evaluated_at, analyzer, model, prompt_version, dataset, dataset_sha256, kind, rows,
    accuracy, macro_f1, entity_not_found, failed, seconds, articles, input_tokens,
    output_tokens, cost_usd, run_id
from eval.results
where ? is null or dataset_sha256 = ?
order by dataset, evaluated_at
"""
_LIST_TICKERS_SQL = """
select * exclude (top_wrong, top_missed, top_outside, by_category)
from eval.ticker_results
where (? is null or dataset_sha256 = ?) and (? is null or min_relevance = ?)
order by dataset, evaluated_at, min_relevance
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or bring up to date the eval tables; safe to run on any earlier warehouse."""
    create_tables(con, EVAL)


def store(con: duckdb.DuckDBPyConnection, result: Result | TickerResult) -> None:
    ensure_schema(con)
    if isinstance(result, TickerResult):
        _store_tickers(con, result)
        return
    usage = result.usage
    con.execute(
        f"insert into eval.results ({_RESULT_COLUMNS}) values ({', '.join(['?'] * 20)})",
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
            usage.articles,
            usage.input_tokens,
            usage.output_tokens,
            usage.cost_usd,
        ],
    )


def _store_tickers(con: duckdb.DuckDBPyConnection, result: TickerResult) -> None:
    usage = result.usage
    for f, categories in zip(result.cuts, result.by_category, strict=True):
        by_category = {
            name: {
                "articles": c.articles,
                "recall": c.recall,
                "precision": c.precision,
                "extra_per_article": c.extra_per_article,
            }
            for name, c in categories.items()
        }
        con.execute(
            f"insert into eval.ticker_results values ({', '.join(['?'] * 34)})",
            [
                result.run_id,
                f.min_relevance,
                result.evaluated_at,
                result.analyzer,
                result.model,
                result.prompt_version,
                result.dataset.name,
                result.dataset.sha256,
                f.articles,
                result.reference_size,
                f.gold,
                f.gold_outside,
                f.found,
                f.found_outside,
                f.predicted,
                f.extra,
                f.recall,
                f.recall_all,
                f.precision,
                f.extra_per_article,
                f.articles_with_gold,
                f.articles_all_found,
                f.articles_exact,
                f.articles_without_gold,
                f.articles_without_gold_clean,
                json.dumps(dict(f.wrong.most_common(TOP))),
                json.dumps(dict(f.missed.most_common(TOP))),
                json.dumps(dict(f.outside.most_common(TOP))),
                json.dumps(by_category),
                result.failed,
                result.seconds,
                usage.input_tokens,
                usage.output_tokens,
                usage.cost_usd,
            ],
        )


def list_results(
    con: duckdb.DuckDBPyConnection, dataset_sha256: str | None = None
) -> list[dict[str, object]]:
    """Stored sentiment results, oldest first per data set; one data set's if a hash is given."""
    return _rows(con, _LIST_SQL, [dataset_sha256, dataset_sha256])


def list_ticker_results(
    con: duckdb.DuckDBPyConnection,
    dataset_sha256: str | None = None,
    min_relevance: float | None = None,
) -> list[dict[str, object]]:
    """Stored ticker results (one row per run and cut-off), oldest first per data set."""
    params = [dataset_sha256, dataset_sha256, min_relevance, min_relevance]
    return _rows(con, _LIST_TICKERS_SQL, params)


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object]
) -> list[dict[str, object]]:
    ensure_schema(con)
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
