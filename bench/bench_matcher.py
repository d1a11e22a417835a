"""Ticker finding throughput per core on the team's article set, and the reference's memory.

    .venv/bin/python bench/bench_matcher.py [--seconds 5] [--data PATH]

Pins the process to one CPU and repeats the article set until each measurement has done at
least --seconds of work. Figures, all through public interfaces:
- the analyzer's reference finding companies in each article (`TickerReference.find`, the
  matcher alone) and the whole offline analyzer (`Analyzer.analyze`, matching + sentiment),
  in articles/s and MB of text/s, and the matcher's share of the analyzer's time;
- resident memory (RSS) before and after `default_reference()` is loaded and first used.
Targets (issue 11): >= 1,000 articles/s per core, the reference <= 100 MB.
When ../shared/eval/headlines_valid.csv exists, short headlines are timed as well.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration import evaluation
from orchestration.analysis.offline import OfflineAnalyzer
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.tickers import default_reference

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "orchestration" / "evaluation" / "data" / "tickers_articles.jsonl"
SHARED_HEADLINES = ROOT.parent / "shared" / "eval" / "headlines_valid.csv"
TARGET_RATE = 1_000
TARGET_MB = 100


def rss_mb() -> float:
    """This process's resident set size now (Linux), else its peak so far."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def headlines(path: Path) -> list[ArticleText]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [ArticleText(str(i), row["text"], "") for i, row in enumerate(csv.DictReader(fh))]


def rate(work: Callable[[list[ArticleText]], None], docs: list[ArticleText], seconds: float):
    """Articles/s over as many whole passes over `docs` as take at least `seconds`."""
    work(docs[:20])  # warm caches outside the timing
    repeats, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work(docs)
        repeats += 1
    return repeats * len(docs) / elapsed, repeats, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="least work per figure")
    parser.add_argument("--data", type=Path, default=DEV_SET, help="a ticker set (JSONL/CSV)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    before = rss_mb()
    started = time.perf_counter()
    reference = default_reference()
    find = getattr(reference, "find", None)
    if find is not None:
        find("Apple and Microsoft")  # first use compiles what matching needs
    load_s = time.perf_counter() - started
    after_reference = rss_mb()
    analyzer = OfflineAnalyzer(reference)
    articles, _ = evaluation.load_dataset(args.data, kind="tickers").articles()
    analyzer.analyze(articles[0])
    after_analyzer = rss_mb()

    workloads = [(args.data.name, articles)]
    if SHARED_HEADLINES.exists():
        workloads.append((f"shared {SHARED_HEADLINES.name}", headlines(SHARED_HEADLINES)))

    def matcher(docs: list[ArticleText]) -> None:
        for doc in docs:
            find(f"{doc.title}\n\n{doc.body}")

    def analyze(docs: list[ArticleText]) -> None:
        for doc in docs:
            analyzer.analyze(doc)

    print(f"reference: {len(reference):,} companies, loaded and first used in {load_s:.2f}s")
    print(
        f"RSS: {before:.1f} MB before the reference, {after_reference:.1f} MB after "
        f"(+{after_reference - before:.1f} MB; target <= {TARGET_MB} MB: "
        f"{'met' if after_reference - before <= TARGET_MB else 'NOT met'}), "
        f"{after_analyzer:.1f} MB with the offline analyzer loaded"
    )
    for name, docs in workloads:
        megabytes = sum(len(d.title) + len(d.body) + 2 for d in docs) / 1e6
        words = sum(len(d.title.split()) + len(d.body.split()) for d in docs) / len(docs)
        print(f"\n{name}: {len(docs)} articles, {words:.0f} words on average, one core")
        rates = {}
        for label, work in (("matcher (reference.find)", matcher), ("analyzer.analyze", analyze)):
            if work is matcher and find is None:
                print(f"  {label:<26} not available: the reference has no find()")
                continue
            per_s, repeats, elapsed = rate(work, docs, args.seconds)
            rates[label] = per_s
            print(
                f"  {label:<26} {per_s:>9,.0f} articles/s  {per_s * megabytes / len(docs):6.2f}"
                f" MB/s  ({repeats} passes, {elapsed:.1f}s)  target >= {TARGET_RATE:,}: "
                f"{'met' if per_s >= TARGET_RATE else 'NOT met'}"
            )
        if len(rates) == 2:
            share = rates["analyzer.analyze"] / rates["matcher (reference.find)"]
            print(f"  matching is {share:.0%} of the analyzer's time per article")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmachine load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
