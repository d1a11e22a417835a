"""Ingestion every few seconds during a 30-day backfill, on the DuckLake of a production stack.

The servers are those of scripts/cluster/up.sh with CLUSTER_WAREHOUSE=ducklake. The
backfill is launched as the UI launches it (launchPartitionBackfill) and run by the real
backfill daemon; meanwhile the test plays the 5-minute ingest schedule on a compressed
clock, launching ingest_job for today every TICK_S seconds while the live feed gains items
(and repeats the last version's). Afterwards every article is in raw.articles exactly once,
analysed exactly once, and the marts hold every backfilled day. In file mode the one-writer
pool makes ingestion wait for the backfill by design, so there is nothing concurrent to test.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from orchestration.definitions import build_defs
from orchestration.news.sources import Source, collect
from orchestration.pools import LAKE_POOL_PREFIX, lake_pools
from orchestration.resources import build_resources
from tests import cluster_news
from testservers.launchpad import launch_backfill, launch_run


def _why_not_here() -> str:
    """Why the cluster test cannot run in this environment; empty when it can."""
    if not os.environ.get("TICKERPULSE_WORKSPACE"):
        return "needs the servers of scripts/cluster/up.sh (run `make test-cluster`)"
    if not os.environ.get("TICKERPULSE_WAREHOUSE", "").startswith("ducklake:"):
        return (
            "file mode: the one-writer pool serialises ingestion behind the backfill by "
            "design; run with CLUSTER_WAREHOUSE=ducklake"
        )
    return ""


# 30 days that end before the demo's first day (2026-11-16), so the demo test's rows and
# these never share a day whatever the date today.
BACKFILL_DAYS = [date(2026, 10, 17) + timedelta(days=n) for n in range(30)]
TICK_S = 10  # the 5-minute schedule, compressed; a run reads the feed before the next tick
MIN_TICKS = 3
RUN_TIMEOUT_S = 900
BACKFILL_DONE = {
    BulkActionStatus.COMPLETED_SUCCESS,
    BulkActionStatus.COMPLETED_FAILED,
    BulkActionStatus.FAILED,
    BulkActionStatus.CANCELED,
}


@functools.cache
def _writers() -> dict[str, str]:
    """Steps that write the lake, by op name, and the lake pool each is in."""
    nodes = (asset.node_def for asset in build_defs().resolve_asset_graph().assets_defs)
    return {
        node.name: node.pool
        for node in nodes
        if isinstance(node, dg.OpDefinition) and (node.pool or "").startswith(LAKE_POOL_PREFIX)
    }


@pytest.fixture(scope="module")
def workspace() -> Iterator[WorkspaceProcessContext]:
    with dg.DagsterInstance.get() as instance:
        target = WorkspaceFileTarget([os.environ["TICKERPULSE_WORKSPACE"]])
        with WorkspaceProcessContext(instance, target) as context:
            yield context


def _step_ended(instance: dg.DagsterInstance, run_id: str, step: str) -> bool:
    run = instance.get_run_by_id(run_id)
    if run.is_finished:
        return True
    return any(
        record.step_key == step
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    )


def _finished(instance: dg.DagsterInstance, run_ids: list[str]) -> bool:
    return all(instance.get_run_by_id(run_id).is_finished for run_id in run_ids)


def _with_retries(instance: dg.DagsterInstance, run_ids: list[str]) -> list[dg.DagsterRun]:
    """The runs and every run the instance's run retries made of them."""
    runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
    for run_id in run_ids:
        runs += instance.get_runs(filters=dg.RunsFilter(tags={"dagster/root_run_id": run_id}))
    return runs


def _settled(instance: dg.DagsterInstance, roots: list[str]) -> bool:
    """Every run has finished and no retry of a failed one is pending."""
    runs = _with_retries(instance, roots)
    if not all(run.is_finished for run in runs):
        return False
    retried = {run.tags.get("dagster/parent_run_id") for run in runs}
    failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
    # A failed run's retry is queued within a daemon loop; give up on one after 60 s.
    return all(r.run_id in retried or _age_s(instance, r) > 60 for r in failed)


def _age_s(instance: dg.DagsterInstance, run: dg.DagsterRun) -> float:
    record = instance.get_run_record_by_id(run.run_id)
    return time.time() - record.update_timestamp.timestamp()


def _outcome(runs: list[dg.DagsterRun]) -> tuple[int, int]:
    """(root runs whose last try succeeded, retried runs)."""
    by_root: dict[str, list[dg.DagsterRun]] = defaultdict(list)
    for run in runs:
        by_root[run.tags.get("dagster/root_run_id", run.run_id)].append(run)
    succeeded = 0
    for tries in by_root.values():
        last = max(tries, key=lambda r: int(r.tags.get("dagster/retry_number", "0")))
        succeeded += last.status == dg.DagsterRunStatus.SUCCESS
    return succeeded, sum("dagster/parent_run_id" in run.tags for run in runs)


