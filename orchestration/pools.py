"""Which concurrency pool each warehouse-writing asset joins, chosen from the warehouse mode.

A DuckDB file admits one writing process, so in file mode every writer shares
WAREHOUSE_POOL (limit 1, run granularity: orchestration/dagster.yaml). A DuckLake admits
many writers at once and only fails the later of two transactions that change the same
table (`Transaction conflict`), so on a lake each group of tables written together gets a
pool of its own: runs writing different groups proceed at once, writers of one group take
turns, and a conflict that slips through is retried (warehouse/connection.py,
resources.WarehouseResource). docs/scaling.md lists the pools and their limits.
"""

from __future__ import annotations

from orchestration.partitions import WAREHOUSE_POOL
from orchestration.warehouse.location import from_environment

LAKE_POOL_PREFIX = "ducklake_"
# Table groups: each is written by the assets named, and by nothing else.
RAW_ARTICLES = "raw_articles"  # raw_articles: raw.articles, ingestion_log, http_cache, drops
ANALYSIS = "analysis"  # article_analysis: analyses, dead letters, pending, llm cache/batches
REFERENCE = "reference"  # reference_tickers: raw.tickers, raw.ticker_aliases
DBT = "dbt"  # every dbt model: two dbt builds at once conflict on the lake (issue 15)
SERVING = "serving"  # served_marts: writes the serving folder, reads the lake
ALERTS = "alerts"  # alerts.alerts, alerts.deliveries
# raw_prices: raw.prices (its log rows are appends to the news logs, which never conflict)
PRICES = "prices"
LAKE_GROUPS = (RAW_ARTICLES, ANALYSIS, REFERENCE, DBT, SERVING, ALERTS, PRICES)
# Steps of one group that may run at once (with `granularity: op`). Landing and analysis
# write a day per short transaction after long work (fetching, LLM calls): two at once let
# ingestion overtake a backfill's step, and a conflict costs a retried transaction only.
# Two dbt builds at once conflict (issue 15): one.
LAKE_LIMITS = {RAW_ARTICLES: 2, ANALYSIS: 2, REFERENCE: 1, DBT: 1, SERVING: 1, ALERTS: 1, PRICES: 1}

# Read once with the definitions, like the warehouse setting itself.
LAKE_MODE = from_environment().is_lake


def writer_pool(group: str, lake: bool | None = None) -> str:
    """The pool of the assets writing `group`'s tables: one shared pool for a DuckDB file."""
    if not (LAKE_MODE if lake is None else lake):
        return WAREHOUSE_POOL
    return LAKE_POOL_PREFIX + group


def lake_pools() -> dict[str, int]:
    """Every lake pool and its limit."""
    return {LAKE_POOL_PREFIX + group: LAKE_LIMITS[group] for group in LAKE_GROUPS}
