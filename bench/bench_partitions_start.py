"""What an earlier TICKERPULSE_PARTITIONS_START costs: 2015-01-01 against 2025-01-01.

    .venv/bin/python bench/bench_partitions_start.py [--runs 3]

Each start is measured in a fresh process (the partitions are fixed at import): listing
every partition key, as the UI and backfill planning do, and one in-process ingest_job run
of one partition over an empty sources file. Prints the best of `runs` and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTS = ("2025-01-01", "2015-01-01")  # the old fixed start is the baseline
_PROBE = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import dagster as dg
from orchestration.definitions import build_defs
from orchestration.partitions import daily_partitions
from orchestration.resources import NewsSourcesResource, WarehouseResource

t = time.perf_counter()
keys = daily_partitions.get_partition_keys()
list_s = time.perf_counter() - t
with tempfile.TemporaryDirectory() as tmp:
    sources = Path(tmp) / "sources.yaml"
    sources.write_text("sources: []")
    defs = build_defs(
        warehouse=WarehouseResource(database_path=str(Path(tmp) / "w.duckdb")),
        news_sources=NewsSourcesResource(sources_file=str(sources)),
    )
    job = defs.resolve_job_def("ingest_job")
    t = time.perf_counter()
    job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=keys[-2],
        asset_selection=[dg.AssetKey("raw_articles")], raise_on_error=False,
    )
    run_s = time.perf_counter() - t
print(json.dumps({"keys": len(keys), "list_s": list_s, "run_s": run_s}))
"""


def measure(start: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TICKERPULSE_PARTITIONS_START": start, "DAGSTER_HOME": home}
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, str(ROOT)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.runs):
        for start in STARTS:  # interleaved, so load on the machine hits both alike
            result = measure(start)
            kept = best.setdefault(start, result)
            for name in ("list_s", "run_s"):
                kept[name] = min(kept[name], result[name])
    base = best[STARTS[0]]
    for start in STARTS:
        row = best[start]
        print(
            f"start {start}: {row['keys']:>5} partitions, list all keys "
            f"{row['list_s'] * 1000:7.1f} ms ({row['list_s'] / base['list_s']:.2f}x), "
            f"one-partition ingest run {row['run_s']:6.2f} s ({row['run_s'] / base['run_s']:.2f}x)"
        )


if __name__ == "__main__":
    main()