def _writing_steps(
    instance: dg.DagsterInstance, runs: list[dg.DagsterRun]
) -> list[tuple[float, float, str, str]]:
    """(start, end, pool, run id) of every lake-writing step the runs executed."""
    steps = []
    for run in runs:
        starts: dict[str, float] = {}
        for record in instance.all_logs(run.run_id):
            kind, step = record.dagster_event_type, record.step_key
            if step not in _writers() or kind is None:
                continue
            if kind == dg.DagsterEventType.STEP_START:
                starts[step] = record.timestamp
            elif (
                kind
                in (
                    dg.DagsterEventType.STEP_SUCCESS,
                    dg.DagsterEventType.STEP_FAILURE,
                    dg.DagsterEventType.STEP_UP_FOR_RETRY,
                )
                and step in starts
            ):
                steps.append((starts.pop(step), record.timestamp, _writers()[step], run.run_id))
    return steps


def _most_at_once(steps: list[tuple[float, float, str, str]]) -> dict[str, int]:
    """Per pool, the largest number of its steps that ran at the same moment."""
    # At equal times an end sorts before a start: steps that touch did not overlap.
    edges = sorted(
        [(s, +1, pool) for s, _, pool, _ in steps] + [(e, -1, p) for _, e, p, _ in steps]
    )
    running: Counter[str] = Counter()
    most: Counter[str] = Counter()
    for _, change, pool in edges:
        running[pool] += change
        most[pool] = max(most[pool], running[pool])
    return dict(most)


def _overlap_s(
    ours: list[tuple[float, float, str, str]], theirs: list[tuple[float, float, str, str]]
) -> tuple[float, set[tuple[str, str]]]:
    """Seconds during which a step of `ours` and one of `theirs` ran at once, and their pools."""
    total, pools = 0.0, set()
    for start, end, pool, _ in ours:
        for other_start, other_end, other_pool, _ in theirs:
            shared = min(end, other_end) - max(start, other_start)
            if shared > 0:
                total += shared
                pools.add((pool, other_pool))
    return total, pools


def test_the_invented_news_reads_as_exactly_the_articles_the_test_counts(tmp_path: Path) -> None:
    # The cluster test's counts hold only if ingestion folds no two invented stories into one
    # and each feed version lists the items it should; the real readers and dedup say so.
    (tmp_path / "drop").mkdir()
    urls = cluster_news.write_history(tmp_path / "drop", BACKFILL_DAYS)
    history, _ = collect([Source("history", "file_drop", str(tmp_path / "drop"))])
    assert {a.url for a in history} == set(urls)
    published = Counter(a.published_at.date() for a in history)
    assert published == cluster_news.per_day_counts(BACKFILL_DAYS)

    today, seen = date(2026, 12, 2), Counter()
    feed = Source("live", "feed", str(tmp_path / "live.xml"))
    for version in range(4):
        listed = cluster_news.write_feed(tmp_path / "live.xml", today, version)
        items, _ = collect([feed])
        assert sorted(a.url for a in items) == sorted(listed)
        assert {a.published_at.date() for a in items} == {today}
        seen.update(listed)
    # Every item but the newest version's was listed twice: a repeat for dedup.
    assert len(seen) == 4 * cluster_news.FEED_NEW_PER_TICK
    assert sorted(set(seen.values())) == [1, 2]


