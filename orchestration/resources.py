"""Every resource and its environment wiring, in one place."""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from datetime import UTC, date, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging.version import Version
from pydantic import Field

from orchestration.alerts.dispatch import DeliveryPolicy
from orchestration.alerts.watchlists import (
    DEFAULT_WATCHLISTS,
    WATCHLISTS_ENV,
    WatchlistConfig,
    load_watchlists,
)
from orchestration.analysis.base import Analyzer
from orchestration.analysis.cache import AnswerCache
from orchestration.analysis.factory import AnalyzerConfigError, AnalyzerSettings, build_analyzer
from orchestration.analysis.schema import MAX_ANALYZED_CHARS
from orchestration.analysis.sec_tickers import DEFAULT_URL as SEC_TICKERS_URL
from orchestration.analysis.sec_tickers import MAX_BYTES as SEC_MAX_BYTES
from orchestration.analysis.sec_tickers import MIN_ROWS as SEC_MIN_ROWS
from orchestration.analysis.sec_tickers import SecFile, current_file
from orchestration.analysis.tickers import TickerReference
from orchestration.news.articles import Article
from orchestration.news.fetch import RetryPolicy, http_client
from orchestration.news.fulltext import FullTextOptions, FullTextStats, KnownPage, enrich
from orchestration.news.http_state import ResponseCache
from orchestration.news.limits import DEFAULT_MAX_ARTICLE_CHARS, MAX_ARTICLE_CHARS_ENV
from orchestration.news.sources import (
    CollectOptions,
    SourceOutcome,
    collect,
    full_text_sources,
    load_sources,
)
from orchestration.operations import run_health
from orchestration.paths import (
    DATABASE_ENV,
    DBT_PROJECT_DIR,
    DEFAULT_DATABASE,
    DEFAULT_PRICES,
    DEFAULT_SERVING,
    DEFAULT_SOURCES,
    SERVING_ENV,
    project_path,
)
from orchestration.prices.bars import Bar
from orchestration.prices.calendar import DEFAULT_CALENDAR
from orchestration.prices.sources import (
    PriceOutcome,
    PriceSource,
    ReadOptions,
    key_names,
    load_price_sources,
    read_all,
)
from orchestration.prices.universe import DEFAULT_BENCHMARK, DEFAULT_MAX_TICKERS
from orchestration.settings import env_flag, env_float, env_int_or, env_or
from orchestration.warehouse import connection as warehouse
from orchestration.warehouse.conflicts import is_conflict
from orchestration.warehouse.location import (
    LAKE_PREFIX,
    WAREHOUSE_ENV,
    WarehouseLocation,
    from_environment,
)
from orchestration.warehouse.location import parse as parse_location

# Step retries on a DuckLake conflict, after the transaction's own (warehouse/connection.py).
LAKE_STEP_RETRIES = 3

# The analyzer's defaults live in AnalyzerSettings; the resource and its wiring read them.
_LLM = AnalyzerSettings()


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse everything lands in and dbt builds on: a DuckDB file
    (TICKERPULSE_DUCKDB_PATH) or a DuckLake (TICKERPULSE_WAREHOUSE, warehouse/location.py)."""

    database_path: str = Field(
        default=DEFAULT_DATABASE, description="DuckDB file; relative to the project root."
    )
    lake_catalog: str | None = Field(
        default=None,
        description="DuckLake catalog (what follows ducklake: in TICKERPULSE_WAREHOUSE); "
        "None: the DuckDB file",
    )
    lake_data_path: str | None = Field(
        default=None, description="the DuckLake's Parquet folder or s3:// prefix"
    )

    @property
    def path(self) -> Path:
        return project_path(self.database_path)

    @property
    def location(self) -> WarehouseLocation:
        if self.lake_catalog:
            return parse_location(LAKE_PREFIX + self.lake_catalog, self.lake_data_path)
        return WarehouseLocation(path=self.path)

    lock_wait_s: float = Field(
        default=300.0,
        description="how long to wait for another process's lock on the file before failing",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Every warehouse run names its worker process before its first step, so that
        # dead_run_sensor can prove it gone if it dies with the daemon that launched it.
        run, instance = context.dagster_run, context.instance
        if run is None or instance is None:
            return
        worker = run_health.Worker.this_process(run.run_id)
        if worker and run_health.Worker.from_tags(run.run_id, run.tags) != worker:
            instance.add_run_tags(run.run_id, {run_health.WORKER_TAG: worker.to_tag()})

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.lake_catalog:
            with _conflicts_retry_the_step(), warehouse.connect(self.location, read_only) as con:
                yield con
            return
        # The pool keeps runs apart, but a CLI, a notebook or a BI tool may still hold the
        # file: wait for it with backoff rather than fail the run and lose its work.
        with ExitStack() as stack:
            con = _wait_for_lock(
                lambda: stack.enter_context(warehouse.connect(self.path, read_only=read_only)),
                self.path,
                self.lock_wait_s,
            )
            yield con

    @contextmanager
    def connect_now(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One try, never waiting for a lock: for writes that a later one can make up for
        (the answer cache's flushes run inside the LLM calls' event loop)."""
        with warehouse.connect(self.location) as con:
            yield con


