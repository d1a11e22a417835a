"""Thin asset definitions: each wires domain code to resources, partitions and metadata."""

import warnings

import dagster as dg

# Single-run backfills are how a date range becomes one run (one fetch, one dbt build);
# the parameter is marked beta, and saying so on every import helps no one.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