@pytest.mark.cluster
@pytest.mark.skipif(bool(_why_not_here()), reason=_why_not_here())
def test_ingestion_every_few_seconds_during_a_30_day_backfill_loses_and_doubles_nothing(
    workspace: WorkspaceProcessContext,
) -> None:
    instance = workspace.instance
    news = Path(os.environ["TICKERPULSE_SOURCES"]).parent / "news"
    live_feed = news / "live.xml"
    today = datetime.now(tz=UTC).date()
    history = cluster_news.write_history(news / "drop", BACKFILL_DAYS)
    with _warehouse() as con:
        has_reference = con.execute("select count(*) from raw.tickers").fetchone()[0] > 0
    if not has_reference:  # this test alone: the reference data the demo test would load
        reference = launch_run(workspace, "reference_job")
        _wait(lambda: _finished(instance, [reference]), "reference_job")

    started = time.monotonic()
    days = [day.isoformat() for day in BACKFILL_DAYS]
    backfill = launch_backfill(workspace, days, "30 days during ingestion")
    feed_urls: set[str] = set()
    ingests: list[str] = []
    last_launch = 0.0

    def backfill_done() -> bool:
        return instance.get_backfill(backfill).status in BACKFILL_DONE

    def tick_ready() -> bool:
        return not ingests or _step_ended(instance, ingests[-1], "raw_articles")

    def publish_and_launch() -> None:
        feed_urls.update(cluster_news.write_feed(live_feed, today, len(ingests)))
        ingests.append(launch_run(workspace, "ingest_job", {"dagster/partition": str(today)}))

    # The schedule's ticks. The next feed version is published once the previous run has
    # read the feed (its raw_articles step ended): a real feed may drop an item no run saw,
    # which no pipeline can land; here every item is read at least once, most twice.
    while len(ingests) < MIN_TICKS or not backfill_done():
        now = time.monotonic()
        if now - started > RUN_TIMEOUT_S:
            pytest.fail(f"backfill {instance.get_backfill(backfill).status} after {now:.0f} s")
        if tick_ready() and now - last_launch >= TICK_S:
            publish_and_launch()
            last_launch = now
        time.sleep(1)
    backfill_s = time.monotonic() - started
    _wait(lambda: _settled(instance, ingests), "the ingest runs")

    backfill_runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": backfill}))
    ingest_runs = _with_retries(instance, ingests)
    ingest_ok, ingest_retries = _outcome(ingest_runs)
    backfill_ok, backfill_retries = _outcome(backfill_runs)
    step_retries = sum(
        len(instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY))
        for run in [*backfill_runs, *ingest_runs]
    )
    # Conflicts retried in place (warehouse/conflicts.py) are logged by the celery workers.
    worker_logs = Path(os.environ["TICKERPULSE_SOURCES"]).parent / "logs"
    in_place = sum(
        log.read_text(errors="replace").count("DuckLake transaction conflict")
        for log in worker_logs.glob("celery_worker_*.log")
    )
    backfill_steps = _writing_steps(instance, backfill_runs)
    ingest_steps = _writing_steps(instance, ingest_runs)
    overlap, pool_pairs = _overlap_s(ingest_steps, backfill_steps)
    backfill_end = max(end for _, end, _, _ in backfill_steps)
    ingest_ends = [
        instance.get_run_record_by_id(run.run_id).end_time or 0.0
        for run in ingest_runs
        if run.status == dg.DagsterRunStatus.SUCCESS
    ]
    print(
        f"\nbackfill {backfill_s:.0f} s ({len(backfill_runs)} run(s), {backfill_retries} run "
        f"retries); ingest runs launched {len(ingests)}, succeeded {ingest_ok}, run retries "
        f"{ingest_retries}; step retries {step_retries}; conflicts retried in place {in_place}; "
        f"writing overlap {overlap:.1f} s over "
        f"pools {sorted(pool_pairs)}; ingest runs finished before the backfill's last write: "
        f"{sum(end < backfill_end for end in ingest_ends)}; most steps at once per pool "
        f"{_most_at_once(backfill_steps + ingest_steps)}"
    )

    # No run failed for good: a failure is allowed only where its retry then succeeded.
    assert instance.get_backfill(backfill).status == BulkActionStatus.COMPLETED_SUCCESS
    assert backfill_ok == len({r.tags.get("dagster/root_run_id", r.run_id) for r in backfill_runs})
    assert ingest_ok == len(ingests), [(r.run_id, r.status.value) for r in ingest_runs]

    # Concurrency happened: ingestion wrote while the backfill wrote, and finished first.
    assert overlap > 0, "no ingest step ran while a backfill step wrote the lake"
    assert any(ours != theirs for ours, theirs in pool_pairs), pool_pairs
    assert any(end < backfill_end for end in ingest_ends), "every ingestion waited"
    # ...and writers of one table group never exceeded their pool's limit.
    limits = lake_pools()
    for pool, most in _most_at_once(backfill_steps + ingest_steps).items():
        assert most <= limits[pool], f"{most} steps of pool {pool} ran at once"

    days = [*BACKFILL_DAYS, today]
    expected = {**cluster_news.per_day_counts(BACKFILL_DAYS), today: len(feed_urls)}
    with _warehouse() as con:
        landed = dict(
            con.execute(
                "select partition_date, count(*) from raw.articles "
                "where list_contains(?, partition_date) group by 1",
                [days],
            ).fetchall()
        )
        urls = Counter(
            url
            for (url,) in con.execute(
                "select url from raw.articles where list_contains(?, partition_date)", [days]
            ).fetchall()
        )
        analyses = Counter(
            article_id
            for (article_id,) in con.execute(
                "select an.article_id from raw.article_analysis an join raw.articles a "
                "using (article_id) where list_contains(?, a.partition_date)",
                [days],
            ).fetchall()
        )
        article_ids = {
            article_id
            for (article_id,) in con.execute(
                "select article_id from raw.articles where list_contains(?, partition_date)",
                [days],
            ).fetchall()
        }
        in_marts = dict(
            con.execute(
                "select published_date, count(*) from marts.fct_article_sentiment "
                "where list_contains(?, published_date) group by 1",
                [BACKFILL_DAYS],
            ).fetchall()
        )
    assert landed == expected
    assert set(urls) == set(history) | feed_urls
    assert [url for url, n in urls.items() if n > 1] == []
    assert set(analyses) == article_ids
    assert [article_id for article_id, n in analyses.items() if n > 1] == []
    # The backfill built the marts of its days; today's are the after-close run's job, which
    # would add a whole dbt build to this test's minutes for what the demo test checks.
    assert in_marts == cluster_news.per_day_counts(BACKFILL_DAYS)


@contextlib.contextmanager
def _warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse the runs write, as their resource opens it."""
    with (
        dg.build_resources({"warehouse": build_resources()["warehouse"]}) as resources,
        resources.warehouse.connect(read_only=True) as con,
    ):
        yield con


def _wait(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} unfinished after {RUN_TIMEOUT_S} s")
        time.sleep(1)
