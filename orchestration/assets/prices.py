"""raw_prices and market_sessions: daily prices of the tickers we follow, and the calendar
that tells which session a story counts toward."""

from collections import Counter
from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from orchestration import pools
from orchestration.alerts.watchlists import WatchlistConfigError
from orchestration.partitions import PARTITIONS_START, daily_partitions
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.prices.bars import Bar
from orchestration.prices.calendar import (
    CalendarError,
    closed_sessions,
    last_known_session,
    sessions,
)
from orchestration.prices.landing import (
    land_prices,
    land_sessions,
    record_files,
    record_outcomes,
)
from orchestration.prices.sources import PriceOutcome, PriceSourcesError
from orchestration.prices.universe import mentioned_tickers, portfolio_tickers, price_tickers
from orchestration.resources import AlertingResource, PriceSourcesResource, WarehouseResource

HOLDINGS_SEED = DBT_PROJECT_DIR / "seeds" / "portfolio_holdings.csv"


@dg.asset(
    key="market_sessions",
    pool=pools.writer_pool(pools.REFERENCE),
    group_name="reference",
    kinds={"python", "duckdb"},
    description="Trading sessions of the market calendar with their open and close (UTC) "
    "and early closes, from the first partition to the last known session: "
    "raw.market_sessions.",
)
def market_sessions(
    warehouse: WarehouseResource, price_sources: PriceSourcesResource
) -> dg.MaterializeResult:
    calendar = price_sources.calendar
    try:
        last = last_known_session(calendar)
        found = sessions(calendar, PARTITIONS_START, last)
    except CalendarError as exc:
        raise dg.Failure(str(exc)) from exc
    with warehouse.connect() as con:
        landed = land_sessions(con, calendar, PARTITIONS_START, last, found)
    return dg.MaterializeResult(
        metadata={
            "calendar": calendar,
            "sessions": landed,
            "early_closes": sum(s.early_close for s in found),
            "first_session": str(found[0].session_date) if found else "",
            "last_session": str(found[-1].session_date) if found else "",
        }
    )


@dg.asset(
    partitions_def=daily_partitions,
    pool=pools.writer_pool(pools.PRICES),
    # A backfill asks every source once for the whole range and lands each day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    # The tickers the analyses mention are among those priced, so analyses come first.
    deps=["article_analysis"],
    group_name="prices",
    kinds={"python", "duckdb"},
    description="Daily OHLCV of the watched, held and most mentioned tickers and the "
    "benchmark, one row per ticker and trading day: raw.prices.",
)
def raw_prices(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    price_sources: PriceSourcesResource,
    alerting: AlertingResource,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(key) for key in context.partition_keys]
    try:
        price_sources.sources()  # a broken prices.yaml fails before anything is asked
        trading = closed_sessions(price_sources.calendar, (days[0], days[-1]), _now())
    except (PriceSourcesError, CalendarError) as exc:
        raise dg.Failure(str(exc)) from exc
    with warehouse.connect() as con:
        tickers = _tickers(context, con, price_sources, alerting)
    if not trading:
        context.log.info(f"no closed session {days[0]} .. {days[-1]}: no prices to land")
        return dg.MaterializeResult(metadata={"prices": 0, "sessions": 0})
    # No connection is held while fetching: the DuckDB file stays free for other processes.
    bars, outcomes = price_sources.read((trading[0], trading[-1]), tickers)
    closed = set(trading)
    # A bar dated on a weekend or holiday (a file's mistake), or of a session still trading.
    outside = sum(b.trade_date not in closed for b in bars)
    bars = [b for b in bars if b.trade_date in closed]
    if outside:
        context.log.warning(f"{outside} bars are not of a closed {price_sources.calendar} session")
    _log_outcomes(context, outcomes)
    with warehouse.connect() as con:
        record_outcomes(con, outcomes, (trading[0], trading[-1]), context.run_id)
        for outcome in outcomes:
            record_files(con, outcome.source, list(outcome.files))
        if outcomes and all(o.status == "error" for o in outcomes):
            raise dg.Failure(
                description="every price source failed; no day was replaced",
                metadata={"errors": "; ".join(f"{o.source}: {o.message}" for o in outcomes)},
            )
        landed = land_prices(con, bars, trading, context.run_id)
    context.log.info(f"{sum(landed.values())} prices over {len(trading)} sessions")
    metadata = _metadata(bars, outcomes, landed, tickers)
    return dg.MaterializeResult(metadata={**metadata, "bars_outside_sessions": outside})


def _now() -> datetime:
    return datetime.now(tz=UTC)


def _tickers(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    price_sources: PriceSourcesResource,
    alerting: AlertingResource,
) -> tuple[str, ...]:
    watched = portfolio_tickers(HOLDINGS_SEED)
    try:
        watched = [t for w in alerting.load().watchlists for t in w.tickers] + watched
    except WatchlistConfigError as exc:
        context.log.warning(f"watchlists not read, their tickers are not priced: {exc}")
    mentioned = mentioned_tickers(con, price_sources.max_tickers)
    return price_tickers(
        watched, mentioned, price_sources.benchmark_ticker, price_sources.max_tickers
    )


def _log_outcomes(context: dg.AssetExecutionContext, outcomes: list[PriceOutcome]) -> None:
    for outcome in outcomes:
        if outcome.status == "error":
            context.log.error(f"price source {outcome.source} failed: {outcome.message}")
        elif outcome.status == "partial":
            context.log.warning(f"price source {outcome.source}: {outcome.message}")


def _metadata(
    bars: list[Bar], outcomes: list[PriceOutcome], landed: dict[str, int], tickers: tuple[str, ...]
) -> dict[str, object]:
    priced = {b.ticker for b in bars}
    skipped: Counter[str] = Counter()
    for outcome in outcomes:
        skipped.update(outcome.skipped)
    return {
        "prices": sum(landed.values()),
        "prices_per_day": dg.MetadataValue.json(landed),
        "sessions": len(landed),
        "tickers_asked": len(tickers),
        "tickers_priced": len(priced),
        "tickers_without_prices": dg.MetadataValue.json(sorted(set(tickers) - priced)[:50]),
        "invented_prices": sum(b.invented for b in bars),
        "sources_failed": dg.MetadataValue.json(
            [o.source for o in outcomes if o.status == "error"]
        ),
        "rows_skipped": dg.MetadataValue.json(dict(skipped)),
        "sources": dg.MetadataValue.md(_outcomes_table(outcomes)),
    }


def _outcomes_table(outcomes: list[PriceOutcome]) -> str:
    lines = ["| source | status | prices | message |", "|---|---|---|---|"]
    for o in outcomes:
        message = (o.message or "").replace("|", "/")
        lines.append(f"| {o.source} | {o.status} | {o.bars} | {message} |")
    return "\n".join(lines)