@contextmanager
def _conflicts_retry_the_step() -> Iterator[None]:
    """A DuckLake conflict that outlived its in-place retries fails the step into a retry,
    later and with jitter; every other error fails it as before (RetryRequested is Dagster's
    op retry for one error class: a RetryPolicy would retry every failure)."""
    try:
        yield
    except duckdb.Error as exc:
        if not is_conflict(exc):
            raise
        raise dg.RetryRequested(
            max_retries=LAKE_STEP_RETRIES, seconds_to_wait=random.uniform(5.0, 30.0)
        ) from exc


class ServingResource(dg.ConfigurableResource):
    """Where the published marts live for BI tools (TICKERPULSE_SERVING_DIR)."""

    directory: str = Field(default=DEFAULT_SERVING, description="relative to the project root")
    keep_versions: int = Field(default=3, description="published versions kept on disk")

    @property
    def path(self) -> Path:
        return project_path(self.directory)


class ReferenceDataResource(dg.ConfigurableResource):
    """Where the ticker universe comes from: the shipped SEC snapshot or the SEC's current file.

    The SEC asks automated clients for a User-Agent with a contact address
    (TICKERPULSE_SEC_USER_AGENT); without one we never call sec.gov.
    """

    sec_user_agent: str | None = Field(
        default=None, description='"Name contact@example.com"; unset: use the snapshot'
    )
    sec_tickers_url: str = Field(default=SEC_TICKERS_URL, description="company_tickers_exchange")
    timeout_s: float = Field(default=30.0, description="for the whole download")
    max_bytes: int = Field(default=SEC_MAX_BYTES, description="a larger file is refused")
    min_rows: int = Field(default=SEC_MIN_ROWS, description="a file with fewer rows is refused")

    def sec_file(self) -> SecFile:
        with http_client(self.timeout_s) as client:
            return current_file(
                self.sec_tickers_url, self.sec_user_agent, client, self.max_bytes, self.min_rows
            )


class NewsSourcesResource(dg.ConfigurableResource):
    """The news sources listed in a YAML file (TICKERPULSE_SOURCES).

    API keys are read at run time from the environment variables each source names in
    `api_key_env`: the YAML names them, so they cannot be EnvVars fixed at load time.
    """

    sources_file: str = Field(default=DEFAULT_SOURCES, description="relative to the project root")
    timeout_s: float = Field(default=20.0, description="per-request timeout for http sources")
    max_attempts: int = Field(default=3, description="tries per request on 5xx, 429, timeouts")
    max_workers: int = Field(default=4, ge=1, description="sources read at the same time")
    max_per_host: int = Field(default=2, ge=1, description="at most this many at once per host")
    full_text: bool = Field(
        default=False,
        description="fetch every feed article's page for its main text (a source's own "
        "full_text option wins)",
    )
    full_text_timeout_s: float = Field(default=10.0, description="per article page, in total")
    full_text_max_bytes: int = Field(default=2 * 1024 * 1024, description="per article page")
    full_text_budget_s: float = Field(
        default=120.0, description="all pages of a run; the rest wait for the next run"
    )
    max_article_chars: int = Field(
        default=DEFAULT_MAX_ARTICLE_CHARS,
        ge=1,
        description="an article's title, body and source text are each cut to this length",
    )

    def collect(
        self,
        window: tuple[date, date] | None = None,
        cache: ResponseCache | None = None,
        only: Collection[str] | None = None,
    ) -> tuple[list[Article], list[SourceOutcome]]:
        """Articles from every source, or from those named in `only`; API sources query
        `window` (inclusive UTC days)."""
        sources = load_sources(project_path(self.sources_file))
        if only is not None:
            sources = [s for s in sources if s.name in only]
        key_names = {str(s.options["api_key_env"]) for s in sources if "api_key_env" in s.options}
        options = CollectOptions(
            window=window,
            retry=RetryPolicy(attempts=self.max_attempts),
            max_workers=self.max_workers,
            max_per_host=self.max_per_host,
            max_article_chars=self.max_article_chars,
            secrets={name: os.environ[name] for name in key_names if os.environ.get(name)},
        )
        with http_client(self.timeout_s) as client:
            return collect(
                sources, client=client, now=datetime.now(tz=UTC), options=options, cache=cache
            )

    def full_text_sources(self) -> set[str]:
        return full_text_sources(load_sources(project_path(self.sources_file)), self.full_text)

    def extract_full_text(
        self, articles: list[Article], sources: set[str], known: dict[str, KnownPage]
    ) -> dict[str, FullTextStats]:
        """Swap in each article page's main text where `sources` ask (news/fulltext.py)."""
        options = FullTextOptions(
            max_bytes=self.full_text_max_bytes,
            budget_s=self.full_text_budget_s,
            max_workers=self.max_workers,
            max_per_host=self.max_per_host,
        )
        with http_client(self.full_text_timeout_s) as client:
            return enrich(articles, sources, client, options, known)


