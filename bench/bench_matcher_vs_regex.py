"""Company matching speed and memory against the full universe (~10k listed companies).

    .venv/bin/python bench/bench_matcher_vs_regex.py [--rounds 20]

The universe is the packaged one (`universe.load_universe()`: the SEC ticker file, the S&P
500 list and the curated aliases). Articles are the demo corpus as
published (short) and the same bodies joined five at a time (long, ~1,800 characters).
The baseline, timed in the same run, is the matcher this one replaced: one regex of every
name variant shaped as a trie (it matched names only, case-sensitively).
Figures are per core: one process, one thread, timed in CPU seconds of this process
(time.process_time), so other work on a shared machine does not slow the figures down.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.analysis.relevance import article_companies
from orchestration.analysis.tickers import TickerReference
from orchestration.analysis.universe import load_universe
from orchestration.news.feeds import parse_feed

DEMO_FEEDS = Path(__file__).resolve().parents[1] / "orchestration" / "demo" / "feeds"


def demo_articles() -> list[tuple[str, str]]:
    articles = []
    for feed in sorted(DEMO_FEEDS.iterdir()):
        parsed = parse_feed(feed.read_bytes(), feed.name, datetime.now(UTC))
        articles += [(a.title, a.body) for a in parsed.articles]
    return articles


def trie_pattern(words: list[str]) -> str:
    """The replaced matcher's regex: `words` with shared prefixes factored out."""
    children: dict[str, list[str]] = {}
    ends_here = False
    for word in words:
        if word:
            children.setdefault(word[0], []).append(word[1:])
        else:
            ends_here = True
    branches = [
        re.escape(first) + trie_pattern(rests)
        for first, rests in sorted(children.items(), key=lambda kv: -max(map(len, kv[1])))
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends_here else "(?:" + "|".join(branches) + ")"
    if len(branches) > 1 or not ends_here:
        return body + ("?" if ends_here else "")
    return "(?:" + branches[0] + ")?"


def timed(label: str, work: Callable[[str], object], texts: list[str], rounds: int) -> float:
    started = time.process_time()
    for _ in range(rounds):
        for text in texts:
            work(text)
    rate = rounds * len(texts) / (time.process_time() - started)
    print(f"  {label:<44} {rate:>9,.0f} articles/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    companies, aliases = load_universe()
    variants = {v for c in companies for v in (c.name, *c.name_variants) if v}
    tracemalloc.start()
    started = time.perf_counter()
    reference = TickerReference(companies, aliases)
    build_s = time.perf_counter() - started
    memory, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"universe: {len(companies):,} tickers, {len(variants):,} name variants "
        "(the packaged universe); "
        f"reference built in {build_s:.1f} s, {memory / 2**20:.1f} MiB"
    )

    started = time.perf_counter()
    baseline = re.compile(rf"(?<![\w&.-]){trie_pattern(sorted(variants))}(?![\w&-])")
    compiled_s = time.perf_counter() - started
    print(f"baseline: a regex of {len(variants):,} names, compiled in {compiled_s:.1f} s")

    short = [f"{title}\n\n{body}" for title, body in demo_articles()]
    long = ["\n\n".join(short[i : i + 5]) for i in range(0, len(short), 5)]
    for name, texts in (("demo articles", short), ("long articles", long)):
        chars = sum(map(len, texts)) / len(texts)
        print(f"{name}: {len(texts)} texts, {chars:,.0f} characters on average")
        ours = timed("TickerReference.find", reference.find, texts, args.rounds)
        timed(
            "article_companies (find + relevance)",
            lambda text: article_companies(reference, "", text),
            texts,
            args.rounds,
        )
        theirs = timed("baseline: one regex of all names", baseline.findall, texts, args.rounds)
        print(f"  ratio find / baseline: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
