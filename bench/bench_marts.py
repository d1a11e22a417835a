"""How the dbt marts scale: full build, an incremental day at 10k and 1M articles, publish.

    .venv/bin/python bench/bench_marts.py [--articles 1000000] [--small 10000] [--repeat 3]

Generates analysed articles straight into the raw tables of temporary DuckDB files (500
tickers, 1-3 tickers per article), then times `dbt build` the way the Dagster assets run it:
the reference models, a full build, and one incremental day (vars min_date = max_date = the
last day) on a small and on a large history. dbt's own process start-up is a fixed cost
here (seconds), so the figures also give the model and test time dbt records in
run_results.json. The incremental day runs `--repeat` times (re-running a window is
idempotent) and the medians count: the machine may be shared. Last, the time to publish
the marts for BI tools.

The large history spans two years. The small one is measured twice: over two years too
(so its last day has 100 times fewer articles than the large one's: that ratio mixes the
history's size with the day's), and over as few days as give its last day as many
articles as the large one's (the ratio of history alone, the day's work held equal).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.analysis.universe import load_universe
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.serving.catalog import publish
from orchestration.warehouse import connection as warehouse
from orchestration.warehouse.frames import companies_frame

DAYS = 730
LAST_DAY = "2026-11-20"
DBT = str(Path(sys.executable).with_name("dbt"))

_GENERATE = """
insert into raw.articles by name
select
    'a' || i::varchar as article_id,
    date '{LAST_DAY}' - (i % {days})::int as partition_date,
    'https://news.example.com/' || i::varchar as url,
    'Headline ' || i::varchar as title,
    'Body of article ' || i::varchar as body,
    'source-' || (i % 7)::varchar as source,
    ['source-' || (i % 7)::varchar] as sources,
    (date '{LAST_DAY}' - (i % {days})::int) + to_seconds((i * 37) % 86400) as published_at,
    false as published_at_is_fetch_time,
    now()::timestamp as fetched_at,
    md5(i::varchar) as content_hash,
    'bench' as run_id
from range(?) as r(i);

insert into raw.article_analysis by name
select
    a.article_id,
    a.partition_date,
    'offline' as analyzer, 'bench' as model, '1' as prompt_version,
    'Summary.' as summary_sentence, 'Summary paragraph.' as summary_paragraph,
    s as overall_sentiment_score,
    label as overall_sentiment_label,
    list_transform(
        range(1 + (hash(a.article_id) % 3)::int),
        lambda k: {{'ticker': t.symbols[1 + ((hash(a.article_id) + k * 7919) % 500)::int],
               'relevance_score': 0.2 + 0.8 * ((hash(a.article_id || k::varchar) % 1000) / 1000.0),
               'ticker_sentiment_score': s,
               'ticker_sentiment_label': label}}
    ) as tickers,
    'bench' as run_id,
    now()::timestamp as analyzed_at
from raw.articles as a,
     (select list(symbol order by symbol) as symbols from raw.tickers) as t,
     lateral (select round(((hash(a.article_id) % 2001) / 1000.0) - 1.0, 3) as s),
     lateral (
        select case when s <= -0.35 then 'Bearish' when s <= -0.15 then 'Somewhat-Bearish'
                    when s < 0.15 then 'Neutral' when s < 0.35 then 'Somewhat-Bullish'
                    else 'Bullish' end as label
     );
