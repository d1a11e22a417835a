"""Jobs: what schedules, sensors, backfills and the demo command launch."""

from __future__ import annotations

import dagster as dg

from orchestration.partitions import daily_partitions

_INGEST = dg.AssetSelection.assets("raw_articles", "article_analysis", "article_alerts")
_PRICES = dg.AssetSelection.assets("raw_prices")
# shock_alerts reads the shocks mart: every build of the marts, a backfill too, alerts.
_MARTS = dg.AssetSelection.groups(
    "staging", "intermediate", "marts", "serving"
) | dg.AssetSelection.assets("shock_alerts")

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference"),
    description="Load the ticker reference table and build dim_tickers.",
)

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=_INGEST,
    partitions_def=daily_partitions,
    description="Fetch, land and analyse one day of news.",
)

marts_job = dg.define_asset_job(
    "marts_job",
    selection=_MARTS,
    partitions_def=daily_partitions,
    description="Build the daily sentiment marts with dbt; a date range runs as one dbt build.",
)

prices_job = dg.define_asset_job(
    "prices_job",
    selection=_PRICES,
    partitions_def=daily_partitions,
    description="Land the daily prices of the partitions' closed sessions; a range is one run.",
)

daily_news_job = dg.define_asset_job(
    "daily_news_job",
    selection=_INGEST | _PRICES | _MARTS,
    partitions_def=daily_partitions,
    description="One day end to end: fetch, analyse, land prices, build marts.",
)

JOBS = [reference_job, ingest_job, prices_job, marts_job, daily_news_job]
