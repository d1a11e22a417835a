"""Reading articles to analyse and saving what the analysis made of them, per day and version.

A version is (analyzer, model, prompt version). Saving replaces that version's rows of each
day, so re-running a partition never duplicates an analysis, a dead letter or a pending row.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.analysis.base import BatchResult, Failure
from orchestration.analysis.schema import MAX_ANALYZED_CHARS, ArticleText, analyzer_input
from orchestration.warehouse.connection import replace_rows
from orchestration.warehouse.frames import analyses_frame, failures_frame, pending_frame

Version = tuple[str, str, str]
_VERSION_WHERE = "partition_date = ? and analyzer = ? and model = ? and prompt_version = ?"


def articles_in(
    con: duckdb.DuckDBPyConnection, days: list[date], limit: int = MAX_ANALYZED_CHARS
) -> list[tuple[date, ArticleText]]:
    """The landed articles of `days`, oldest first, with the day each belongs to; an
    article's text is cut to `limit` characters (what an analyzer reads, at most)."""
    return [
        (day, analyzer_input(*row, limit=limit))
        for day, *row in con.execute(
            "select partition_date, article_id, title, coalesce(body, ''), "
            "published_at::date, ticker_hints from raw.articles "
            "where partition_date between ? and ? order by published_at, article_id",
            [days[0], days[-1]],
        ).fetchall()
    ]


def dead_letters(
    con: duckdb.DuckDBPyConnection, days: list[date], version: Version
) -> dict[str, tuple[Failure, int]]:
    """article_id -> (its last failure, how many runs have failed it)."""
    rows = con.execute(
        "select article_id, error_class, coalesce(error_message, ''), coalesce(attempts, 1) "
        "from raw.analysis_dead_letters where partition_date between ? and ? "
        "and analyzer = ? and model = ? and prompt_version = ?",
        [days[0], days[-1], *version],
    ).fetchall()
    return {row[0]: (Failure(*row[:3]), row[3]) for row in rows}


def save_analyses(
    con: duckdb.DuckDBPyConnection,
    days: list[date],
    day_of: dict[str, date],
    batch: BatchResult,
    failures: list[Failure],
    attempts: dict[str, int],
    version: Version,
    run_id: str,
) -> None:
    """Replace each day's analyses, dead letters and pending rows of this version.

    Every day of `days` is replaced, also one left with no article: an article that moved
    to another day must not keep its analysis on the old one.
    """
    for day in days:
        params = [day, *version]
        on_day = {k: v for k, v in batch.analyses.items() if day_of[k] == day}
        frame = analyses_frame(on_day, day, version, run_id, batch.records)
        replace_rows(con, "raw.article_analysis", frame, _VERSION_WHERE, params)
        dead_on_day = [f for f in failures if day_of[f.article_id] == day]
        frame = failures_frame(dead_on_day, day, version, run_id, attempts)
        replace_rows(con, "raw.analysis_dead_letters", frame, _VERSION_WHERE, params)
        pending = [p for p in batch.pending if day_of[p.article_id] == day]
        frame = pending_frame(pending, day, version, run_id)
        replace_rows(con, "raw.analysis_pending", frame, _VERSION_WHERE, params)
