"""Real-time alerts: seconds from a story's publication to the webhook, under dagster-daemon.

    .venv/bin/python bench/bench_alert_latency.py                 # 10 stories, ~8 minutes
    .venv/bin/python bench/bench_alert_latency.py --stories 20 --gap 10 30 --quiet 60

A local feed server and webhook receiver (testservers/), a temporary DAGSTER_HOME and a
real `dagster-daemon run` with the DEFAULT settings: the feed sensor on at its default
interval, the 15-minute ingest schedule as shipped (stopped until switched on), the
offline analyzer. After a quiet spell with nothing published (the feed server counts the
requests: 304s only, and no run may start), N strongly negative stories about watched
tickers are published one at a time, spaced at random so they fall at random offsets
against the sensor's polls, and each is timed until its alert reaches the webhook.

The baseline is the schedule alone: a story waits for the next 15-minute tick, uniformly
0..900 s, then for a run; with this run's own run times that gives the schedule's
percentiles. Percentiles are nearest-rank: with 10 stories p95 is the slowest one.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402

from testservers.daemon import daemon  # noqa: E402
from testservers.feed_server import FeedServer  # noqa: E402
from testservers.live_feed import LiveFeed, Story, quiet_story, story  # noqa: E402
from testservers.webhook_server import WebhookServer  # noqa: E402

SCHEDULE_S = 15 * 60  # the shipped TICKERPULSE_INGEST_CRON, */15
GOAL_P95_S = 120.0
WATCHLISTS = """
watchlists:
  - name: bench
    tickers: [BA, INTC, TSLA, DIS, XOM]
    thresholds: {article_score: 0.8, min_relevance: 0.8, directions: [negative]}
    notify: [receiver]
webhooks:
  - {name: receiver, format: json, url_env: BENCH_WEBHOOK_URL}
"""
# Settings this bench leaves at their defaults, whatever the shell has.
DEFAULTED = [
    "TICKERPULSE_FEED_SENSOR",
    "TICKERPULSE_FEED_SENSOR_INTERVAL_S",
    "TICKERPULSE_INGEST_CRON",
    "TICKERPULSE_ALERTS_MAX_AGE_HOURS",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
]
SENSOR_TAG = "dagster/sensor_name"
ACTIVE = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dataclass
class Timing:
    story: Story
    published: float  # epoch seconds
    received: float | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=10)
    parser.add_argument("--gap", type=float, nargs=2, default=(20.0, 40.0), metavar=("MIN", "MAX"))
    parser.add_argument("--quiet", type=float, default=120.0, help="seconds with no news first")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    random.seed(args.seed)

    work = Path(tempfile.mkdtemp(prefix="bench_alert_latency_"))
    feeds, receiver = FeedServer(), WebhookServer()
    feeds.start()
    receiver.start()
    live = LiveFeed(feeds)
    try:
        instance = _prepare(work, live, receiver)
        with daemon(work / "daemon.log"):
            _wait(lambda: live.counts()[304], 300, "the sensor's first look")
            quiet = _quiet(instance, live, args.quiet)
            timings = _publish(live, receiver, args.stories, args.gap)
            load = os.getloadavg()
            _wait(lambda: not _runs(instance, *ACTIVE), 300, "the last feed run to end")
            runs = _feed_runs(instance)
        _report(timings, quiet, runs, load, work)
    finally:
        feeds.stop()
        receiver.stop()


def _prepare(work: Path, live: LiveFeed, receiver: WebhookServer) -> dg.DagsterInstance:
    """Environment, DAGSTER_HOME and the ticker reference, as `make dev` would have them."""
    for name in DEFAULTED:
        os.environ.pop(name, None)
    sources = work / "sources.yaml"
    sources.write_text(json.dumps({"sources": [{"name": "live", "location": live.url}]}))
    watchlists = work / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS)
    os.environ.update(
        {
            "DAGSTER_HOME": str(work / "dagster_home"),
            "TICKERPULSE_DUCKDB_PATH": str(work / "warehouse.duckdb"),
            "TICKERPULSE_SERVING_DIR": str(work / "serving"),
            "TICKERPULSE_SOURCES": str(sources),
            "TICKERPULSE_WATCHLISTS": str(watchlists),
            "BENCH_WEBHOOK_URL": receiver.hook("/alerts"),
            "TICKERPULSE_ANALYZER": "offline",
            "TICKERPULSE_DROP_SENSOR": "off",
        }
    )
    from orchestration.definitions import build_defs
    from orchestration.instance import prepare_home

    prepare_home()
    instance = dg.DagsterInstance.get()
    defs = build_defs()
    result = defs.resolve_job_def("reference_job").execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("ticker_reference")]
    )
    assert result.success, "loading the ticker reference failed"
    # One ingest of the feed as it is (quiet news), as an earlier run would have left it:
    # the sensor's first look is then a 304 against the validators that run stored.
    live.publish(quiet_story())
    today = datetime.now(tz=UTC).date().isoformat()
    ingest = defs.resolve_job_def("ingest_job").execute_in_process(
        instance=instance, partition_key=today
    )
    assert ingest.success, "the first ingest failed"
    return instance


def _runs(instance: dg.DagsterInstance, *statuses: dg.DagsterRunStatus) -> list[dg.DagsterRun]:
    filters = dg.RunsFilter(tags={SENSOR_TAG: "feed_sensor"}, statuses=list(statuses) or None)
    return list(instance.get_runs(filters=filters))


def _quiet(instance: dg.DagsterInstance, live: LiveFeed, seconds: float) -> dict[str, float]:
    """Feed requests and runs while nothing is published."""
    runs_before, counts_before = len(instance.get_runs()), live.counts()
    print(f"quiet: {seconds:.0f} s with nothing published ...", flush=True)
    time.sleep(seconds)
    counts = live.counts()
    return {
        "seconds": seconds,
        "ok": counts[200] - counts_before[200],
        "not_modified": counts[304] - counts_before[304],
        "runs": len(instance.get_runs()) - runs_before,  # of any job, schedule or sensor
    }


def _publish(
    live: LiveFeed, receiver: WebhookServer, n: int, gap: tuple[float, float]
) -> list[Timing]:
    timings: list[Timing] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            urls = {
                article["url"]
                for request in receiver.accepted("/alerts")
                for article in request.json["articles"]
            }
            now = time.time()
            for timing in timings:
                if timing.received is None and any(u.endswith(timing.story.guid) for u in urls):
                    timing.received = now
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for number in range(n):
        time.sleep(random.uniform(*gap))
        item = story(number)
        timings.append(Timing(item, time.time()))
        live.publish(item)
        print(f"published {number + 1}/{n}: {item.title}", flush=True)
    deadline = time.time() + 600
    while any(t.received is None for t in timings) and time.time() < deadline:
        time.sleep(0.5)
    done.set()
    watcher.join()
    return timings


def _feed_runs(instance: dg.DagsterInstance) -> list[dict[str, float]]:
    """Where each feed run's time went, in seconds, from its event log."""
    marks = {
        dg.DagsterEventType.RUN_ENQUEUED: "queued",
        dg.DagsterEventType.RUN_STARTING: "starting",
        dg.DagsterEventType.RUN_START: "started",
        dg.DagsterEventType.RUN_SUCCESS: "ended",
        dg.DagsterEventType.RUN_FAILURE: "ended",
    }
    rows = []
    for run in reversed(_runs(instance)):  # oldest first
        at = {}
        for entry in instance.all_logs(run.run_id, of_type=set(marks)):
            at.setdefault(marks[entry.dagster_event.event_type], entry.timestamp)
        if len(at) < len(set(marks.values())):
            continue
        rows.append(
            {
                "waiting for the pool": at["starting"] - at["queued"],
                "process + code load": at["started"] - at["starting"],
                "steps": at["ended"] - at["started"],
                "queued to end": at["ended"] - at["queued"],
            }
        )
    return rows


