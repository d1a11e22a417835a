from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.checks import CHECKS
from orchestration.definitions import defs
from orchestration.paths import PROJECT_ROOT

EXPECTED_ASSETS = {
    "ticker_reference",
    "raw_articles",
    "article_analysis",
    "market_sessions",
    "raw_prices",
    "staging/stg_raw__articles",
    "staging/stg_raw__article_analyses",
    "staging/stg_raw__tickers",
    "intermediate/int_articles_analysed",
    "intermediate/int_ticker_mentions_unnested",
    "marts/dim_tickers",
    "marts/fct_article_sentiment",
    "marts/fct_ticker_mentions",
    "marts/fct_ticker_sentiment_daily",
    "served_marts",
    "seeds/portfolio_holdings",
    "staging/stg_seeds__portfolio_holdings",
    "intermediate/int_article_moves",
    "intermediate/int_ticker_worst_article_daily",
    "marts/dim_portfolio_holdings",
    "marts/fct_ticker_sentiment_rolling",
    "marts/fct_sentiment_shocks",
    "marts/fct_sector_sentiment_daily",
    "marts/fct_portfolio_sentiment_daily",
    "marts/fct_portfolio_worst_news",
    "article_alerts",
    "shock_alerts",
    # Does the sentiment pay: the return marts over prices and sessions (orchestration/prices).
    "staging/stg_raw__prices",
    "staging/stg_raw__market_sessions",
    "intermediate/int_ticker_mentions_sessioned",
    "intermediate/int_ticker_sentiment_sessions",
    "intermediate/int_ticker_returns_sessions",
    "intermediate/int_ticker_groups",
    "intermediate/int_ticker_session_panel",
    "marts/fct_ticker_returns_daily",
    "marts/fct_sentiment_vs_returns_daily",
    "marts/fct_sentiment_quintile_returns",
    "marts/fct_sentiment_quintile_spreads",
    "marts/fct_shock_event_returns",
    "marts/fct_shock_event_study",
}


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_every_job_resolves():
    for name in ("reference_job", "ingest_job", "prices_job", "marts_job", "daily_news_job"):
        assert defs.resolve_job_def(name).name == name


def test_dbt_sources_map_onto_python_assets_so_lineage_is_one_graph():
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        node = graph.get(dg.AssetKey.from_user_string(key))
        return {parent.to_user_string() for parent in node.parent_keys}

    assert parents("staging/stg_raw__articles") == {"raw_articles"}
    assert parents("staging/stg_raw__article_analyses") == {"article_analysis"}
    assert parents("staging/stg_raw__tickers") == {"ticker_reference"}
    assert parents("article_analysis") == {"raw_articles", "ticker_reference"}
    assert "marts/dim_tickers" in parents("marts/fct_ticker_mentions")


def test_dbt_tests_of_the_reference_models_are_asset_checks_and_of_daily_models_not():
    graph = defs.resolve_asset_graph()
    checks = {key.name for key in graph.asset_check_keys}
    assert any(name.startswith("unique_dim_tickers_symbol") for name in checks)
    # A ranged run would store each of these once per day (tests/test_backfill.py); dbt build
    # runs them and reports each as an observation (tests/test_dbt_test_results.py).
    assert not any(
        name.startswith("relationships_fct_ticker_mentions_article_id") for name in checks
    )
    assert not any(
        name.startswith("unique_combination_fct_ticker_sentiment_daily") for name in checks
    )
    ours = {check.check_key for check in CHECKS}
    dbt_checks = graph.asset_check_keys - ours
    assert dbt_checks
    assert all(graph.get(key.asset_key).partitions_def is None for key in dbt_checks)


def test_tickerpulse_dbt_tests_as_checks_brings_the_daily_models_tests_back_as_checks():
    count = (
        "from orchestration.definitions import defs; "
        "print(len(defs.resolve_asset_graph().asset_check_keys))"
    )
    done = subprocess.run(
        [sys.executable, "-c", count],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TICKERPULSE_DBT_TESTS_AS_CHECKS": "true"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    with_daily = int(done.stdout.split()[-1])
    assert with_daily > len(defs.resolve_asset_graph().asset_check_keys) + 100


def test_daily_assets_share_partitions_and_backfill_in_one_run():
    graph = defs.resolve_asset_graph()
    for key in (
        "raw_articles",
        "article_analysis",
        "raw_prices",
        "marts/fct_ticker_sentiment_daily",
        "served_marts",
    ):
        node = graph.get(dg.AssetKey.from_user_string(key))
        assert node.partitions_def is not None
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    assert graph.get(dg.AssetKey("ticker_reference")).partitions_def is None
    assert graph.get(dg.AssetKey("market_sessions")).partitions_def is None


def test_the_workspace_loads_the_way_dagster_dev_loads_it():
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # never leaves a child behind in our process group
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tickerpulse" in done.stdout + done.stderr


def test_every_variable_the_code_reads_is_documented_in_env_example():
    code = "\n".join(p.read_text() for p in (PROJECT_ROOT / "orchestration").rglob("*.py"))
    read = set(re.findall(r'"(TICKERPULSE_[A-Z0-9_]+)"', code))
    documented = set(
        re.findall(r"^(TICKERPULSE_[A-Z0-9_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M)
    )
    assert read and read <= documented, sorted(read - documented)
