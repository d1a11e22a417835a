"""An API source, a feed and a file drop through the real ingest job, run twice."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import dagster as dg
import pytest

from tests.conftest import FIXTURES, Pipeline, make_pipeline
from testservers.feed_server import FeedServer

DAY = "2026-11-17"
NEWS = "/v2/reference/news"


def _polygon_page(server: FeedServer) -> None:
    results = [
        {
            "id": "p1",
            "title": "Apple supplier raises its outlook",
            "published_utc": "2026-11-17T14:00:00Z",
            "article_url": "https://api-news.example.com/apple-supplier",
            "description": "An Apple supplier raised its outlook for the year.",
            "publisher": {"name": "Example Wire"},
            "insights": [{"ticker": "AAPL", "sentiment": "positive"}],
        }
    ]
    body = json.dumps({"status": "OK", "results": results}).encode()
    server.serve(NEWS, body, "application/json")


def _sources_file(tmp_path: Path, server: FeedServer) -> Path:
    drop = tmp_path / "drop"
    drop.mkdir()
    rows = [
        {"id": "d1", "title": "Walmart opens stores", "published_at": "2026-11-17T10:00:00Z"},
        {"id": "d2", "title": "Walmart hires staff", "published_at": "2026-11-18T10:00:00Z"},
    ]
    (drop / "batch.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (drop / "broken.parquet").write_bytes(b"not parquet")
    feed_url = server.conditional("/wire.rss", (FIXTURES / "small.rss").read_bytes(), '"v1"')
    sources = {
        "sources": [
            {"name": "api", "kind": "polygon", "location": server.url("/"),
             "api_key_env": "TEST_POLYGON_KEY", "requests_per_minute": 6000},
            {"name": "wire", "kind": "feed", "location": feed_url},
            {"name": "drop", "kind": "file_drop", "location": str(drop)},
        ]
    }  # fmt: skip
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps(sources), encoding="utf-8")  # JSON is valid YAML
    return path


def _ingest(pipeline: Pipeline, day: str = DAY) -> dg.ExecuteInProcessResult:
    pipeline.load_reference()
    return pipeline.ingest(day)


def _rows(pipeline: Pipeline) -> list[tuple]:
    return pipeline.query(
        "select partition_date::varchar, source, title, language from raw.articles order by 3"
    )


def test_api_feed_and_file_drop_land_in_their_partitions_and_reruns_are_idempotent(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TEST_POLYGON_KEY", "pk_test_SECRET")
    _polygon_page(feed_server)
    pipeline = make_pipeline(tmp_path, _sources_file(tmp_path, feed_server))

    first = _ingest(pipeline)
    assert first.success
    expected = [
        (DAY, "api", "Apple supplier raises its outlook", "en"),
        (DAY, "wire", "Pfizer shares surge after drug trial beats expectations", "en"),
        (DAY, "wire", "Pfizer to present at healthcare conference", "en"),
        (DAY, "drop", "Walmart opens stores", "und"),  # three words: too few to tell
    ]
    assert _rows(pipeline) == sorted(expected, key=lambda r: r[2])
    (request,) = feed_server.requests_to(NEWS)
    query = parse_qs(request.query)
    assert query["published_utc.gte"] == ["2026-11-17T00:00:00Z"]
    assert query["published_utc.lt"] == ["2026-11-18T00:00:00Z"]
    provider = pipeline.scalar("select provider_sentiment from raw.articles where source = 'api'")
    assert json.loads(provider)["insights"][0]["sentiment"] == "positive"

    second = _ingest(pipeline)
    assert second.success
    assert _rows(pipeline) == sorted(expected, key=lambda r: r[2])
    log = pipeline.query(
        "select source, status, items, new_items from raw.ingestion_log "
        "where run_id = ? order by source",
        [second.run_id],
    )
    assert log == [("api", "ok", 1, 0), ("drop", "partial", 2, 0), ("wire", "not_modified", 3, 0)]
    assert [r.headers.get("if-none-match") for r in feed_server.requests_to("/wire.rss")] == [
        None,
        '"v1"',
    ]
    files = pipeline.query("select status, count(*) from raw.file_drop_log group by 1 order by 1")
    assert files == [("error", 2), ("ok", 2)]  # one row per file per run
    metadata = second.asset_materializations_for_node("raw_articles")[0].metadata
    assert metadata["sources_not_modified"].value == 1
    assert metadata["new_articles"].value == 0
    assert "pk_test_SECRET" not in repr(pipeline.query("select * from raw.ingestion_log"))


def test_a_source_failing_on_rerun_keeps_its_rows_from_the_last_run(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TEST_POLYGON_KEY", "pk_test_SECRET")
    _polygon_page(feed_server)
    pipeline = make_pipeline(tmp_path, _sources_file(tmp_path, feed_server))
    assert _ingest(pipeline).success
    before = _rows(pipeline)

    feed_server.status(NEWS, 500)  # the API is down on the re-run
    result = _ingest(pipeline)

    assert result.success
    assert _rows(pipeline) == before
    status = pipeline.scalar(
        "select status from raw.ingestion_log where run_id = ? and source = 'api'",
        [result.run_id],
    )
    assert status == "error"
