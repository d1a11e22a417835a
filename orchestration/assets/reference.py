"""The ticker reference: every listed company TickerPulse can report on, and its aliases."""

from collections import Counter

import dagster as dg
import duckdb

from orchestration import pools
from orchestration.analysis.reference_refresh import keep_referenced
from orchestration.analysis.universe import build_universe
from orchestration.pools import writer_pool
from orchestration.resources import ReferenceDataResource, WarehouseResource
from orchestration.warehouse.connection import replace_rows
from orchestration.warehouse.frames import aliases_frame, companies_frame, companies_from_frame


@dg.asset(
    key="ticker_reference",
    pool=writer_pool(pools.REFERENCE),
    group_name="reference",
    kinds={"python", "duckdb"},
    description="Every SEC-listed ticker with its issuer and type, and curated aliases: "
    "raw.tickers, raw.ticker_aliases.",
)
def ticker_reference(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    reference_data: ReferenceDataResource,
) -> dg.MaterializeResult:
    sec = reference_data.sec_file()
    if sec.error:
        context.log.warning(f"SEC ticker file not downloaded, using the snapshot: {sec.error}")
    companies, aliases = build_universe(sec.records)
    with warehouse.connect() as con:
        previous = companies_from_frame(con.sql("select * from raw.tickers").pl())
        # Articles already analysed keep their tickers resolvable, listed or not.
        companies, counts = keep_referenced(companies, previous, _referenced(con))
        replace_rows(con, "raw.tickers", companies_frame(companies), "true", [])
        replace_rows(con, "raw.ticker_aliases", aliases_frame(aliases), "true", [])
    types = Counter(c.security_type for c in companies)
    return dg.MaterializeResult(
        metadata={
            "companies": counts.rows,
            "source": sec.source,
            "download_error": sec.error or "",
            "new": counts.new,
            "dropped": counts.dropped,
            "kept_as_delisted": counts.kept_as_delisted,
            "delisted": sum(c.delisted for c in companies),
            "sp500": sum(c.is_sp500 for c in companies),
            "aliases": len(aliases),
            "security_types": dg.MetadataValue.md(
                "\n".join(
                    ["| security type | tickers |", "|---|---|"]
                    + [f"| {t} | {n} |" for t, n in types.most_common()]
                )
            ),
        }
    )


def _referenced(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select distinct t.ticker from (select unnest(tickers) as t from raw.article_analysis)"
    ).fetchall()
    return {ticker for (ticker,) in rows if ticker}
