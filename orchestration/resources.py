"""Every resource and its environment wiring, in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from pydantic import Field

from orchestration import warehouse
from orchestration.analysis.base import Analyzer
from orchestration.analysis.llm import OpenAICompatibleAnalyzer
from orchestration.analysis.offline import OfflineAnalyzer
from orchestration.analysis.tickers import TickerReference
from orchestration.news.articles import Article
from orchestration.news.fetch import http_client
from orchestration.news.sources import SourceOutcome, collect, load_sources
from orchestration.paths import (
    DATABASE_ENV,
    DBT_PROJECT_DIR,
    DEFAULT_DATABASE,
    DEFAULT_SERVING,
    DEFAULT_SOURCES,
    SERVING_ENV,
    project_path,
)


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file everything lands in and dbt builds on (TICKERPULSE_DUCKDB_PATH)."""

    database_path: str = Field(
        default=DEFAULT_DATABASE, description="DuckDB file; relative to the project root."
    )

    @property
    def path(self) -> Path:
        return project_path(self.database_path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.path, read_only=read_only) as con:
            yield con


class ServingResource(dg.ConfigurableResource):
    """Where the published marts live for BI tools (TICKERPULSE_SERVING_DIR)."""

    directory: str = Field(default=DEFAULT_SERVING, description="relative to the project root")
    keep_versions: int = Field(default=3, description="published versions kept on disk")

    @property
    def path(self) -> Path:
        return project_path(self.directory)


class NewsSourcesResource(dg.ConfigurableResource):
    """The news sources listed in a YAML file (TICKERPULSE_SOURCES)."""

    sources_file: str = Field(default=DEFAULT_SOURCES, description="relative to the project root")
    timeout_s: float = Field(default=20.0, description="per-request timeout for http sources")

    def collect(self) -> tuple[list[Article], list[SourceOutcome]]:
        sources = load_sources(project_path(self.sources_file))
        with http_client(self.timeout_s) as client:
            return collect(sources, client=client, now=datetime.now(tz=UTC))


class AnalyzerResource(dg.ConfigurableResource):
    """Which analyzer scores articles: an OpenAI-compatible endpoint, or the offline one.

    backend "auto" uses the LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline.
    """

    backend: str = Field(default="auto", description="auto | offline | openai")
    base_url: str | None = Field(default=None, description="OpenAI-compatible /v1 URL")
    api_key: str | None = Field(default=None, description="secret: only ever from an EnvVar")
    model: str = Field(default="gpt-4o-mini", description="model name at the endpoint")
    timeout_s: float = 60.0
    max_retries: int = 2

    @property
    def uses_llm(self) -> bool:
        if self.backend not in {"auto", "offline", "openai"}:
            raise dg.Failure(
                f"TICKERPULSE_ANALYZER must be auto, offline or openai, not {self.backend!r}"
            )
        return self.backend == "openai" or (
            self.backend == "auto" and bool(self.api_key or self.base_url)
        )

    def build(self, reference: TickerReference) -> Analyzer:
        if not self.uses_llm:
            return OfflineAnalyzer(reference)
        return OpenAICompatibleAnalyzer(
            reference,
            model=self.model,
            base_url=self.base_url,
            api_key=self.api_key,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
        )


def _env(name: str, default: object = None) -> object:
    """An EnvVar when the variable is set (Dagster resolves it, the UI shows only its name)."""
    return dg.EnvVar(name) if name in os.environ else default


def dbt_executable() -> str:
    # The venv's dbt, so an unactivated venv works; dbt on PATH otherwise.
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database_path=_env(DATABASE_ENV, DEFAULT_DATABASE)),
        "serving": ServingResource(directory=_env(SERVING_ENV, DEFAULT_SERVING)),
        "news_sources": NewsSourcesResource(
            sources_file=_env("TICKERPULSE_SOURCES", DEFAULT_SOURCES)
        ),
        "analyzer": AnalyzerResource(
            backend=_env("TICKERPULSE_ANALYZER", "auto"),
            base_url=_env("OPENAI_BASE_URL"),
            api_key=_env("OPENAI_API_KEY"),
            model=_env("TICKERPULSE_LLM_MODEL", "gpt-4o-mini"),
        ),
        "dbt": DbtCliResource(
            project_dir=os.fspath(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
        ),
    }
