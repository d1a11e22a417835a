"""How the return marts scale: 500 tickers x 2 years of prices beside 10k and 1M articles.

    .venv/bin/python bench/bench_returns.py [--articles 1000000] [--small 10000] [--repeat 3]

The histories are bench_marts.py's (analysed articles over two years, 500 S&P 500 tickers,
1-3 tickers an article), and both get the same prices: a seeded random walk for every S&P
500 ticker and the benchmark on every weekday session of the two years (closing 21:00
UTC). On each history it times the reference models, a full `dbt build`, and then, the
way the daily job runs them, one incremental day (vars min_date = max_date = the last day)
of the return models alone (staging of prices and sessions through the return marts) and of
every daily model. The figures are wall seconds of the dbt process and the node seconds dbt
records (run_results.json), also each return mart's own; days run `--repeat` times and the
medians count, as the
machine may be shared. Goals: the return models' incremental day costs at most 1.5x on
the large history what it costs on the small one, and a full build stays under 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_marts import DAYS, LAST_DAY, SLOWEST, Build, dbt_build, generate, median_build

from orchestration.warehouse import connection as warehouse

RETURN_MODELS = (
    "stg_raw__prices",
    "stg_raw__market_sessions",
    "int_ticker_mentions_sessioned",
    "int_ticker_sentiment_sessions",
    "int_ticker_returns_sessions",
    "int_ticker_groups",
    "int_ticker_session_panel",
    "fct_ticker_returns_daily",
    "fct_sentiment_vs_returns_daily",
    "fct_sentiment_quintile_returns",
    "fct_sentiment_quintile_spreads",
    "fct_shock_event_returns",
    "fct_shock_event_study",
)
# The marts whose own time the day's figures show, node by node.
NODE_TIMES = (
    "fct_ticker_returns_daily",
    "fct_sentiment_vs_returns_daily",
    "fct_sentiment_quintile_returns",
    "fct_sentiment_quintile_spreads",
    "fct_shock_event_returns",
    "fct_shock_event_study",
)
BENCHMARK = "SPY"

# Weekday sessions over the history and a week past it (news of the last evening counts
# toward the next session), and a walk of daily returns from a hash of (ticker, day).
_PRICES = """
insert into raw.market_sessions
select 'XNYS', d::date, d::date + interval 14 hour + interval 30 minute,
    d::date + interval 21 hour, false
from generate_series(date '{LAST_DAY}' - {days}, date '{LAST_DAY}' + 7, interval 1 day) as g(d)
where dayofweek(d) between 1 and 5;

insert into raw.prices by name
select
    ticker,
    session_date as trade_date,
    price as close,
    price as adj_close,
    'bench' as source,
    true as invented,
    'bench' as run_id,
    now()::timestamp as landed_at
from (
    select
        ticker,
        session_date,
        round(100 * exp(sum(((hash(ticker || session_date::varchar) % 2001) / 1000.0 - 1) * 0.02)
            over (partition by ticker order by session_date)), 4) as price
    from (select symbol as ticker from raw.tickers union select ?) as t
    cross join (
        select session_date from raw.market_sessions where session_date <= date '{LAST_DAY}'
    ) as s
);
"""


def land_prices(path: Path, days: int) -> tuple[float, int]:
    started = time.perf_counter()
    with warehouse.connect(path) as con:
        for statement in _PRICES.format(LAST_DAY=LAST_DAY, days=days).split(";\n\n"):
            con.execute(statement, [BENCHMARK] if "?" in statement else [])
        rows = con.execute("select count(*) from raw.prices").fetchone()[0]
    return time.perf_counter() - started, rows


def _model_seconds(target: Path) -> dict[str, float]:
    """The seconds dbt recorded for each model of the last build (its tests left out)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].rsplit(".", 1)[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }


def _select_returns() -> list[str]:
    return ["--select", *RETURN_MODELS]


