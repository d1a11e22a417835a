"""Shared fixtures: temporary warehouses, the demo pipeline run once, local servers."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import materialize_range
from orchestration.definitions import build_defs
from orchestration.paths import PROJECT_ROOT
from orchestration.resources import (
    AnalyzerResource,
    NewsSourcesResource,
    ServingResource,
    WarehouseResource,
)

pytest_plugins = [
    "testservers.openai_server",
    "testservers.feed_server",
    "testservers.price_server",
    "testservers.webhook_server",
]

FIXTURES = Path(__file__).parent / "fixtures"
STORYLINE = json.loads((PROJECT_ROOT / "orchestration/demo/storyline.json").read_text())

# Whatever the developer's shell has, tests never call a real LLM endpoint.
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "TICKERPULSE_ANALYZER"):
    os.environ.pop(_name, None)


@dataclass
class Pipeline:
    defs: dg.Definitions
    instance: dg.DagsterInstance
    database: Path

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[object] | None = None) -> object:
        return self.query(sql, params)[0][0]

    def load_reference(self) -> None:
        """Only raw.tickers: ingesting and analysing need no dbt (seconds per process)."""
        result = self.defs.resolve_job_def("reference_job").execute_in_process(
            instance=self.instance, asset_selection=[dg.AssetKey("ticker_reference")]
        )
        assert result.success

    def ingest(self, day: str) -> dg.ExecuteInProcessResult:
        """ingest_job (fetch, land, analyse) for one day; failures are returned, not raised."""
        return self.defs.resolve_job_def("ingest_job").execute_in_process(
            instance=self.instance, partition_key=day, raise_on_error=False
        )


def make_pipeline(
    tmp: Path, sources_file: Path | str = "sources.yaml", **resources: object
) -> Pipeline:
    database = tmp / "warehouse.duckdb"
    defs = build_defs(
        warehouse=WarehouseResource(database_path=str(database)),
        news_sources=NewsSourcesResource(sources_file=str(sources_file), timeout_s=5),
        analyzer=resources.pop("analyzer", AnalyzerResource(backend="offline")),
        # Published marts stay in the test's folder, never in the checkout's data/.
        serving=resources.pop("serving", ServingResource(directory=str(tmp / "serving"))),
        **resources,
    )
    return Pipeline(defs, dg.DagsterInstance.ephemeral(), database)


def write_sources(path: Path, sources: dict[str, str]) -> Path:
    lines = ["sources:"]
    for name, location in sources.items():
        lines += [f"  - name: {name}", "    kind: feed", f"    location: {json.dumps(location)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The demo corpus through the whole graph, once per test session, as `make demo` does."""
    pipeline = make_pipeline(tmp_path_factory.mktemp("demo"))
    dates = STORYLINE["dates"]
    result = materialize_range(pipeline.defs, pipeline.instance, dates[0], dates[-1])
    assert result.success, "the demo pipeline run failed"
    return pipeline
