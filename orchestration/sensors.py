"""Sensors: ingest as soon as a drop file arrives or a feed changes, not only on the clock;
fail runs whose worker is provably gone, so they free the one-writer pool.

The ingest sensors ask cheap questions (orchestration/news/watch.py) and never write the
warehouse; they peek at it read-only and carry on from their cursors when a run holds the
file. The dead-run sensor judges workers with orchestration/operations/run_health.py.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.jobs import daily_news_job, ingest_job
from orchestration.news import file_drop, http_state, realtime, watch
from orchestration.news.fetch import http_client
from orchestration.news.sources import load_sources
from orchestration.operations import run_health
from orchestration.partitions import (
    PARTITIONS_START,
    PARTITIONS_START_ENV,
    RANGE_END,
    RANGE_START,
    split_by_range,
)
from orchestration.paths import project_path
from orchestration.resources import NewsSourcesResource, WarehouseResource

# Dagster's own run tags: the partition of a run, and its place in the run queue (higher
# first), so that a feed's run goes ahead of backfill runs queued for the same pool.
PARTITION_TAG = "dagster/partition"
PRIORITY_TAG = "dagster/priority"
_INGESTING_JOBS = {ingest_job.name, daily_news_job.name}
_RAW_ARTICLES = dg.AssetKey("raw_articles")


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=settings.sensor_interval_s("TICKERPULSE_DROP_SENSOR_INTERVAL_S", 60),
    default_status=settings.sensor_status("TICKERPULSE_DROP_SENSOR", "on"),
    description="A new or changed file in a file_drop folder -> ingest_job for the days "
    "inside it (TICKERPULSE_DROP_SENSOR=on|off, TICKERPULSE_DROP_SENSOR_INTERVAL_S).",
)
def file_drop_sensor(
    context: dg.SensorEvaluationContext,
    news_sources: NewsSourcesResource,
    warehouse: WarehouseResource,
) -> dg.SensorResult | dg.SkipReason:
    sources = load_sources(project_path(news_sources.sources_file))
    folders = [
        (project_path(s.location), file_drop.DropOptions.from_source(s.options))
        for s in sources
        if s.kind == "file_drop"
    ]
    if not folders:
        return dg.SkipReason("no file_drop source is enabled")
    seen = set(json.loads(context.cursor or "[]"))
    landed = watch.peek(warehouse.location, file_drop.landed_versions) or set()
    now = datetime.now(tz=UTC)
    check = watch.check_drops(folders, seen, landed, now)
    for note in check.notes:
        context.log.warning(note)
    # Every version now in the folders has been requested or landed once this tick is done;
    # files long gone drop out, so the cursor does not grow without end.
    cursor = json.dumps(sorted(check.present))
    if not check.new:
        return dg.SensorResult(skip_reason="no new drop files", cursor=cursor)
    inside, before = split_by_range(check.dates, now)
    keys = [d.isoformat() for d in inside]
    names = ", ".join(sorted(Path(f.path).name for f in check.new))
    if before:
        context.log.warning(
            f"new drop files ({names}) hold rows on {len(before)} days before the first "
            f"partition, {PARTITIONS_START} ({before[0]} .. {before[-1]}): they are not "
            f"ingested; set {PARTITIONS_START_ENV}={before[0]} to load them"
        )
    if not keys:
        return dg.SensorResult(
            skip_reason=f"new drop files ({names}) hold no rows in a partition's range "
            f"({PARTITIONS_START} .. today, {PARTITIONS_START_ENV})",
            cursor=cursor,
        )
    run_key = f"file-drop:{keys[0]}..{keys[-1]}:{watch.digest(map(watch.version_key, check.new))}"
    context.log.info(f"new drop files {names}: ingesting {keys[0]} .. {keys[-1]}")
    return dg.SensorResult(run_requests=[_request(run_key, keys[0], keys[-1])], cursor=cursor)


def _request(run_key: str, first: str, last: str) -> dg.RunRequest:
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first)
    # One run lands every day of the range from one read, as a single-run backfill does.
    return dg.RunRequest(run_key=run_key, tags={RANGE_START: first, RANGE_END: last})


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=settings.sensor_interval_s(
        settings.FEED_SENSOR_INTERVAL_ENV, settings.FEED_SENSOR_INTERVAL_S
    ),
    default_status=settings.sensor_status(settings.FEED_SENSOR_ENV, "on"),
    description="Real-time alerts: a feed that changed (conditional GET: 304 means no) -> "
    "ingest_job for today, reading only the changed feeds; a burst folds into the run "
    f"already queued ({settings.FEED_SENSOR_ENV}=on|off, {settings.FEED_SENSOR_INTERVAL_ENV}).",
)
def feed_sensor(
    context: dg.SensorEvaluationContext,
    news_sources: NewsSourcesResource,
    warehouse: WarehouseResource,
) -> dg.SensorResult | dg.SkipReason:
    sources = load_sources(project_path(news_sources.sources_file))
    feeds = [(s.name, s.location) for s in sources if s.kind == "feed"]
    if not feeds:
        return dg.SkipReason("no feed source is enabled")
    states, owed = _feed_cursor(context.cursor)
    # Validators the last run stored, for feeds this sensor has not looked at yet.
    missing = any(name not in states for name, _ in feeds)
    stored = (watch.peek(warehouse.location, http_state.load_validators) or {}) if missing else {}
    with http_client(news_sources.timeout_s) as client:
        checks = watch.check_feeds(feeds, client, states, stored, news_sources.max_per_host)
    for check in checks:
        if check.message:
            context.log.warning(f"feed check failed: {check.message}")
    names = {name for name, _ in feeds}
    kept = {n: s for n, s in states.items() if n in names}
    kept |= {c.name: c.state for c in checks if c.state is not None}
    changed = {c.name for c in checks if c.changed} | (owed & names)
    if not changed:
        return dg.SensorResult(
            skip_reason=f"{len(feeds)} feeds unchanged", cursor=_feed_cursor_json(kept, set())
        )
    today = datetime.now(tz=UTC).date().isoformat()
    step = realtime.plan(changed, _waiting_sources(context.instance, today))
    cursor = _feed_cursor_json(kept, set(step.owed))
    if not step.request:
        return dg.SensorResult(
            skip_reason=f"changed feeds wait for the queued run: {len(step.covered)} read by "
            f"it, {len(step.owed)} owed until it starts",
            cursor=cursor,
        )
    versions = [f"{n}:{json.dumps(kept[n].to_json(), sort_keys=True)}" for n in step.request]
    run_key = f"feeds:{today}:{watch.digest(versions)}"
    context.log.info(
        f"changed feeds: {', '.join(step.request)}"
        + (f" ({', '.join(step.covered)} read by the queued run)" if step.covered else "")
    )
    tags = {realtime.SOURCES_TAG: realtime.sources_tag(step.request), PRIORITY_TAG: "1"}
    request = dg.RunRequest(run_key=run_key, partition_key=today, tags=tags)
    return dg.SensorResult(run_requests=[request], cursor=cursor)


def _feed_cursor(cursor: str | None) -> tuple[dict[str, watch.FeedState], set[str]]:
    """The feed states last seen and the changed feeds still owed a run."""
    value = json.loads(cursor or "{}")
    if not isinstance(value.get("feeds"), dict):  # the cursor before owed feeds: states only
        value = {"feeds": value, "owed": []}
    states = {name: watch.FeedState.from_json(v) for name, v in value["feeds"].items()}
    return states, set(value.get("owed", []))


def _feed_cursor_json(states: dict[str, watch.FeedState], owed: set[str]) -> str:
    feeds = {name: state.to_json() for name, state in sorted(states.items())}
    return json.dumps({"feeds": feeds, "owed": sorted(owed)})


# Runs whose raw_articles has not fetched yet: a STARTING run's worker is still loading.
_WAITING = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
]


def _waiting_sources(instance: dg.DagsterInstance, day: str) -> list[frozenset[str] | None]:
    """The sources each run of `day` that has not started yet will read (None: all)."""
    waiting = []
    for run in instance.get_runs(
        filters=dg.RunsFilter(statuses=_WAITING, tags={PARTITION_TAG: day})
    ):
        if run.job_name not in _INGESTING_JOBS:
            continue
        if run.asset_selection is not None and _RAW_ARTICLES not in run.asset_selection:
            continue
        try:
            waiting.append(realtime.sources_from_tag(run.tags.get(realtime.SOURCES_TAG)))
        except realtime.SourcesTagError:
            continue  # the run fails on its tag when it starts; it reads nothing
    return waiting


_ACTIVE = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


@dg.sensor(
    minimum_interval_seconds=settings.sensor_interval_s(settings.DEAD_RUN_INTERVAL_ENV, 30),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A run whose worker process is provably gone (killed with the daemon, a "
    "killed demo, a reboot) -> marked failed, which frees the duckdb_warehouse pool; runs "
    f"of other hosts are left alone ({settings.DEAD_RUN_INTERVAL_ENV}).",
)
def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    here = run_health.Place.here()
    if here is None:
        return dg.SkipReason("no /proc here: run workers cannot be checked")
    instance = context.instance
    seen: dict[run_health.Health | None, int] = {}
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE)):
        worker = run_health.Worker.from_tags(run.run_id, run.tags)
        verdict = run_health.judge(worker, here) if worker else None
        health = verdict.health if verdict else None
        seen[health] = seen.get(health, 0) + 1
        if verdict is None or verdict.health is not run_health.Health.GONE:
            continue
        # A worker exits right after recording success: only a run still active is dead.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in _ACTIVE:
            continue
        message = (
            f"Run worker {verdict.reason}. dead_run_sensor marked the run "
            f"{'canceled' if current.status == dg.DagsterRunStatus.CANCELING else 'failed'} "
            "so that it no longer holds its pools."
        )
        context.log.warning(f"run {run.run_id}: {message}")
        if current.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(current, message)
        else:
            instance.report_run_failed(current, message)
    return dg.SkipReason(
        f"{seen.get(run_health.Health.GONE, 0)} dead runs ended; "
        f"{seen.get(run_health.Health.ALIVE, 0)} running here, "
        f"{seen.get(run_health.Health.ELSEWHERE, 0)} on other hosts (left alone), "
        f"{seen.get(None, 0)} without a worker record yet"
    )


SENSORS = [file_drop_sensor, feed_sensor, dead_run_sensor]
