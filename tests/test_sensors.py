"""The file-drop and feed sensors, evaluated by Dagster against real folders and servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.news import http_state
from orchestration.news.fetch import Validators
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.sensors import feed_sensor, file_drop_sensor
from tests.conftest import FIXTURES, make_pipeline
from testservers.feed_server import FeedServer

SMALL_RSS = (FIXTURES / "small.rss").read_bytes()
TODAY = datetime.now(tz=UTC).date().isoformat()


def _sources(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps({"sources": entries}), encoding="utf-8")
    return path


def _resources(tmp_path: Path, sources: Path) -> dict[str, object]:
    return {
        "news_sources": NewsSourcesResource(sources_file=str(sources), timeout_s=2),
        "warehouse": WarehouseResource(database_path=str(tmp_path / "warehouse.duckdb")),
    }


def _evaluate(
    sensor: dg.SensorDefinition,
    instance: dg.DagsterInstance,
    resources: dict[str, object],
    cursor: str | None,
) -> dg.SensorResult:
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _drop_file(folder: Path, name: str, *days: str) -> Path:
    folder.mkdir(exist_ok=True)
    rows = [
        {"id": f"{name}-{day}", "title": f"Walmart news of {day}", "published_at": f"{day}T10:00Z"}
        for day in days
    ]
    path = folder / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


# -- file drops ------------------------------------------------------------------------------


def test_a_new_drop_file_requests_one_run_for_its_day_and_never_again(tmp_path: Path):
    drop = tmp_path / "drop"
    sources = _sources(tmp_path, [{"name": "drop", "kind": "file_drop", "location": str(drop)}])
    _drop_file(drop, "monday.jsonl", "2026-11-16")
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(tmp_path, sources)

    first = _evaluate(file_drop_sensor, instance, resources, None)
    (request,) = first.run_requests
    assert request.partition_key == "2026-11-16"
    assert request.run_key.startswith("file-drop:2026-11-16..2026-11-16:")

    again = _evaluate(file_drop_sensor, instance, resources, first.cursor)
    assert again.run_requests == [] and again.skip_reason.skip_message == "no new drop files"

    # A second file spanning two days: one run over the range, the first file not again.
    _drop_file(drop, "late.jsonl", "2026-11-17", "2026-11-18")
    second = _evaluate(file_drop_sensor, instance, resources, again.cursor)
    (request,) = second.run_requests
    assert request.partition_key is None
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2026-11-17", "2026-11-18")

    # A changed copy of a file (another size and mtime) is a new version.
    _drop_file(drop, "monday.jsonl", "2026-11-16", "2026-11-16")
    third = _evaluate(file_drop_sensor, instance, resources, second.cursor)
    (request,) = third.run_requests
    assert (
        request.partition_key == "2026-11-16" and request.run_key != first.run_requests[0].run_key
    )


def test_a_landed_file_is_not_requested_even_without_a_cursor(tmp_path: Path):
    drop = tmp_path / "drop"
    sources = _sources(tmp_path, [{"name": "drop", "kind": "file_drop", "location": str(drop)}])
    _drop_file(drop, "monday.jsonl", "2026-11-16")
    pipeline = make_pipeline(tmp_path, sources)
    resources = _resources(tmp_path, sources)
    (request,) = _evaluate(file_drop_sensor, pipeline.instance, resources, None).run_requests

    # Launch what the sensor asked for, as the daemon would, and check it landed the file.
    assert (
        pipeline.defs.resolve_job_def("ingest_job")
        .execute_in_process(
            instance=pipeline.instance,
            partition_key=request.partition_key,
            asset_selection=[dg.AssetKey("raw_articles")],
        )
        .success
    )
    assert pipeline.scalar("select count(*) from raw.articles") == 1

    # A fresh cursor (a new deployment, a reset sensor) still knows from raw.file_drop_log.
    result = _evaluate(file_drop_sensor, pipeline.instance, resources, None)
    assert result.run_requests == [] and result.cursor


def test_rows_outside_the_partitions_and_unreadable_files_request_nothing(tmp_path: Path):
    drop = tmp_path / "drop"
    sources = _sources(tmp_path, [{"name": "drop", "kind": "file_drop", "location": str(drop)}])
    _drop_file(drop, "old.jsonl", "1999-01-04")
    (drop / "broken.parquet").write_bytes(b"not parquet")

    result = _evaluate(
        file_drop_sensor, dg.DagsterInstance.ephemeral(), _resources(tmp_path, sources), None
    )

    assert result.run_requests == []
    assert "hold no rows in a partition's range" in result.skip_reason.skip_message


# -- feeds -----------------------------------------------------------------------------------


def test_a_changed_feed_requests_today_and_an_unchanged_one_skips(
    tmp_path: Path, feed_server: FeedServer
):
    url = feed_server.conditional("/wire.rss", SMALL_RSS, etag='"v1"')
    sources = _sources(tmp_path, [{"name": "wire", "kind": "feed", "location": url}])
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(tmp_path, sources)

    first = _evaluate(feed_sensor, instance, resources, None)
    (request,) = first.run_requests
    assert request.partition_key == TODAY

    unchanged = _evaluate(feed_sensor, instance, resources, first.cursor)
    assert unchanged.run_requests == []
    assert unchanged.skip_reason.skip_message == "1 feeds unchanged"
    assert [r.headers.get("if-none-match") for r in feed_server.requests_to("/wire.rss")] == [
        None,
        '"v1"',
    ]

    feed_server.conditional("/wire.rss", SMALL_RSS.replace(b"surge", b"soar"), etag='"v2"')
    changed = _evaluate(feed_sensor, instance, resources, unchanged.cursor)
    (request,) = changed.run_requests
    assert request.partition_key == TODAY
    assert request.run_key != first.run_requests[0].run_key


def test_a_feed_without_validators_is_compared_by_content(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.serve("/plain.rss", SMALL_RSS)
    sources = _sources(tmp_path, [{"name": "plain", "kind": "feed", "location": url}])
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(tmp_path, sources)

    first = _evaluate(feed_sensor, instance, resources, None)
    same = _evaluate(feed_sensor, instance, resources, first.cursor)
    feed_server.serve("/plain.rss", SMALL_RSS.replace(b"surge", b"soar"))
    changed = _evaluate(feed_sensor, instance, resources, same.cursor)

    assert (len(first.run_requests), len(same.run_requests), len(changed.run_requests)) == (
        1,
        0,
        1,
    )


def test_the_first_look_uses_what_the_last_run_stored(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.conditional("/wire.rss", SMALL_RSS, etag='"v1"')
    sources = _sources(tmp_path, [{"name": "wire", "kind": "feed", "location": url}])
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        cache = http_state.ResponseCache()
        cache.put(
            url,
            http_state.CachedResponse(Validators('"v1"'), SMALL_RSS, None, datetime.now(tz=UTC)),
        )
        http_state.save_cache(con, cache)

    result = _evaluate(
        feed_sensor, dg.DagsterInstance.ephemeral(), _resources(tmp_path, sources), None
    )

    assert result.run_requests == []  # the run already has this version: a 304
    assert feed_server.requests_to("/wire.rss")[0].headers["if-none-match"] == '"v1"'
