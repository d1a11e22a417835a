"""Ingest throughput: parse, normalise, de-duplicate and land 100,000 generated feed items.

    .venv/bin/python bench/bench_ingest.py [--items 100000] [--per-file 1000]

Writes RSS files into a temporary folder (5% of items repeat a story with tracking
parameters, 5% are lightly edited syndicated copies), then times, in the same run:
feedparser alone over every file, and the whole path (collect + land into a temporary
DuckDB, one partition replace per day). Prints items/s for both and their ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration.news.sources import Source, collect
from orchestration.warehouse import connection as warehouse
from orchestration.warehouse.frames import articles_frame

COMPANIES = ["Apple", "Nvidia", "Pfizer", "Boeing", "Intel", "Walmart", "Ford", "Tesla"]
VERBS = ["raises", "cuts", "keeps", "beats", "misses", "confirms", "delays", "expands"]
THINGS = ["outlook", "dividend", "forecast", "buyback", "guidance", "production", "hiring"]
_TEXT = (
    "the company said on tuesday that demand for its products was stronger than analysts "
    "expected and that margins improved in the quarter while costs rose in several regions"
)
# Common words plus a long tail, so unrelated stories share only the common shingles.
WORDS = _TEXT.split(" ") + [f"term{k}" for k in range(2_000)]
START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 14


def _story(rng: random.Random, n: int) -> tuple[str, str, str, datetime]:
    title = f"{rng.choice(COMPANIES)} {rng.choice(VERBS)} {rng.choice(THINGS)} in update {n}"
    body = " ".join(rng.choice(WORDS) for _ in range(45)) + f" Reference {n}."
    link = f"https://news.example.com/{n}"
    published = START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
    return title, link, body, published


def generate(folder: Path, items: int, per_file: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    stories = [_story(rng, n) for n in range(items)]
    for n in range(0, items, 20):  # 5%: the same URL again, with tracking parameters
        title, link, body, published = stories[n]
        stories[n + 1] = (title, f"{link}?utm_source=bench&gclid=x", body, published)
    for n in range(10, items, 20):  # 5%: a syndicated copy with an edited headline
        title, _, body, published = stories[n]
        stories[n + 1] = (title + " - wire", f"https://partner.example.org/{n}", body, published)
    files = []
    for index in range(0, items, per_file):
        entries = "".join(
            f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
            f"<pubDate>{format_datetime(p)}</pubDate><description>{escape(b)}</description></item>"
            for t, link, b, p in stories[index : index + per_file]
        )
        path = folder / f"feed_{index // per_file:04d}.rss"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench {index}</title>{entries}</channel></rss>",
            encoding="utf-8",
        )
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=1_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tickerpulse-bench-") as tmp:
        folder = Path(tmp)
        files = generate(folder, args.items, args.per_file)
        print(f"{args.items:,} items in {len(files)} RSS files ({_size(files)} MiB)")

        started = time.perf_counter()
        parsed = sum(len(feedparser.parse(path.read_bytes()).entries) for path in files)
        feedparser_s = time.perf_counter() - started
        assert parsed == args.items

        started = time.perf_counter()
        sources = [Source(f.stem, "feed", str(f)) for f in files]
        articles, outcomes = collect(sources)
        collected_s = time.perf_counter() - started
        with warehouse.connect(folder / "bench.duckdb") as con:
            for offset in range(DAYS + 1):
                day = (START + timedelta(days=offset)).date()
                todays = [a for a in articles if a.published_date == day.isoformat()]
                warehouse.replace_rows(
                    con,
                    "raw.articles",
                    articles_frame(todays, "bench"),
                    "partition_date = ?",
                    [day],
                )
            landed = con.execute("select count(*) from raw.articles").fetchone()[0]
        total_s = time.perf_counter() - started

    failed = [f"{o.source}: {o.message}" for o in outcomes if o.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} sources did not read cleanly, first: {failed[0]}")
    for label, seconds in [
        ("feedparser alone", feedparser_s),
        ("parse+normalise+dedup", collected_s),
        ("... + land into DuckDB", total_s),
    ]:
        print(f"{label:<24} {seconds:7.1f} s  {args.items / seconds:9,.0f} items/s")
    print(
        f"ratio of full path to feedparser alone: {total_s / feedparser_s:.2f}x the time "
        f"({feedparser_s / total_s:.0%} of feedparser's throughput)"
    )
    print(
        f"landed {landed:,} articles from {args.items:,} items: {args.items - landed:,} folded "
        f"as duplicates (generated: {args.items // 10:,}, half exact, half near)"
    )


def _size(files: list[Path]) -> str:
    return f"{sum(f.stat().st_size for f in files) / 2**20:.0f}"


if __name__ == "__main__":
    main()
