"""Throughput of the LLM analyzer against the test server with injected latency.

    .venv/bin/python bench/bench_llm.py [--articles 2000] [--latency 0.3] [--concurrency 8,16,32]

The OpenAI-compatible test server (testservers/openai_server.py) answers every completion after
`--latency` seconds. It runs in a child process so that its threads do not share our GIL.
The ideal bound is concurrency / latency requests per second. The sequential client (the
same analyzer with concurrency 1) is timed on `--sequential-sample` articles and its time
per article multiplied by `--articles`: with a fixed server latency, a sequential client's
time grows linearly, so the extrapolation is exact up to noise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import UTC, datetime

from orchestration.analysis import tokens
from orchestration.analysis.answer import response_format
from orchestration.analysis.llm import OpenAICompatibleAnalyzer, load_prompt
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.tickers import default_reference
from orchestration.news.feeds import parse_feed
from testservers.openai_server import FakeOpenAIServer

DEMO_FEEDS = Path(__file__).resolve().parents[1] / "orchestration" / "demo" / "feeds"

BODY = (
    "Pfizer said on Tuesday that its late-stage trial of an experimental drug met its main "
    "goal, sending its shares up 4% in early trading. Boeing, meanwhile, delayed deliveries "
    "of its 737 jets again as supplier problems dragged on, and Apple suppliers reported "
    "steady orders ahead of the holiday quarter. Analysts said the trial result could add "
    "several billion dollars of annual sales by the end of the decade. "
)


def make_articles(count: int, offset: int = 0) -> list[ArticleText]:
    return [
        ArticleText(f"bench-{i}", f"Markets wrap number {i}: Pfizer up, Boeing down", BODY * 3)
        for i in range(offset, offset + count)
    ]


def demo_request_tokens() -> None:
    """Prompt tokens of an average demo article's request: system prompt, the delimited
    article with its candidate companies, and the JSON schema as sent (compact JSON)."""
    analyzer = OpenAICompatibleAnalyzer(default_reference(), model="bench-model")
    articles = []
    for feed in sorted(DEMO_FEEDS.iterdir()):
        parsed = parse_feed(feed.read_bytes(), feed.name, datetime.now(UTC))
        articles += [ArticleText(a.article_id, a.title, a.body) for a in parsed.articles]
    system = tokens.count_tokens(load_prompt())
    user = statistics.mean(tokens.count_tokens(analyzer.user_message(a)) for a in articles)
    schema = tokens.count_tokens(json.dumps(response_format("json_schema"), separators=(",", ":")))
    previous = tokens.count_tokens(load_prompt("article-v2"))
    print(
        f"average demo request ({len(articles)} articles, {tokens.tokenizer_name()}): "
        f"{system + user + schema:.0f} prompt tokens = system {system} + article "
        f"{user:.0f} + schema {schema}; the article-v2 system prompt alone was {previous}"
    )


def serve(latency_s: float, ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    with FakeOpenAIServer() as server:
        server.latency_s = latency_s
        ready.put(server.base_url)
        stop.wait()


def timed_run(base_url: str, articles: list[ArticleText], concurrency: int) -> tuple[float, dict]:
    analyzer = OpenAICompatibleAnalyzer(
        default_reference(), model="bench-model", base_url=base_url, concurrency=concurrency
    )
    started = time.perf_counter()
    batch = analyzer.analyze_many(articles)
    elapsed = time.perf_counter() - started
    assert len(batch.analyses) == len(articles), (len(batch.failures), batch.failures[:1])
    records = list(batch.records.values())
    sample = analyzer.messages(articles[0])
    return elapsed, {
        "server_prompt_tokens": statistics.mean(r.input_tokens for r in records),
        "prompt_tokens": sum(tokens.count_tokens(m["content"]) for m in sample),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", default="8,16,32", help="comma-separated")
    parser.add_argument("--sequential-sample", type=int, default=40)
    args = parser.parse_args()
    demo_request_tokens()

    levels = [int(level) for level in args.concurrency.split(",")]
    ready: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    child = multiprocessing.Process(target=serve, args=(args.latency, ready, stop), daemon=True)
    child.start()
    base_url = ready.get(timeout=30)
    results = []
    try:
        # Warm-up: loads the tokenizer tables and the client, so neither is timed below.
        timed_run(base_url, make_articles(4, offset=2 * 10**6), 4)
        sample = make_articles(args.sequential_sample, offset=10**6)
        sequential, figures = timed_run(base_url, sample, 1)
        for level in levels:
            elapsed, _ = timed_run(base_url, make_articles(args.articles), level)
            results.append((level, elapsed))
    finally:
        stop.set()
        child.join(timeout=10)

    per_article = sequential / args.sequential_sample
    sequential_total = per_article * args.articles
    print(f"{args.articles} articles, {args.latency * 1000:.0f} ms injected latency per call")
    print(
        f"sequential client: {per_article * 1000:.0f} ms/article measured on "
        f"{args.sequential_sample} articles -> {sequential_total:.0f} s for {args.articles}"
    )
    print(
        f"prompt tokens/article: {figures['prompt_tokens']} ({tokens.tokenizer_name()}; system "
        f"prompt + delimited article); the server counts {figures['server_prompt_tokens']:.0f} "
        "whitespace words"
    )
    print("concurrency  wall s  articles/s  ideal/s  ratio to ideal  vs sequential")
    for level, elapsed in results:
        throughput = args.articles / elapsed
        ideal = level / args.latency
        print(
            f"{level:>11}  {elapsed:>6.1f}  {throughput:>10.1f}  {ideal:>7.1f}  "
            f"{throughput / ideal:>14.3f}  {sequential_total / elapsed:>12.1f}x"
        )


if __name__ == "__main__":
    main()
