"""The TickerPulse code location: assets, jobs and resources assembled in one place."""

import dagster as dg

from orchestration.assets.alerts import article_alerts, shock_alerts
from orchestration.assets.analysis import article_analysis
from orchestration.assets.dbt import dbt_daily_models, dbt_reference_models
from orchestration.assets.ingest import raw_articles
from orchestration.assets.prices import market_sessions, raw_prices
from orchestration.assets.reference import ticker_reference
from orchestration.assets.serving import served_marts
from orchestration.checks import CHECKS
from orchestration.jobs import JOBS
from orchestration.resources import build_resources
from orchestration.schedules import SCHEDULES
from orchestration.sensors import SENSORS

ASSETS = [
    ticker_reference,
    raw_articles,
    article_analysis,
    market_sessions,
    raw_prices,
    dbt_reference_models,
    dbt_daily_models,
    served_marts,
    article_alerts,
    shock_alerts,
]


def build_defs(**resource_overrides: object) -> dg.Definitions:
    """Definitions with resources from the environment, or the ones given (tests, tools)."""
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=JOBS,
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={**build_resources(), **resource_overrides},
        # One writer at a time: DuckDB locks its file against other processes, so steps
        # run one after another in the run's own process.
        executor=dg.in_process_executor,
    )


defs = build_defs()
