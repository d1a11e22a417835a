"""Every table the Python side creates in the warehouse, in one place.

dbt owns the staging and marts schemas; these are the tables Python writes: raw landing
tables, what ingestion and the LLM remember between runs, alerts and evaluation results.
Statements are idempotent (`if not exists`), so running them upgrades an older file.
Timestamps are stored as UTC without a zone (`timestamp`), which every BI tool reads
the same way.
"""

from __future__ import annotations

import re

import duckdb

from orchestration.warehouse.conflicts import in_transaction

TICKER_STRUCT = (
    "struct(ticker varchar, relevance_score double, ticker_sentiment_score double, "
    "ticker_sentiment_label varchar)[]"
)

RAW = (
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
    # The universe of every listed company (analysis/universe.py): one row per SEC ticker,
    # share classes and instruments under their issuer; aliases the press uses, with dates.
    "alter table raw.tickers add column if not exists issuer varchar",
    "alter table raw.tickers add column if not exists exchange varchar",
    "alter table raw.tickers add column if not exists is_sp500 boolean",
    "alter table raw.tickers add column if not exists security_type varchar",
    "alter table raw.tickers add column if not exists delisted boolean",
    """create table if not exists raw.ticker_aliases (
        alias varchar not null, symbol varchar not null, kind varchar not null,
        valid_from date, valid_to date)""",
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
# Ingestion's memory between runs: the last good body of each http source with its
# validators (a 304 carries no body), and every drop file read, so none is read twice.
HTTP_CACHE = (
    "create schema if not exists raw",
    """create table if not exists raw.http_cache (
        location_key varchar primary key, location varchar not null, etag varchar,
        last_modified varchar, content_type varchar, body blob not null,
        fetched_at timestamp not null)""",
)
FILE_DROP_LOG = (
    "create schema if not exists raw",
    """create table if not exists raw.file_drop_log (
        source varchar not null, path varchar not null, size bigint not null,
        mtime_ns bigint not null, status varchar not null, rows integer not null,
        message varchar, landed_at timestamp not null default current_timestamp)""",
)
# What the LLM was paid for: answers by content, model and prompt version, and Batch API
# jobs submitted but not collected yet.
LLM_CACHE = (
    "create schema if not exists raw",
    """create table if not exists raw.llm_cache (
        cache_key varchar primary key, content_hash varchar not null, model varchar not null,
        prompt_version varchar not null, schema_version varchar not null,
        content varchar not null, input_tokens integer, output_tokens integer,
        latency_ms integer, cost_usd double, attempts integer,
        created_at timestamp not null default current_timestamp)""",
)
LLM_BATCHES = (
    "create schema if not exists raw",
    """create table if not exists raw.llm_batches (
        batch_id varchar primary key, model varchar not null, prompt_version varchar not null,
        schema_version varchar not null, article_ids varchar[] not null,
        cache_keys varchar[] not null, status varchar not null,
        submitted_at timestamp not null default current_timestamp, collected_at timestamp)""",
)
# Daily prices (orchestration/prices): one row per ticker and trading day, re-landing a day
# replaces its rows; `invented` marks the demo's generated series. The sessions of the
# market calendar let SQL put every article in the session whose close comes after it.
PRICES = (
    "create schema if not exists raw",
    """create table if not exists raw.prices (
        ticker varchar not null, trade_date date not null, open double, high double,
        low double, close double not null, adj_close double, volume double,
        source varchar not null, invented boolean not null, run_id varchar,
        landed_at timestamp not null)""",
    """create table if not exists raw.market_sessions (
        calendar varchar not null, session_date date not null, open_at timestamp not null,
        close_at timestamp not null, early_close boolean not null)""",
)
# `tickerpulse eval` results; kept apart from WAREHOUSE because an evaluation may be
# stored in a database of its own.
EVAL = (
    "create schema if not exists eval",
    """create table if not exists eval.results (
        run_id varchar primary key, evaluated_at timestamp not null, analyzer varchar not null,
        model varchar not null, prompt_version varchar not null, dataset varchar not null,
        dataset_sha256 varchar not null, kind varchar not null, rows integer not null,
        accuracy double not null, macro_f1 double not null, per_class json not null,
        confusion json not null, entity_not_found integer not null, failed integer not null,
        seconds double not null)""",
    # Added later: a warehouse made before keeps its rows, which read as zero tokens.
    "alter table eval.results add column if not exists articles integer default 0",
    "alter table eval.results add column if not exists input_tokens bigint default 0",
    "alter table eval.results add column if not exists output_tokens bigint default 0",
    "alter table eval.results add column if not exists cost_usd double default 0",
    """create table if not exists eval.ticker_results (
        run_id varchar not null, min_relevance double not null, evaluated_at timestamp not null,
        analyzer varchar not null, model varchar not null, prompt_version varchar not null,
        dataset varchar not null, dataset_sha256 varchar not null, articles integer not null,
        reference_size integer not null, gold integer not null, gold_outside integer not null,
        found integer not null, found_outside integer not null, predicted integer not null,
        extra integer not null, recall double not null, recall_all double not null,
        "precision" double not null,
        extra_per_article double not null, articles_with_gold integer not null,
        articles_all_found integer not null, articles_exact integer not null,
        articles_without_gold integer not null, articles_without_gold_clean integer not null,
        top_wrong json not null, top_missed json not null, top_outside json not null,
        by_category json not null,
        failed integer not null, seconds double not null, input_tokens bigint not null,
        output_tokens bigint not null, cost_usd double not null,
        primary key (run_id, min_relevance))""",
)

# Everything a writing connection to the warehouse makes sure of.
WAREHOUSE = RAW + HTTP_CACHE + FILE_DROP_LOG + LLM_CACHE + LLM_BATCHES + PRICES


# DuckLake has no primary keys or unique constraints (it refuses the statement). The code
# never relies on them to reject rows: every write of a keyed table deletes the keys it
# writes first, in one transaction. So on a lake the keys are dropped from the DDL, and the
# file mode keeps them, byte for byte, with their index.
_PRIMARY_KEYS = re.compile(r" primary key(?=[,)])|,\s*primary key \([^)]*\)")


def for_lake(statement: str) -> str:
    """`statement` without the constraints a DuckLake refuses."""
    return _PRIMARY_KEYS.sub("", statement)


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` works in a DuckLake (connect_lake attaches one and uses it)."""
    row = con.execute(
        "select type from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


def create_tables(con: duckdb.DuckDBPyConnection, statements: tuple[str, ...] = WAREHOUSE) -> None:
    if is_lake(con):
        # One transaction: a lake commit is a catalog round trip and a snapshot (about 50
        # statements took seconds one by one on a Postgres catalog, 0.2 s together).
        lake_statements = [for_lake(statement) for statement in statements]
        in_transaction(con, lambda: [con.execute(statement) for statement in lake_statements])
        return
    for statement in statements:
        con.execute(statement)