class PriceSourcesResource(dg.ConfigurableResource):
    """Where daily prices come from (TICKERPULSE_PRICES), for how many tickers, against which
    benchmark and market calendar. docs/prices.md explains every knob."""

    prices_file: str = Field(default=DEFAULT_PRICES, description="relative to the project root")
    benchmark_ticker: str = Field(
        default=DEFAULT_BENCHMARK, description="always fetched, for excess returns"
    )
    calendar: str = Field(default=DEFAULT_CALENDAR, description="exchange_calendars name")
    max_tickers: int = Field(
        default=DEFAULT_MAX_TICKERS,
        ge=1,
        description="watched tickers, then the most mentioned, at most this many (+ benchmark)",
    )
    timeout_s: float = Field(default=20.0, description="per-request timeout")
    max_attempts: int = Field(default=4, description="tries per request on 5xx, 429, timeouts")

    def sources(self) -> list[PriceSource]:
        return load_price_sources(project_path(self.prices_file))

    def read(
        self, window: tuple[date, date], tickers: tuple[str, ...]
    ) -> tuple[list[Bar], list[PriceOutcome]]:
        """One bar per ticker and day from the first source that has it; API sources ask
        for `tickers` over `window` (inclusive days)."""
        sources = self.sources()
        options = ReadOptions(
            window=window,
            tickers=tickers,
            benchmark=self.benchmark_ticker.strip().upper(),
            calendar=self.calendar,
            retry=RetryPolicy(attempts=self.max_attempts),
            secrets={n: os.environ[n] for n in key_names(sources) if os.environ.get(n)},
        )
        with http_client(self.timeout_s) as client:
            return read_all(sources, client, options)


