"""The ticker reference table: the only companies TickerPulse reports on."""

from collections import Counter

import dagster as dg

from orchestration.analysis.tickers import read_companies
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import WarehouseResource
from orchestration.warehouse.connection import replace_rows
from orchestration.warehouse.frames import companies_frame


@dg.asset(
    key="ticker_reference",
    pool=WAREHOUSE_POOL,
    group_name="reference",
    kinds={"python", "duckdb"},
    description="Listed companies (S&P 500) and the name variants we match: raw.tickers.",
)
def ticker_reference(warehouse: WarehouseResource) -> dg.MaterializeResult:
    companies = read_companies()
    with warehouse.connect() as con:
        replace_rows(con, "raw.tickers", companies_frame(companies), "true", [])
    sectors = Counter(c.sector for c in companies)
    return dg.MaterializeResult(
        metadata={
            "companies": len(companies),
            "sectors": dg.MetadataValue.md(
                "\n".join(
                    ["| sector | companies |", "|---|---|"]
                    + [f"| {s} | {n} |" for s, n in sectors.most_common()]
                )
            ),
        }
    )
