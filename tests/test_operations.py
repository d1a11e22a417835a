"""Schedules and asset checks: what a team leaves running."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.checks import (
    analysis_coverage,
    analysis_values_are_valid,
    raw_articles_are_fresh,
)
from orchestration.definitions import defs
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.resources import WarehouseResource
from orchestration.schedules import ingest_today, marts_after_close, prices_after_close
from tests.conftest import Pipeline


def test_the_frequent_schedule_ingests_the_partition_of_the_day_it_runs():
    when = datetime(2026, 11, 18, 14, 45, tzinfo=UTC)
    request = ingest_today(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == "2026-11-18"
    assert request.run_key == "ingest-20261118T1445"


def test_the_daily_schedule_builds_the_marts_for_its_day_once_weekends_too():
    when = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
    request = marts_after_close(dg.build_schedule_context(scheduled_execution_time=when))
    assert (request.partition_key, request.run_key) == ("2026-11-20", "marts-2026-11-20")
    saturday = datetime(2026, 11, 21, 21, 30, tzinfo=UTC)
    assert marts_after_close.cron_schedule == "30 21 * * *"
    request = marts_after_close(dg.build_schedule_context(scheduled_execution_time=saturday))
    assert request.partition_key == "2026-11-21", "a weekend day gets its marts too"
    assert {s.name for s in defs.schedules} == {
        "ingest_today",
        "marts_after_close",
        "prices_after_close",
    }


def test_the_evening_prices_schedule_lands_the_last_five_days_again_in_one_run():
    when = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    request = prices_after_close(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key is None
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2026-11-16", "2026-11-20")
    assert request.run_key == "prices-2026-11-20"


def test_every_warehouse_writer_is_in_the_one_writer_pool():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable and key.path[0] != "seeds":
            assert graph.get(key).pools == {"duckdb_warehouse"}, key


def test_checks_pass_on_the_demo_warehouse(demo: Pipeline):
    warehouse = WarehouseResource(database_path=str(demo.database))
    for check in (raw_articles_are_fresh, analysis_coverage, analysis_values_are_valid):
        result = check(warehouse=warehouse)
        assert result.passed, (check.name, result.description)


def test_checks_fail_with_a_clear_description_on_bad_data(demo: Pipeline, tmp_path: Path):
    copy = tmp_path / "bad.duckdb"
    shutil.copyfile(demo.database, copy)
    with duckdb.connect(str(copy)) as con:
        # Half the articles of the last day lose their analysis; one analysis names a
        # ticker that is not listed and a score out of range.
        con.execute(
            "delete from raw.article_analysis where article_id in (select article_id "
            "from raw.articles where partition_date = '2026-11-20' limit 7)"
        )
        con.execute(
            "update raw.article_analysis set overall_sentiment_score = 1.5, tickers = "
            "[{'ticker': 'ZZZZ', 'relevance_score': 1.0, 'ticker_sentiment_score': 0.1, "
            "'ticker_sentiment_label': 'Neutral'}] "
            "where article_id = (select min(article_id) from raw.article_analysis)"
        )
        con.execute("update raw.articles set landed_at = landed_at - interval 3 day")
    warehouse = WarehouseResource(database_path=str(copy))

    coverage = analysis_coverage(warehouse=warehouse)
    assert not coverage.passed
    assert coverage.description.startswith("coverage 89.9%")
    values = analysis_values_are_valid(warehouse=warehouse)
    assert not values.passed
    assert values.description == "1 values out of range, 1 tickers not in the reference"
    fresh = raw_articles_are_fresh(warehouse=warehouse)
    assert not fresh.passed and "limit 24 h" in fresh.description
