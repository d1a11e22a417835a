"""The DuckDB warehouse: raw tables the Python assets land, and replacing partitions.

Timestamps are stored as UTC without a zone (`timestamp`), which every BI tool reads
the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

TICKER_STRUCT = (
    "struct(ticker varchar, relevance_score double, ticker_sentiment_score double, "
    "ticker_sentiment_label varchar)[]"
)

DDL = (
    "create schema if not exists raw",
    """create table if not exists raw.tickers (
        symbol varchar primary key, name varchar not null, sector varchar, industry varchar,
        cik varchar, name_variants varchar[])""",
    """create table if not exists raw.articles (
        article_id varchar not null, partition_date date not null, url varchar,
        title varchar not null, body varchar, source varchar not null, sources varchar[],
        published_at timestamp not null, published_at_is_fetch_time boolean not null,
        fetched_at timestamp not null, content_hash varchar not null,
        run_id varchar, landed_at timestamp not null default current_timestamp)""",
    """create table if not exists raw.ingestion_log (
        run_id varchar, window_start date, window_end date, source varchar not null,
        location varchar, status varchar not null, items integer not null, items_in_window integer,
        message varchar, logged_at timestamp not null default current_timestamp)""",
    f"""create table if not exists raw.article_analysis (
        article_id varchar not null, partition_date date not null, analyzer varchar not null,
        model varchar not null, prompt_version varchar not null, summary_sentence varchar,
        summary_paragraph varchar, overall_sentiment_score double not null,
        overall_sentiment_label varchar not null, tickers {TICKER_STRUCT},
        run_id varchar, analyzed_at timestamp not null)""",
    """create table if not exists raw.analysis_dead_letters (
        article_id varchar not null, partition_date date not null, analyzer varchar not null,
        model varchar not null, prompt_version varchar not null, error_class varchar not null,
        error_message varchar, run_id varchar, failed_at timestamp not null)""",
    # Added by the real-ingestion work; `if not exists` upgrades older warehouse files.
    "alter table raw.articles add column if not exists language varchar",
    "alter table raw.articles add column if not exists publisher varchar",
    "alter table raw.articles add column if not exists provider_sentiment varchar",
    "alter table raw.articles add column if not exists duplicate_ids varchar[]",
    "alter table raw.ingestion_log add column if not exists new_items integer",
    # Added by the LLM work: what each analysis took (LLM calls; null for the offline
    # analyzer), its topics, and the article's own words behind each ticker's score.
    "alter table raw.article_analysis add column if not exists input_tokens integer",
    "alter table raw.article_analysis add column if not exists output_tokens integer",
    "alter table raw.article_analysis add column if not exists latency_ms integer",
    "alter table raw.article_analysis add column if not exists cost_usd double",
    "alter table raw.article_analysis add column if not exists attempts integer",
    "alter table raw.article_analysis add column if not exists cache_hit boolean",
    "alter table raw.article_analysis add column if not exists topics varchar[]",
    "alter table raw.article_analysis add column if not exists "
    "ticker_evidence struct(ticker varchar, evidence varchar)[]",
    # Runs that failed an article so far; past AnalyzerResource.max_attempts it rests.
    "alter table raw.analysis_dead_letters add column if not exists attempts integer",
    # Full-text extraction: body_origin 'page' when body is the article page's main text
    # (source_text then keeps the source's own), full_text_error when the page gave none.
    "alter table raw.articles add column if not exists body_origin varchar",
    "alter table raw.articles add column if not exists source_text varchar",
    "alter table raw.articles add column if not exists full_text_error varchar",
    # Symbols a source says an article is about (a file drop's tickers column): a hint.
    "alter table raw.articles add column if not exists ticker_hints varchar[]",
    """create table if not exists raw.analysis_pending (
        article_id varchar not null, partition_date date not null, analyzer varchar not null,
        model varchar not null, prompt_version varchar not null, reason varchar not null,
        run_id varchar, recorded_at timestamp not null)""",
    # Alerts (orchestration/alerts): an alert is inserted once; deliveries log every try.
    "create schema if not exists alerts",
    """create table if not exists alerts.alerts (
        alert_id varchar primary key, watchlist varchar not null, rule varchar not null,
        ticker varchar not null, alert_date date not null, event_at timestamp not null,
        direction varchar not null, score double not null, why varchar not null,
        articles struct(article_id varchar, title varchar, url varchar,
            published_at timestamp, sentiment_score double, relevance_score double)[],
        run_id varchar, created_at timestamp not null)""",
    """create table if not exists alerts.deliveries (
        alert_id varchar not null, webhook varchar not null, status varchar not null,
        attempts integer not null, http_status integer, error varchar, run_id varchar,
        attempted_at timestamp not null)""",
)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the raw schema in place; closed on exit so dbt can open the file."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            for statement in DDL:
                con.execute(statement)
        yield con
    finally:
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
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where {where}", params)
        if frame.height:
            con.register("_incoming", frame.to_arrow())
            con.execute(f"insert into {table} by name select * from _incoming")
            con.unregister("_incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return frame.height


def append_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        con.register("_incoming", frame.to_arrow())
        con.execute(f"insert into {table} by name select * from _incoming")
        con.unregister("_incoming")
