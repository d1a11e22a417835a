"""The file-drop and feed sensors, evaluated by Dagster against real folders and servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.news import http_state, realtime
from orchestration.news.fetch import Validators
from orchestration.news.realtime import SOURCES_TAG
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.sensors import feed_sensor, file_drop_sensor
from tests.conftest import FIXTURES, make_pipeline
from testservers.feed_server import FeedServer

SMALL_RSS = (FIXTURES / "small.rss").read_bytes()
SECOND_DESK = (FIXTURES / "second_desk.rss").read_bytes()
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


# -- real-time: only the changed feeds, one waiting run at a time -----------------------------


def _two_feeds(tmp_path: Path, feed_server: FeedServer) -> Path:
    feed_server.conditional("/wire.rss", SMALL_RSS, etag='"w1"')
    feed_server.conditional("/desk.rss", SECOND_DESK, etag='"d1"')
    entries = [
        {"name": name, "kind": "feed", "location": feed_server.url(f"/{name}.rss")}
        for name in ("wire", "desk")
    ]
    return _sources(tmp_path, entries)


def _queue(pipeline_defs: dg.Definitions, instance: dg.DagsterInstance, tags: dict[str, str]):
    """A run of ingest_job not started yet (a queued one needs a code location to launch)."""
    return instance.create_run_for_job(
        pipeline_defs.resolve_job_def("ingest_job"),
        status=dg.DagsterRunStatus.NOT_STARTED,
        tags={"dagster/partition": TODAY, **tags},
    )


def test_unchanged_feeds_cost_one_304_each_and_a_changed_one_asks_a_run_for_itself_alone(
    tmp_path: Path, feed_server: FeedServer
):
    sources = _two_feeds(tmp_path, feed_server)
    pipeline = make_pipeline(tmp_path, sources)
    resources = _resources(tmp_path, sources)

    first = _evaluate(feed_sensor, pipeline.instance, resources, None)
    quiet = [_evaluate(feed_sensor, pipeline.instance, resources, first.cursor)]
    quiet.append(_evaluate(feed_sensor, pipeline.instance, resources, quiet[-1].cursor))
    assert [len(r.run_requests) for r in (first, *quiet)] == [1, 0, 0]
    assert json.loads(first.run_requests[0].tags[SOURCES_TAG]) == ["desk", "wire"]
    statuses = [r.headers.get("if-none-match") for r in feed_server.requests_to("/desk.rss")]
    assert statuses == [None, '"d1"', '"d1"']  # both quiet ticks: conditional GETs only

    feed_server.conditional(
        "/desk.rss", SECOND_DESK.replace(b"Second test desk", b"Second desk"), etag='"d2"'
    )
    changed = _evaluate(feed_sensor, pipeline.instance, resources, quiet[-1].cursor)
    (request,) = changed.run_requests
    assert request.partition_key == TODAY
    assert json.loads(request.tags[SOURCES_TAG]) == ["desk"]
    assert request.tags["dagster/priority"] == "1"

    # The run that request launches reads the desk feed alone: the wire is not asked.
    pipeline.load_reference()
    wire_before = len(feed_server.requests_to("/wire.rss"))
    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance, partition_key=TODAY, tags=request.tags
    )
    assert result.success
    assert len(feed_server.requests_to("/wire.rss")) == wire_before
    assert feed_server.requests_to("/desk.rss")[-1].headers.get("if-none-match") is None
    assert {s for (s,) in pipeline.query("select source from raw.ingestion_log")} == {"desk"}


def test_a_burst_of_changes_folds_into_the_queued_run_and_what_it_misses_follows_once(
    tmp_path: Path, feed_server: FeedServer
):
    sources = _two_feeds(tmp_path, feed_server)
    pipeline = make_pipeline(tmp_path, sources)
    instance, resources = pipeline.instance, _resources(tmp_path, sources)
    settled = _evaluate(feed_sensor, instance, resources, None)
    waiting = _queue(pipeline.defs, instance, {SOURCES_TAG: '["wire"]'})

    # The wire changes again while its run waits: that run will read it, nothing new asked.
    feed_server.conditional("/wire.rss", SMALL_RSS.replace(b"surge", b"soar"), etag='"w2"')
    folded = _evaluate(feed_sensor, instance, resources, settled.cursor)
    assert folded.run_requests == []
    assert "1 read by it, 0 owed" in folded.skip_reason.skip_message

    # The desk changes too: no second run joins the queue; the desk is owed, not forgotten.
    feed_server.conditional(
        "/desk.rss", SECOND_DESK.replace(b"Second test desk", b"Second desk"), etag='"d2"'
    )
    owed = _evaluate(feed_sensor, instance, resources, folded.cursor)
    assert owed.run_requests == []
    assert "0 read by it, 1 owed" in owed.skip_reason.skip_message

    # Once the waiting run has started, the owed desk gets its run without a new change,
    # and its next look is still a conditional GET (no full download per tick while owed).
    instance.report_run_canceled(waiting)
    (request,) = _evaluate(feed_sensor, instance, resources, owed.cursor).run_requests
    assert json.loads(request.tags[SOURCES_TAG]) == ["desk"]
    assert feed_server.requests_to("/desk.rss")[-1].headers.get("if-none-match") == '"d2"'


def test_a_queued_run_of_every_source_covers_every_changed_feed(
    tmp_path: Path, feed_server: FeedServer
):
    sources = _two_feeds(tmp_path, feed_server)
    pipeline = make_pipeline(tmp_path, sources)
    instance, resources = pipeline.instance, _resources(tmp_path, sources)
    _queue(pipeline.defs, instance, {})  # the 15-minute schedule's run, say

    result = _evaluate(feed_sensor, instance, resources, None)

    assert result.run_requests == []
    assert "2 read by it, 0 owed" in result.skip_reason.skip_message


def test_a_run_with_a_malformed_sources_tag_fails_with_the_tag_named(tmp_path: Path):
    pipeline = make_pipeline(tmp_path, _sources(tmp_path, []))
    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance,
        partition_key=TODAY,
        tags={SOURCES_TAG: "wire,desk"},
        asset_selection=[dg.AssetKey("raw_articles")],
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert f"run tag {SOURCES_TAG} must be a JSON list" in str(failure.step_failure_data.error)


@pytest.mark.parametrize(
    ("changed", "waiting", "expected"),
    [
        ({"a", "b"}, [], realtime.Plan(["a", "b"], [], [])),
        ({"a", "b"}, [frozenset({"a"})], realtime.Plan([], ["a"], ["b"])),
        ({"a", "b"}, [None], realtime.Plan([], ["a", "b"], [])),
        ({"a"}, [frozenset({"b"}), frozenset({"a"})], realtime.Plan([], ["a"], [])),
    ],
)
def test_changed_feeds_are_asked_for_only_when_no_run_waits(changed, waiting, expected):
    assert realtime.plan(changed, waiting) == expected
