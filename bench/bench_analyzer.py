"""Offline analyzer throughput on one core: articles/s and sentences/s, best of 3.

    .venv/bin/python bench/bench_analyzer.py [--articles 2000] [--seed 7]

Generates realistic multi-sentence news articles from templates naming listed companies
(some name two companies, some refer back with "the company"), pins the process to one
CPU, and times OfflineAnalyzer.analyze over all of them. The target is >= 1,000 articles/s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.analysis.offline import OfflineAnalyzer
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.text import sentences
from orchestration.analysis.tickers import default_reference

TARGET = 1_000
RUNS = 3
TITLES = (
    "{a} beats quarterly estimates and raises full-year guidance",
    "{a} shares slide after the company cuts its outlook",
    "{a} announces $5 billion buyback as profit tops forecasts",
    "{a} faces lawsuit over product recall",
    "{a} to cut 2,000 jobs as demand weakens",
    "{a} upgraded to buy at Morgan Stanley; {b} downgraded",
    "{a} beats estimates while {b} misses on weaker margins",
    "{a} keeps dividend unchanged, says outlook is stable",
)
SENTENCES = (
    "{a} reported revenue of ${n} billion for the quarter, up {p}% from a year earlier.",
    "Analysts polled by LSEG had expected ${n} billion.",
    "The company said demand remained strong across its main markets.",
    "Its shares rose {p}% in premarket trading on Tuesday.",
    "Shares of {a} fell {p}% after the report.",
    "{a} also lowered its forecast for full-year operating margin.",
    "Chief executive officers at {a} and {b} both pointed to higher input costs.",
    "{b} said it would review its supply agreements with {a}.",
    "The firm expects to complete the restructuring by the end of next year.",
    "Regulators did not comment on the investigation.",
    "Investors have worried about slowing growth and rising interest rates.",
    "{a} reaffirmed its quarterly dividend of {p} cents a share.",
    "The stock has gained {p}% so far this year, outperforming the S&P 500.",
    "A spokesperson for {b} declined to comment.",
)


def articles(count: int, seed: int) -> list[ArticleText]:
    rng = random.Random(seed)
    companies = default_reference().companies.values()
    names = [c.name_variants[0] if c.name_variants else c.name for c in companies]
    out = []
    for index in range(count):
        a, b = rng.sample(names, 2)

        def fill(template: str, a: str = a, b: str = b) -> str:
            return template.format(a=a, b=b, n=rng.randint(2, 90), p=rng.randint(1, 40))

        body = [fill(s) for s in rng.sample(SENTENCES, rng.randint(4, 9))]
        out.append(ArticleText(str(index), fill(rng.choice(TITLES)), " ".join(body)))
    return out


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    docs = articles(args.articles, args.seed)
    sentence_count = sum(1 + len(sentences(d.body)) for d in docs)
    started = time.perf_counter()
    analyzer = OfflineAnalyzer(default_reference())
    analyzer.analyze(docs[0])  # the first call loads what the analyzer needs
    load_s = time.perf_counter() - started

    def one_by_one() -> None:
        for doc in docs:
            analyzer.analyze(doc)

    def batched() -> None:  # what the article_analysis asset runs (analyze_all)
        analyzer.analyze_many(docs)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{analyzer.name}/{analyzer.model}/{analyzer.prompt_version} on one core")
    print(f"{len(docs)} articles, {sentence_count} sentences; load + first article {load_s:.2f}s")
    rates = {}
    for label, run in (("analyze() per article", one_by_one), ("analyze_many()", batched)):
        best = min(_timed(run) for _ in range(RUNS))
        rates[label] = len(docs) / best
        print(
            f"{label:<24} best of {RUNS}: {best:.3f}s = {rates[label]:,.0f} articles/s, "
            f"{sentence_count / best:,.0f} sentences/s"
        )
    rate = rates["analyze_many()"]
    print(f"batched / one by one: {rate / rates['analyze() per article']:.2f}x")
    print(
        f"target >= {TARGET:,} articles/s (pipeline path): {'met' if rate >= TARGET else 'NOT met'}"
    )
    print(f"machine load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
