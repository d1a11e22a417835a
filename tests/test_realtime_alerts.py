"""Real-time alerts under a real `dagster-daemon run`: a story published to a feed reaches
the webhook through feed_sensor alone, with no schedule tick and no launch by hand; an
unchanged feed, before and after, costs 304s and no run.

The sensor looks every few seconds here instead of its default 30 to keep the test short;
bench/bench_alert_latency.py measures the defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pytest

from orchestration.definitions import build_defs
from orchestration.instance import prepare_home
from orchestration.news.realtime import SOURCES_TAG
from testservers.daemon import daemon, wait_for
from testservers.feed_server import FeedServer
from testservers.live_feed import LiveFeed, quiet_story, story
from testservers.webhook_server import WebhookServer

INTERVAL_S = 4
TODAY = datetime.now(tz=UTC).date().isoformat()
T = TypeVar("T")


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer) -> LiveFeed:
    """A DAGSTER_HOME as `make dev` prepares it, reading one live feed, offline analyzer."""
    feed = LiveFeed(feed_server)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: live, kind: feed, location: '{feed.url}'}}\n")
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n"
        "  - {name: desk, tickers: [BA], notify: [receiver],\n"
        "     thresholds: {article_score: 0.8, min_relevance: 0.8, directions: [negative]}}\n"
        "webhooks:\n  - {name: receiver, format: json, url_env: TP_TEST_RECEIVER_URL}\n"
    )
    for name, value in {
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "TICKERPULSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "TICKERPULSE_SERVING_DIR": str(tmp_path / "serving"),
        "TICKERPULSE_SOURCES": str(sources),
        "TICKERPULSE_WATCHLISTS": str(watchlists),
        "TICKERPULSE_ANALYZER": "offline",
        "TICKERPULSE_DROP_SENSOR": "off",
        "TICKERPULSE_FEED_SENSOR_INTERVAL_S": str(INTERVAL_S),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TICKERPULSE_FEED_SENSOR", raising=False)  # its default: on
    return feed


def _wait(condition: Callable[[], T], timeout_s: float, what: str, log: Path) -> T:
    return wait_for(condition, timeout_s, what, log, poll_s=0.5)


@pytest.mark.slow
def test_a_published_story_reaches_the_webhook_with_no_schedule_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: LiveFeed, webhook_server: WebhookServer
):
    monkeypatch.setenv("TP_TEST_RECEIVER_URL", webhook_server.hook("/alerts"))
    prepare_home()
    instance = dg.DagsterInstance.get()
    # The reference, and one ingest of the feed as it is (quiet news): that run stores the
    # feed's validators, so the sensor's first look under the daemon is a 304, not a run.
    live.publish(quiet_story())
    defs = build_defs()
    assert (
        defs.resolve_job_def("reference_job")
        .execute_in_process(instance=instance, asset_selection=[dg.AssetKey("ticker_reference")])
        .success
    )
    ingest = defs.resolve_job_def("ingest_job")
    assert ingest.execute_in_process(instance=instance, partition_key=TODAY).success
    log = tmp_path / "daemon.log"

    def sensor_runs() -> list[dg.DagsterRun]:
        return list(instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "feed_sensor"})))

    with daemon(log):
        _wait(lambda: live.counts()[304], 240, "the sensor's first look", log)
        assert sensor_runs() == []
        item = story(0)  # Boeing: the watched ticker
        live.publish(item)
        published = time.monotonic()
        (alert,) = _wait(lambda: webhook_server.accepted("/alerts"), 180, "the alert", log)
        latency = time.monotonic() - published
        _wait(lambda: all(r.is_finished for r in sensor_runs()), 60, "the run to end", log)

        # Nothing new: the sensor keeps asking, the feed keeps answering 304, no run starts.
        before = live.counts()
        time.sleep(3 * INTERVAL_S)
        after = live.counts()

    assert alert.json["ticker"] == "BA"
    assert alert.json["articles"][0]["url"].endswith(item.guid)
    (run,) = sensor_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags[SOURCES_TAG] == '["live"]'
    assert not any("dagster/schedule_name" in r.tags for r in instance.get_runs())
    assert after[304] > before[304] and after[200] == before[200]
    print(f"published -> webhook in {latency:.1f} s with the sensor every {INTERVAL_S} s")