"""


def generate(path: Path, articles: int, days: int) -> float:
    started = time.perf_counter()
    sql = _GENERATE.format(LAST_DAY=LAST_DAY, days=days)
    with warehouse.connect(path) as con:
        sp500 = [c for c in load_universe()[0] if c.is_sp500]
        con.register("companies", companies_frame(sp500).to_arrow())
        con.execute("insert into raw.tickers by name select * from companies")
        con.execute("select setseed(0.42)")
        for statement in sql.split(";\n\n"):
            con.execute(statement, [articles] if "range(?)" in statement else [])
    return time.perf_counter() - started


SLOWEST: dict[str, list[tuple[float, str]]] = {}


@dataclass(frozen=True)
class Build:
    wall_s: float  # the dbt process, start-up included
    models_s: float  # model nodes as dbt recorded them (run_results.json)
    tests_s: float  # test nodes likewise

    @property
    def nodes_s(self) -> float:
        return self.models_s + self.tests_s


def dbt_build(path: Path, target: Path, *args: str) -> Build:
    """One `dbt build`: wall seconds, and the node seconds dbt itself recorded."""
    env = {
        **os.environ,
        "TICKERPULSE_DUCKDB_PATH": str(path),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    done = subprocess.run(
        [DBT, "--quiet", "build", *args],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"dbt build {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = sorted(((r["execution_time"], r["unique_id"]) for r in results), reverse=True)
    SLOWEST[f"{path.stem} {' '.join(args)}"] = nodes[:8]
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))
    return Build(wall, sum(r["execution_time"] for r in results) - tests, tests)


def median_build(builds: list[Build]) -> Build:
    return Build(
        statistics.median(b.wall_s for b in builds),
        statistics.median(b.models_s for b in builds),
        statistics.median(b.tests_s for b in builds),
    )


def measure(root: Path, articles: int, days: int, repeat: int) -> dict[str, float]:
    path = root / f"bench_{articles}_{days}d.duckdb"
    target = root / f"target_{articles}_{days}d"
    figures = {"generate_s": generate(path, articles, days), "day_articles": articles / days}
    dbt_build(path, target, "--select", "tag:reference", "--indirect-selection", "cautious")
    full = dbt_build(path, target, "--exclude", "tag:reference")
    figures |= {"full_wall_s": full.wall_s, "full_nodes_s": full.nodes_s}
    day = json.dumps({"min_date": LAST_DAY, "max_date": LAST_DAY})
    day_builds = [
        dbt_build(path, target, "--exclude", "tag:reference", "--vars", day) for _ in range(repeat)
    ]
    median = median_build(day_builds)
    figures |= {
        "day_wall_s": median.wall_s,
        "day_nodes_s": median.nodes_s,
        "day_models_s": median.models_s,
        "day_tests_s": median.tests_s,
    }
    started = time.perf_counter()
    publish(path, root / f"serving_{articles}_{days}d")
    figures["publish_s"] = time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="incremental days to run, median")
    args = parser.parse_args()
    dense_days = max(1, round(DAYS * args.small / args.articles))
    histories = [(args.small, DAYS), (args.small, dense_days), (args.articles, DAYS)]
    with tempfile.TemporaryDirectory(prefix="tickerpulse-bench-") as tmp:
        spread, dense, large = (measure(Path(tmp), n, d, args.repeat) for n, d in histories)
    print(f"{'articles of history':<38}" + "".join(f"{n:>14,}" for n, _ in histories))
    print(f"{'  over days':<38}" + "".join(f"{d:>14,}" for _, d in histories))
    for key, label in [
        ("day_articles", "articles on the incremental day"),
        ("generate_s", "generate raw rows (s)"),
        ("full_wall_s", "full dbt build, wall (s)"),
        ("full_nodes_s", "  of which models + tests (s)"),
        ("day_wall_s", f"incremental day, wall (s, median of {args.repeat})"),
        ("day_nodes_s", "  of which models + tests (s)"),
        ("day_models_s", "    models (s)"),
        ("day_tests_s", "    tests (s)"),
        ("publish_s", "publish marts for BI (s)"),
    ]:
        print(f"{label:<38}" + "".join(f"{f[key]:>14.2f}" for f in (spread, dense, large)))
    print("\nslowest dbt nodes of the last incremental day on the large history:")
    large_stem = f"bench_{args.articles}_{DAYS}d "
    day_runs = [k for k in SLOWEST if k.startswith(large_stem) and "max_date" in k]
    for seconds, node in SLOWEST[day_runs[-1]]:
        print(f"  {seconds:7.2f}s  {node}")
    print("\nincremental day, large / small history (goal <= 1.5):")
    for small, label in ((dense, "the same articles a day"), (spread, "both over two years")):
        wall = large["day_wall_s"] / small["day_wall_s"]
        nodes = large["day_nodes_s"] / small["day_nodes_s"]
        print(f"  {label:<26} wall {wall:.2f}x, models + tests {nodes:.2f}x")


if __name__ == "__main__":
    main()