class AnalyzerResource(dg.ConfigurableResource):
    """Which analyzer scores articles: an OpenAI-compatible endpoint, or the offline one.

    backend "auto" uses the LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline.
    Budgets are per run; None (unset) means unlimited. docs/llm.md explains every knob.
    """

    backend: str = Field(default=_LLM.backend, description="auto | offline | openai")
    base_url: str | None = Field(default=None, description="OpenAI-compatible /v1 URL")
    api_key: str | None = Field(default=None, description="secret: only ever from an EnvVar")
    model: str = Field(default=_LLM.model, description="model name at the endpoint")
    mode: str = Field(default=_LLM.mode, description="online (concurrent calls) | batch")
    timeout_s: float = Field(default=_LLM.timeout_s, description="per request")
    max_retries: int = Field(
        default=_LLM.max_retries, description="retries per request on 429/5xx/timeouts"
    )
    concurrency: int = Field(default=_LLM.concurrency, description="requests in flight at once")
    breaker_threshold: int = Field(
        default=_LLM.breaker_threshold,
        description="articles failing in a row before the run stops calling",
    )
    max_input_tokens: int = Field(
        default=_LLM.max_input_tokens, description="article tokens sent, at most"
    )
    max_output_tokens: int | None = Field(
        default=_LLM.max_output_tokens,
        description="answer tokens per request, at most (None: the server's)",
    )
    max_article_chars: int = Field(
        default=MAX_ANALYZED_CHARS, ge=1, description="characters of one article read, at most"
    )
    max_requests: int | None = Field(default=None, description="per-run request budget")
    max_tokens: int | None = Field(default=None, description="per-run token budget")
    max_cost_usd: float | None = Field(default=None, description="per-run estimated cost")
    prices: dict[str, list[float]] | None = Field(
        default=None, description="model -> [$ per 1M input, $ per 1M output tokens]"
    )
    max_attempts: int = Field(
        default=3, description="runs that may fail an article before it is left dead-lettered"
    )
    batch_poll_s: float = Field(
        default=_LLM.batch_poll_s, description="batch mode: seconds between polls"
    )
    batch_wait_s: float = Field(
        default=_LLM.batch_wait_s, description="batch mode: give up waiting (articles stay pending)"
    )

    def settings(self) -> AnalyzerSettings:
        # Every AnalyzerSettings field is a field here too, but for the prompt version
        # (the pipeline runs the current one) and prices (JSON lists here, pairs there).
        shared = {f.name for f in fields(AnalyzerSettings)} - {"prompt_version", "prices"}
        prices = {model: (pair[0], pair[1]) for model, pair in (self.prices or {}).items()}
        return AnalyzerSettings(**{name: getattr(self, name) for name in shared}, prices=prices)

    @property
    def uses_llm(self) -> bool:
        try:
            return self.settings().uses_llm
        except AnalyzerConfigError as exc:
            raise dg.Failure(str(exc)) from exc

    @property
    def choice(self) -> str:
        return self.settings().choice

    def build(self, reference: TickerReference, cache: AnswerCache | None = None) -> Analyzer:
        try:
            return build_analyzer(self.settings(), reference, cache)
        except AnalyzerConfigError as exc:
            raise dg.Failure(str(exc)) from exc


class AlertingResource(dg.ConfigurableResource):
    """Watchlists, thresholds and webhooks from a YAML file (TICKERPULSE_WATCHLISTS).

    Webhook URLs are secrets, read at run time from the environment variables the file
    names (like news sources' API keys), so they are never config the UI shows.
    docs/alerts.md explains every knob.
    """

    watchlists_file: str = Field(
        default=DEFAULT_WATCHLISTS, description="relative to the project root"
    )
    timeout_s: float = Field(default=10.0, description="per webhook request")
    max_attempts: int = Field(default=3, description="requests per alert and webhook in a run")
    retry_delay_s: float = Field(default=0.5, description="first backoff between those")
    max_failed_runs: int = Field(
        default=5, description="runs that may fail a delivery before it is given up"
    )
    max_age_hours: float = Field(
        default=72.0, description="older alerts are recorded but not sent; 0: no limit"
    )
    deadline_s: float = Field(default=60.0, description="time a run spends on webhooks, at most")

    def load(self) -> WatchlistConfig:
        return load_watchlists(project_path(self.watchlists_file))

    def policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            retry=RetryPolicy(attempts=self.max_attempts, base_delay_s=self.retry_delay_s),
            timeout_s=self.timeout_s,
            deadline_s=self.deadline_s,
            max_failed_runs=self.max_failed_runs,
            max_age_hours=self.max_age_hours,
        )


def _wait_for_lock(
    open_: Callable[[], duckdb.DuckDBPyConnection], path: Path, wait_s: float
) -> duckdb.DuckDBPyConnection:
    """`open_()`, tried again with backoff while another process holds the file's lock."""
    deadline = time.monotonic() + wait_s
    delay = 0.25
    while True:
        try:
            return open_()
        except duckdb.IOException as exc:
            if "could not set lock" not in str(exc).lower():
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise dg.Failure(
                    f"DuckDB file {path.name} is still locked by another process after "
                    f"waiting {wait_s:g} s (TICKERPULSE_DUCKDB_LOCK_WAIT_S): {exc}"
                ) from exc
            delay = min(delay * 2, 10.0, left)
            dg.get_dagster_logger().warning(
                f"DuckDB file {path.name} is locked by another process; "
                f"trying again in {delay:.1f} s (giving up in {left:.0f} s)"
            )
            time.sleep(delay)


def dbt_executable() -> str:
    # The venv's dbt, so an unactivated venv works; dbt on PATH otherwise.
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


class DbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI, minus the `dbt --version` process it starts for every run.

    dagster-dbt asks the executable for its version once per resource instance, that is
    once per run, and `dbt --version` also asks pypi.org for the latest release: seconds per
    run, and a request to the internet from every run and test. For the venv's own dbt the
    installed package answers the same question.
    """

    @cached_property
    def _cli_version(self) -> Version:
        if self.dbt_executable == str(Path(sys.executable).with_name("dbt")):
            return Version(version("dbt-core"))
        return super()._cli_version


def build_resources() -> dict[str, object]:
    where = from_environment()
    return {
        "warehouse": WarehouseResource(
            # Unset TICKERPULSE_WAREHOUSE keeps today's setting as it was, relative path and all.
            database_path=env_or(DATABASE_ENV, DEFAULT_DATABASE)
            if where.path is None or not env_or(WAREHOUSE_ENV)
            else str(where.path),
            lake_catalog=where.catalog,
            lake_data_path=where.data_path,
            lock_wait_s=env_float("TICKERPULSE_DUCKDB_LOCK_WAIT_S", 300.0),
        ),
        "serving": ServingResource(directory=env_or(SERVING_ENV, DEFAULT_SERVING)),
        "reference_data": ReferenceDataResource(
            sec_user_agent=env_or("TICKERPULSE_SEC_USER_AGENT"),
            sec_tickers_url=env_or("TICKERPULSE_SEC_TICKERS_URL", SEC_TICKERS_URL),
        ),
        "news_sources": NewsSourcesResource(
            sources_file=env_or("TICKERPULSE_SOURCES", DEFAULT_SOURCES),
            full_text=env_flag("TICKERPULSE_FULL_TEXT"),
            max_article_chars=int(
                os.environ.get(MAX_ARTICLE_CHARS_ENV) or DEFAULT_MAX_ARTICLE_CHARS
            ),
        ),
        "analyzer": AnalyzerResource(
            backend=env_or("TICKERPULSE_ANALYZER", _LLM.backend),
            base_url=env_or("OPENAI_BASE_URL"),
            api_key=env_or("OPENAI_API_KEY"),
            model=env_or("TICKERPULSE_LLM_MODEL", _LLM.model),
            mode=env_or("TICKERPULSE_LLM_MODE", _LLM.mode),
            concurrency=env_int_or("TICKERPULSE_LLM_CONCURRENCY", _LLM.concurrency),
            max_article_chars=int(os.environ.get(MAX_ARTICLE_CHARS_ENV) or MAX_ANALYZED_CHARS),
            timeout_s=env_float("TICKERPULSE_LLM_TIMEOUT_S", _LLM.timeout_s),
            max_retries=env_int_or("TICKERPULSE_LLM_MAX_RETRIES", _LLM.max_retries),
            max_output_tokens=env_int_or(
                "TICKERPULSE_LLM_MAX_OUTPUT_TOKENS", _LLM.max_output_tokens
            ),
            max_requests=env_int_or("TICKERPULSE_LLM_MAX_REQUESTS", None),
            max_tokens=env_int_or("TICKERPULSE_LLM_MAX_TOKENS", None),
            max_cost_usd=env_float("TICKERPULSE_LLM_MAX_COST_USD", None),
            # Non-secret JSON, read when the definitions load: {"model": [in, out]}.
            prices=json.loads(os.environ["TICKERPULSE_LLM_PRICES"])
            if os.environ.get("TICKERPULSE_LLM_PRICES")
            else None,
        ),
        "price_sources": PriceSourcesResource(
            prices_file=env_or("TICKERPULSE_PRICES", DEFAULT_PRICES),
            benchmark_ticker=env_or("TICKERPULSE_BENCHMARK_TICKER", DEFAULT_BENCHMARK),
            calendar=env_or("TICKERPULSE_MARKET_CALENDAR", DEFAULT_CALENDAR),
            max_tickers=env_int_or("TICKERPULSE_PRICES_MAX_TICKERS", DEFAULT_MAX_TICKERS),
        ),
        "dbt": DbtResource(project_dir=os.fspath(DBT_PROJECT_DIR), dbt_executable=dbt_executable()),
        "alerting": AlertingResource(
            watchlists_file=env_or(WATCHLISTS_ENV, DEFAULT_WATCHLISTS),
            timeout_s=env_float("TICKERPULSE_ALERTS_TIMEOUT_S", 10.0),
            max_failed_runs=env_int_or("TICKERPULSE_ALERTS_MAX_FAILED_RUNS", 5),
            max_age_hours=env_float("TICKERPULSE_ALERTS_MAX_AGE_HOURS", 72.0),
        ),
    }