def measure(root: Path, articles: int, repeat: int) -> dict[str, float]:
    path = root / f"returns_{articles}.duckdb"
    target = root / f"target_{articles}"
    figures = {"generate_s": generate(path, articles, DAYS)}
    figures["prices_s"], figures["price_rows"] = land_prices(path, DAYS)
    dbt_build(path, target, "--select", "tag:reference", "--indirect-selection", "cautious")
    full = dbt_build(path, target, "--exclude", "tag:reference")
    figures |= {"full_wall_s": full.wall_s, "full_nodes_s": full.nodes_s}
    returns_full = dbt_build(path, target, *_select_returns(), "--full-refresh")
    figures |= {
        "returns_full_wall_s": returns_full.wall_s,
        "returns_full_nodes_s": returns_full.nodes_s,
    }
    day = json.dumps({"min_date": LAST_DAY, "max_date": LAST_DAY})
    runs: dict[str, list[Build]] = {"returns": [], "all": []}
    node_times: dict[str, list[float]] = {name: [] for name in NODE_TIMES}
    for _ in range(repeat):
        runs["returns"].append(dbt_build(path, target, *_select_returns(), "--vars", day))
        for name, seconds in _model_seconds(target).items():
            if name in node_times:
                node_times[name].append(seconds)
        runs["all"].append(dbt_build(path, target, "--exclude", "tag:reference", "--vars", day))
    for name, builds in runs.items():
        median = median_build(builds)
        figures |= {f"{name}_day_wall_s": median.wall_s, f"{name}_day_nodes_s": median.nodes_s}
    for name, seconds in node_times.items():
        figures[f"{name}_day_s"] = statistics.median(seconds)
    with warehouse.connect(path, read_only=True) as con:
        for table in ("int_ticker_sentiment_sessions", "fct_sentiment_vs_returns_daily"):
            schema = "intermediate" if table.startswith("int_") else "marts"
            figures[f"{table}_rows"] = con.execute(
                f"select count(*) from {schema}.{table}"
            ).fetchone()[0]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="incremental days to run, median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tickerpulse-bench-returns-") as tmp:
        small, large = (measure(Path(tmp), n, args.repeat) for n in (args.small, args.articles))
    print(f"{'articles of history (over 730 days)':<46}{args.small:>14,}{args.articles:>14,}")
    for key, label in [
        ("price_rows", "price rows (tickers x sessions)"),
        ("int_ticker_sentiment_sessions_rows", "ticker-sessions with news"),
        ("fct_sentiment_vs_returns_daily_rows", "IC rows (cross-sections x sessions)"),
        ("generate_s", "generate articles (s)"),
        ("prices_s", "generate prices and sessions (s)"),
        ("full_wall_s", "full dbt build, every model, wall (s)"),
        ("full_nodes_s", "  of which models + tests (s)"),
        ("returns_full_wall_s", "full build of the return models, wall (s)"),
        ("returns_full_nodes_s", "  of which models + tests (s)"),
        ("returns_day_wall_s", f"return models, one day, wall (s, median of {args.repeat})"),
        ("returns_day_nodes_s", "  of which models + tests (s)"),
        *((f"{name}_day_s", f"  {name} (s, median)") for name in NODE_TIMES),
        ("all_day_wall_s", "every daily model, one day, wall (s)"),
        ("all_day_nodes_s", "  of which models + tests (s)"),
    ]:
        print(f"{label:<46}" + "".join(f"{f[key]:>14,.2f}" for f in (small, large)))
    print("\nslowest dbt nodes of the return models' last day on the large history:")
    stem = f"returns_{args.articles} "
    day_runs = [k for k in SLOWEST if k.startswith(stem) and "max_date" in k and "--select" in k]
    for seconds, node in SLOWEST[day_runs[-1]]:
        print(f"  {seconds:7.2f}s  {node}")
    print("\nthe return models' incremental day, large / small history (goal <= 1.5):")
    for key, label in (("returns_day_wall_s", "wall"), ("returns_day_nodes_s", "models + tests")):
        print(f"  {label:<16} {large[key] / small[key]:.2f}x")
    full = large["full_wall_s"]
    print(f"full build of every model on the large history (goal < 120 s): {full:.1f} s")


if __name__ == "__main__":
    main()