def _wait(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting {timeout_s:.0f} s for {what}")
        time.sleep(1)


def _rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _report(
    timings: list[Timing],
    quiet: dict[str, float],
    runs: list[dict[str, float]],
    load: tuple[float, float, float],
    work: Path,
) -> None:
    from orchestration.settings import FEED_SENSOR_INTERVAL_S

    latencies = [t.received - t.published for t in timings if t.received is not None]
    missing = [t.story.guid for t in timings if t.received is None]
    print(f"\nfeed sensor interval (default): {FEED_SENSOR_INTERVAL_S} s; work dir {work}")
    # Without bytecode caching every run's process compiles dagster, dbt and pandas anew.
    print(f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}")
    # The machine's load says how much of the latency is waiting for a CPU.
    print(f"load average when the last story was out: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("\nstory                                                        latency s")
    for t in timings:
        shown = f"{t.received - t.published:9.1f}" if t.received else "  never"
        print(f"  {t.story.title[:58]:58} {shown}")
    if not latencies:
        raise SystemExit("no alert reached the webhook")
    p50, p95, worst = _rank(latencies, 0.5), _rank(latencies, 0.95), max(latencies)
    # A scheduled run does this much and more (every source); a lower bound after its tick.
    after_tick = statistics.median(r["process + code load"] + r["steps"] for r in runs)
    print(f"\nfeed runs: {len(runs)} for {len(timings)} stories (a burst shares a run)")
    for name in ("waiting for the pool", "process + code load", "steps", "queued to end"):
        values = [r[name] for r in runs]
        print(f"  {name:21} median {statistics.median(values):6.1f} s  max {max(values):6.1f} s")

    print("\npublish -> webhook, seconds        p50      p95      max")
    print(
        f"  before: 15-min schedule only {0.5 * SCHEDULE_S + after_tick:8.1f} "
        f"{0.95 * SCHEDULE_S + after_tick:8.1f} {SCHEDULE_S + after_tick:8.1f}  (computed)"
    )
    print(f"  after:  feed sensor (default) {p50:7.1f} {p95:8.1f} {worst:8.1f}  (measured)")
    print(
        f"  p95 after / before: {p95 / (0.95 * SCHEDULE_S + after_tick):.3f}; "
        f"goal p95 <= {GOAL_P95_S:.0f} s: {'met' if p95 <= GOAL_P95_S else 'NOT met'}"
    )
    if missing:
        print(f"  NOT delivered within 600 s: {', '.join(missing)}")

    hours = quiet["seconds"] / 3600
    print(f"\nunchanged feed, {quiet['seconds']:.0f} s with nothing published:")
    print(
        f"  after:  {quiet['not_modified']:.0f} requests answered 304, {quiet['ok']:.0f} "
        f"answered 200, {quiet['runs']:.0f} runs "
        f"({quiet['not_modified'] / hours:.0f} conditional GETs an hour per feed)"
    )
    print(
        f"  before: the schedule starts {3600 / SCHEDULE_S:.0f} runs an hour whatever the "
        "feeds do (each a conditional GET of every source, a re-analysis of the day and an "
        "alerts pass)"
    )


if __name__ == "__main__":
    main()
