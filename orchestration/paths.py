"""Where the project's files are, and the defaults that live beside them."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATABASE_ENV = "TICKERPULSE_DUCKDB_PATH"
DEFAULT_DATABASE = "data/tickerpulse.duckdb"
DEFAULT_SOURCES = "sources.yaml"
DEFAULT_PRICES = "prices.yaml"
SERVING_ENV = "TICKERPULSE_SERVING_DIR"
DEFAULT_SERVING = "data/serving"


def project_path(value: str) -> Path:
    """A configured path; relative ones are relative to the project root, not the cwd."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def serving_path() -> Path:
    """The published marts' folder outside a Dagster run (the CLI)."""
    return project_path(os.environ.get(SERVING_ENV, DEFAULT_SERVING))


def warehouse_path() -> Path:
    """The DuckDB file outside a Dagster run (the CLI): same variables, same default.

    TICKERPULSE_WAREHOUSE, when it is a path, wins (warehouse/location.py reads a lake)."""
    setting = os.environ.get("TICKERPULSE_WAREHOUSE", "").strip()
    if setting and not setting.startswith("ducklake:"):
        return project_path(setting)
    return project_path(os.environ.get(DATABASE_ENV, DEFAULT_DATABASE))
