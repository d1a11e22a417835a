"""How the dbt marts scale: full build, an incremental day at 10k and 1M articles, publish.

    .venv/bin/python bench/bench_marts.py [--articles 1000000] [--small 10000]

Generates analysed articles straight into the raw tables of temporary DuckDB files (two
years, 500 tickers, 1-3 tickers per article), then times `dbt build` the way the Dagster
assets run it: the reference models, a full build, and one incremental day (vars
min_date = max_date = the last day) on a small and on a large history. dbt's own process
start-up is a fixed cost here (seconds), so the figures also give the model and test time
dbt records in run_results.json. Last, the time to publish the marts for BI tools.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestration import warehouse
from orchestration.analysis.tickers import read_companies
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.serving import publish
from orchestration.tables import companies_frame

DAYS = 730
LAST_DAY = "2026-11-20"
DBT = str(Path(sys.executable).with_name("dbt"))

_GENERATE = f"""
insert into raw.articles by name
select
    'a' || i::varchar as article_id,
    date '{LAST_DAY}' - (i % {DAYS})::int as partition_date,
    'https://news.example.com/' || i::varchar as url,
    'Headline ' || i::varchar as title,
    'Body of article ' || i::varchar as body,
    'source-' || (i % 7)::varchar as source,
    ['source-' || (i % 7)::varchar] as sources,
    (date '{LAST_DAY}' - (i % {DAYS})::int) + to_seconds((i * 37) % 86400) as published_at,
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


def generate(path: Path, articles: int) -> float:
    started = time.perf_counter()
    with warehouse.connect(path) as con:
        con.register("companies", companies_frame(read_companies()[:500]).to_arrow())
        con.execute("insert into raw.tickers by name select * from companies")
        con.execute("select setseed(0.42)")
        for statement in _GENERATE.split(";\n\n"):
            con.execute(statement, [articles] if "range(?)" in statement else [])
    return time.perf_counter() - started


SLOWEST: dict[str, list[tuple[float, str]]] = {}


def dbt_build(path: Path, target: Path, *args: str) -> tuple[float, float]:
    """Wall seconds of one `dbt build`, and the node seconds dbt itself recorded."""
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
    SLOWEST[f"{path.stem} {' '.join(args)}"] = nodes[:6]
    return wall, sum(r["execution_time"] for r in results)


def measure(root: Path, articles: int) -> dict[str, float]:
    path = root / f"bench_{articles}.duckdb"
    target = root / f"target_{articles}"
    figures = {"generate_s": generate(path, articles)}
    dbt_build(path, target, "--select", "tag:reference", "--indirect-selection", "cautious")
    figures["full_wall_s"], figures["full_nodes_s"] = dbt_build(
        path, target, "--exclude", "tag:reference"
    )
    day = json.dumps({"min_date": LAST_DAY, "max_date": LAST_DAY})
    figures["day_wall_s"], figures["day_nodes_s"] = dbt_build(
        path, target, "--exclude", "tag:reference", "--vars", day
    )
    started = time.perf_counter()
    publish(path, root / f"serving_{articles}")
    figures["publish_s"] = time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tickerpulse-bench-") as tmp:
        small = measure(Path(tmp), args.small)
        large = measure(Path(tmp), args.articles)
    print(f"{'figure':<38}{args.small:>14,}{args.articles:>14,}")
    for key, label in [
        ("generate_s", "generate raw rows (s)"),
        ("full_wall_s", "full dbt build, wall (s)"),
        ("full_nodes_s", "  of which models + tests (s)"),
        ("day_wall_s", "incremental day, wall (s)"),
        ("day_nodes_s", "  of which models + tests (s)"),
        ("publish_s", "publish marts for BI (s)"),
    ]:
        print(f"{label:<38}{small[key]:>14.2f}{large[key]:>14.2f}")
    print("\nslowest dbt nodes of the incremental day on the large history:")
    day_runs = [k for k in SLOWEST if k.startswith(f"bench_{args.articles} ") and "max_date" in k]
    for seconds, node in SLOWEST[day_runs[-1]]:
        print(f"  {seconds:7.2f}s  {node}")
    wall = large["day_wall_s"] / small["day_wall_s"]
    nodes = large["day_nodes_s"] / small["day_nodes_s"]
    print(
        f"\nincremental day, large / small history: wall {wall:.2f}x, "
        f"models + tests {nodes:.2f}x (goal <= 1.5)"
    )


if __name__ == "__main__":
    main()
