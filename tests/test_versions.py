"""The dependency traps we know of stay closed (see pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import version


def test_the_dagster_family_resolved_together():
    assert version("dagster") == version("dagster-webserver") == "1.13.27"
    assert version("dagster-dbt") == "0.29.27"


def test_dbt_core_stays_below_1_12():
    major, minor = (int(part) for part in version("dbt-core").split(".")[:2])
    assert (major, minor) == (1, 11)
    assert version("dbt-duckdb").startswith("1.11.")
