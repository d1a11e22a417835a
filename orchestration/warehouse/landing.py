"""Landing articles in raw.articles: the upsert rule, and what earlier runs already hold."""

from __future__ import annotations

from collections import Counter
from datetime import date

import duckdb
import polars as pl

from orchestration.news import file_drop, http_state
from orchestration.news.articles import Article
from orchestration.news.fulltext import KnownPage
from orchestration.news.http_state import ResponseCache
from orchestration.news.sources import SourceOutcome
from orchestration.warehouse.connection import append_rows, replace_rows
from orchestration.warehouse.frames import articles_frame, outcomes_frame

# Any row of an article read now is replaced wherever it was (an upsert by article_id; an
# article whose date moved leaves its old partition). Beyond that, a day loses only rows
# that every source carrying them has read in full this run and no longer lists: complete
# API queries and file drops (`replaces_window`). A feed shows only its latest items, so an
# item that left it stays, with its analysis. docs/sources.md states the rule.
_REPLACEABLE = (
    "list_contains(?, article_id) or (partition_date = ? "
    "and list_has_all(?::varchar[], coalesce(sources, [source])))"
)
_PAGE_COLUMNS = {"body_origin": pl.String, "source_text": pl.String, "full_text_error": pl.String}


def land_articles(
    con: duckdb.DuckDBPyConnection,
    by_day: dict[date, list[Article]],
    run_id: str,
    replacing: list[str],
) -> dict[str, int]:
    """Upsert each day's articles; `replacing` names the sources read in full. Rows per day."""
    landed = {}
    for day, todays in by_day.items():
        landed[day.isoformat()] = replace_rows(
            con,
            "raw.articles",
            _with_page_columns(articles_frame(todays, run_id), todays),
            _REPLACEABLE,
            [[a.article_id for a in todays], day, replacing],
        )
    return landed


def record_outcomes(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[SourceOutcome],
    landing: list[Article],
    in_window: Counter[str],
    days: list[date],
    run_id: str,
) -> Counter[str]:
    """One raw.ingestion_log row per source; returns the new articles per source.

    `landing` are the articles of the run's `days`; `in_window` counts them per source.
    """
    new = new_items(con, landing)
    frame = outcomes_frame(outcomes, in_window, (days[0], days[-1]), run_id, new)
    append_rows(con, "raw.ingestion_log", frame)
    return new


def land_run(
    con: duckdb.DuckDBPyConnection,
    by_day: dict[date, list[Article]],
    outcomes: list[SourceOutcome],
    cache: ResponseCache,
    run_id: str,
) -> dict[str, int]:
    """Land a run's articles and what ingestion remembers: http validators, files read."""
    replacing = [o.source for o in outcomes if o.replaces_window]
    landed = land_articles(con, by_day, run_id, replacing)
    http_state.save_cache(con, cache)
    for outcome in outcomes:
        if outcome.files:
            file_drop.record_landed(con, outcome.source, list(outcome.files))
    return landed


def new_items(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> Counter[str]:
    """Per source, how many of these articles were not in raw.articles before."""
    ids = [a.article_id for a in articles]
    known = {
        article_id
        for (article_id,) in con.execute(
            "select article_id from raw.articles where list_contains(?, article_id)", [ids]
        ).fetchall()
    }
    return Counter(s for a in articles if a.article_id not in known for s in a.sources)


def known_pages(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> dict[str, KnownPage]:
    """What earlier runs found on these articles' pages, so each page is fetched once."""
    rows = con.execute(
        "select article_id, case when body_origin = 'page' then body end, source_text, "
        "full_text_error from raw.articles where list_contains(?, article_id) "
        "and (body_origin = 'page' or full_text_error is not null)",
        [[a.article_id for a in articles]],
    ).fetchall()
    return {row[0]: KnownPage(*row[1:]) for row in rows}


def _with_page_columns(frame: pl.DataFrame, articles: list[Article]) -> pl.DataFrame:
    values = {
        "body_origin": [a.body_origin for a in articles],
        "source_text": [a.source_text for a in articles],
        "full_text_error": [a.full_text_error for a in articles],
    }
    return frame.with_columns(
        pl.Series(name, values[name], dtype=dtype) for name, dtype in _PAGE_COLUMNS.items()
    )
