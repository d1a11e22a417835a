"""What a re-run may delete: feed items that left the feed stay, complete sources replace."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Pipeline, make_pipeline
from testservers.feed_server import FeedServer

DAY = "2026-11-17"


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS document of (guid, title, description) items, all published on DAY."""
    entries = "".join(
        f"<item><title>{title}</title><link>https://wire.example.com/{guid}</link>"
        f"<guid>{guid}</guid><pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        f"<description>{text}</description></item>"
        for guid, title, text in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'.encode()  # noqa: E501


EARNINGS = ("a", "Boeing beats earnings forecasts", "Boeing earned more than expected.")
RECALL = ("b", "Ford recalls trucks", "Ford recalls trucks over a brake fault.")
RECALL_UPDATED = ("b", "Ford recalls more trucks", "Ford widened the recall to more trucks.")


def _setup(tmp_path: Path, feed_server: FeedServer) -> tuple[Pipeline, Path]:
    drop = tmp_path / "drop"
    drop.mkdir()
    row = {"id": "d1", "title": "Walmart opens stores", "published_at": f"{DAY}T10:00:00Z"}
    (drop / "batch.jsonl").write_text(json.dumps(row) + "\n")
    sources = {
        "sources": [
            {"name": "wire", "kind": "feed", "location": feed_server.url("/wire.rss")},
            {"name": "drop", "kind": "file_drop", "location": str(drop)},
        ]
    }
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps(sources), encoding="utf-8")
    return make_pipeline(tmp_path, path), drop


def _ingest(pipeline: Pipeline) -> None:
    pipeline.load_reference()
    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance, partition_key=DAY
    )
    assert result.success


def _articles(pipeline: Pipeline) -> list[tuple]:
    return pipeline.query("select source, title from raw.articles order by source, title")


def _analysed_titles(pipeline: Pipeline) -> list[str]:
    rows = pipeline.query(
        "select a.title from raw.article_analysis as s join raw.articles as a using (article_id) "
        "order by 1"
    )
    return [title for (title,) in rows]


def test_a_feed_item_gone_from_the_feed_stays_with_its_analysis(
    tmp_path: Path, feed_server: FeedServer
):
    pipeline, _ = _setup(tmp_path, feed_server)
    feed_server.serve("/wire.rss", rss(EARNINGS, RECALL))
    _ingest(pipeline)
    assert _articles(pipeline) == [
        ("drop", "Walmart opens stores"),
        ("wire", "Boeing beats earnings forecasts"),
        ("wire", "Ford recalls trucks"),
    ]

    # The busy feed moved on: the earnings story dropped out, the recall story was edited.
    feed_server.serve("/wire.rss", rss(RECALL_UPDATED))
    _ingest(pipeline)

    after = [
        ("drop", "Walmart opens stores"),
        ("wire", "Boeing beats earnings forecasts"),
        ("wire", "Ford recalls more trucks"),  # updated in place: one row, not two
    ]
    assert _articles(pipeline) == after
    assert _analysed_titles(pipeline) == sorted(title for _, title in after)
    assert pipeline.scalar("select count(distinct article_id) from raw.articles") == 3

    # Re-running the partition twice more changes nothing.
    rows = pipeline.query("select article_id, title, body from raw.articles order by 1")
    analyses = pipeline.scalar("select count(*) from raw.article_analysis")
    _ingest(pipeline)
    _ingest(pipeline)
    assert pipeline.query("select article_id, title, body from raw.articles order by 1") == rows
    assert pipeline.scalar("select count(*) from raw.article_analysis") == analyses


def test_a_file_drop_is_complete_so_a_removed_file_takes_its_rows_but_not_shared_ones(
    tmp_path: Path, feed_server: FeedServer
):
    pipeline, drop = _setup(tmp_path, feed_server)
    feed_server.serve("/wire.rss", rss(EARNINGS))
    # The same story in the drop folder too: one article whose sources are drop and wire.
    shared = {
        "url": "https://wire.example.com/a",
        "title": "Boeing beats earnings forecasts",
        "published_at": f"{DAY}T09:00:00Z",
    }
    (drop / "shared.jsonl").write_text(json.dumps(shared) + "\n")
    _ingest(pipeline)
    assert len(_articles(pipeline)) == 2

    (drop / "batch.jsonl").unlink()
    (drop / "shared.jsonl").unlink()
    feed_server.serve("/wire.rss", rss())  # and the feed no longer shows it
    _ingest(pipeline)

    # The drop folder is the whole truth about itself: Walmart is gone. The Boeing story was
    # also carried by a feed, which only shows recent items, so it stays.
    assert [title for _, title in _articles(pipeline)] == ["Boeing beats earnings forecasts"]
    assert _analysed_titles(pipeline) == ["Boeing beats earnings forecasts"]
