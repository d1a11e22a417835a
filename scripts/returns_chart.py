"""The README's "does it pay" charts, drawn from a built warehouse (the demo's by default).

    make demo                                     # the demo days, with its invented prices
    .venv/bin/python scripts/returns_chart.py     # writes docs/img/rolling-ic.svg and
                                                  # docs/img/quintile-spread.svg

The same charts the served_marts materialization carries (orchestration/serving/
returns_charts.py), over every session up to the last one with an IC. Reads the warehouse
read-only (TICKERPULSE_DUCKDB_PATH, or --database), so stop `dagster dev` runs first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.paths import warehouse_path  # noqa: E402
from orchestration.serving import returns_charts  # noqa: E402

SESSIONS = 10_000  # every session the warehouse has


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=warehouse_path())
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img")
    args = parser.parse_args()
    with duckdb.connect(str(args.database), read_only=True) as con:
        (last,) = con.execute(
            "select max(session_date) from marts.fct_sentiment_vs_returns_daily "
            "where group_type = 'all' and rank_ic_1d is not null"
        ).fetchone()
        if last is None:
            sys.exit(
                f"{args.database} has no session with an IC yet: it needs prices "
                "(raw.prices), sessions (raw.market_sessions) and 5 tickers with news a session."
            )
        charts = {
            "rolling-ic.svg": returns_charts.value_chart_svg(
                returns_charts.rolling_ic_series(con, last, SESSIONS)
            ),
            "quintile-spread.svg": returns_charts.value_chart_svg(
                returns_charts.quintile_spread_series(con, last, SESSIONS), percent=True
            ),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, svg in charts.items():
        if svg is not None:
            (args.out / name).write_text(svg, encoding="utf-8")
            print(f"wrote {args.out / name} (sessions up to {last})")


if __name__ == "__main__":
    main()
