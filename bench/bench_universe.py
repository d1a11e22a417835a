"""Building the reference universe: time and memory, against reading the S&P 500 list.

    .venv/bin/python bench/bench_universe.py [--runs 5]

Each run is a fresh interpreter, so no cache of an earlier build helps: it imports the
package, reads the shipped S&P 500 list alone (the baseline), then builds the universe
from the shipped snapshot with `load_universe()` (parsing the SEC file, the S&P 500 list
and the curated files included). Times are CPU seconds of that process, which a machine
shared with other work inflates less than wall time; wall time is printed too. Memory is
the resident set size before and after the build. Targets: under 1 s and under 100 MB.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
TARGET_MB = 100.0
_PROBE = """
import sys, time
sys.path.insert(0, {root!r})
import csv
from importlib import resources
from orchestration.analysis import universe

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

cpu, wall = time.process_time(), time.perf_counter()
data = resources.files("orchestration.analysis") / "data" / "sp500_constituents.csv"
with data.open(encoding="utf-8", newline="") as fh:
    list(csv.DictReader(fh))
baseline_cpu = time.process_time() - cpu
before = rss_kb()
cpu, wall = time.process_time(), time.perf_counter()
companies, aliases = universe.load_universe()
print(time.process_time() - cpu, time.perf_counter() - wall, baseline_cpu, before, rss_kb(),
      len(companies), len(aliases))
"""


def _probe() -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(x) for x in done.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    runs = [_probe() for _ in range(args.runs)]
    cpu_s = statistics.median(r[0] for r in runs)
    wall_s = statistics.median(r[1] for r in runs)
    baseline_s = statistics.median(r[2] for r in runs)
    before_kb, after_kb, companies, aliases = runs[-1][3:]
    reference_mb = (after_kb - before_kb) / 1024

    print(f"universe: {companies:,.0f} tickers, {aliases:,.0f} aliases")
    print(f"cold build, median of {args.runs} processes: {cpu_s * 1000:.0f} ms CPU")
    print(f"  ({wall_s * 1000:.0f} ms wall)")
    print(f"baseline, the S&P 500 list read alone: {baseline_s * 1000:.1f} ms CPU")
    print(f"ratio: {cpu_s / baseline_s:.0f}x the baseline, for 20x the tickers")
    print(f"RSS before / after the build: {before_kb / 1024:.0f} / {after_kb / 1024:.0f} MB")
    print(f"reference cost: {reference_mb:.1f} MB")
    ok = cpu_s < TARGET_S and reference_mb < TARGET_MB
    print(f"targets (< {TARGET_S:g} s, < {TARGET_MB:g} MB): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
