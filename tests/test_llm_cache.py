"""Answers reach raw.llm_cache as they arrive, so a run that dies keeps what it paid for.

The crash is real: the run is a separate process, killed with SIGKILL while the endpoint
(testservers/openai_server.py, on 127.0.0.1) hangs on a request half way through.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.analysis.cache import TABLE, AnswerCache, CachedAnswer, CacheKey
from orchestration.analysis.llm import OpenAICompatibleAnalyzer
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.tickers import default_reference
from orchestration.paths import PROJECT_ROOT
from orchestration.warehouse import connection as warehouse
from testservers.openai_server import FakeOpenAIServer

MANY = [
    ArticleText(
        f"c{i:02d}", f"Pfizer trial {i} beats estimates", f"Pfizer said trial {i} did well."
    )
    for i in range(40)
]
ARTICLES = MANY[:10]


def analyse_into(
    database: Path, base_url: str, flush_every: int = 1, concurrency: int = 1, count: int = 10
) -> OpenAICompatibleAnalyzer:
    """One run as the asset does it: prefetch the cache, call, save; answers flushed on the way."""
    analyzer = OpenAICompatibleAnalyzer(
        default_reference(),
        model="test-model",
        base_url=base_url,
        timeout_s=120,
        max_retries=0,
        concurrency=concurrency,  # 1: one answer at a time, so "half way" is well defined
        cache=AnswerCache(
            store=functools.partial(warehouse.connect, database), flush_every=flush_every
        ),
    )
    analyzer.analyze_many(MANY[:count])
    with warehouse.connect(database) as con:
        analyzer.cache.save(con)
    return analyzer


def cached_rows(database: Path) -> int:
    with warehouse.connect(database) as con:
        return con.execute(f"select count(*) from {TABLE}").fetchone()[0]


def answered(server: FakeOpenAIServer) -> list[str]:
    """User messages of the completions the server has answered with a 200 so far."""
    return [r.user_message for r in server.completions if r.status == 200]


def test_a_run_killed_half_way_keeps_its_answers_and_the_next_run_calls_only_the_rest(
    tmp_path: Path, openai_server: FakeOpenAIServer
):
    database = tmp_path / "warehouse.duckdb"
    openai_server.latency_s = 0.05
    run = _start_run(database, openai_server.base_url, "flush_every=2")
    try:
        deadline = time.monotonic() + 60
        while len(answered(openai_server)) < 5:
            assert run.poll() is None, run.stderr.read().decode() if run.stderr else ""
            assert time.monotonic() < deadline, "the run never got half way"
            time.sleep(0.01)
        openai_server.latency_s = 60  # the endpoint hangs: the run is stuck mid-call
        time.sleep(0.5)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        openai_server.latency_s = 0
    first = answered(openai_server)
    assert 5 <= len(first) < len(ARTICLES)
    kept = cached_rows(database)
    # Flushed in twos: at most the last odd answer is lost with the process.
    assert len(first) - 1 <= kept <= len(first)
    assert kept >= 4

    second = analyse_into(database, openai_server.base_url, flush_every=2)

    again = answered(openai_server)[len(first) :]
    assert second.stats.cache_hits == kept
    assert second.stats.requests == len(again) == len(ARTICLES) - kept
    assert len(set(again)) == len(again)
    assert set(again).isdisjoint(first[:kept])  # nothing already paid for is asked again
    assert cached_rows(database) == len(ARTICLES)


def test_a_run_killed_mid_flight_repays_at_most_the_answers_in_flight(
    tmp_path: Path, openai_server: FakeOpenAIServer
):
    database = tmp_path / "warehouse.duckdb"
    openai_server.latency_s = 0.3
    concurrency = 4
    run = _start_run(database, openai_server.base_url, f"concurrency={concurrency}, count=40")
    try:
        deadline = time.monotonic() + 60
        # Half way, in steady state: the writer has written an earlier burst of answers.
        while len(answered(openai_server)) < 5 or not _peek_rows(database):
            assert run.poll() is None, run.stderr.read().decode() if run.stderr else ""
            assert time.monotonic() < deadline, "the run never got half way"
            time.sleep(0.01)
        openai_server.latency_s = 60
    finally:
        # No grace period: the process dies while answers are arriving and being written.
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        openai_server.latency_s = 0
    first = answered(openai_server)
    assert len(first) < len(MANY)

    analyse_into(database, openai_server.base_url, count=40)

    again = answered(openai_server)[len(first) :]
    repaid = set(again) & set(first)
    assert len(repaid) <= concurrency
    assert cached_rows(database) == len(MANY)


def test_the_writer_thread_writes_answers_as_they_come_and_waits_out_a_lock(tmp_path: Path):
    database = tmp_path / "warehouse.duckdb"
    with warehouse.connect(database):
        pass
    holder = _hold_lock(database)
    cache = AnswerCache(store=functools.partial(warehouse.connect, database), flush_after_s=0.2)
    try:
        started = time.monotonic()
        for n in range(3):
            cache.put(*_answer(n))
        assert time.monotonic() - started < 0.5  # put never waits on the locked file
        time.sleep(0.5)
        assert cache.unsaved == 3  # the writer met the lock and kept every answer
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 30
    while cache.unsaved and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.unsaved == 0 and cached_rows(database) == 3
    cache.put(*_answer(3))
    with warehouse.connect(database) as con:
        assert cache.save(con) == 4  # the writer is stopped; the last answer is saved once
    assert cached_rows(database) == 4


def _start_run(database: Path, base_url: str, arguments: str) -> subprocess.Popen:
    """analyse_into(database, base_url, <arguments>) in a process of its own, to be killed."""
    code = (
        "import sys; from pathlib import Path; from tests.test_llm_cache import analyse_into; "
        f"analyse_into(Path(sys.argv[1]), sys.argv[2], {arguments})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(database), base_url],
        cwd=PROJECT_ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _hold_lock(database: Path) -> subprocess.Popen:
    """Another process that holds the DuckDB file's lock until it is killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(120)",
            str(database),
        ],
        start_new_session=True,
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    return holder


def _peek_rows(database: Path) -> int:
    """Cached rows as another process sees them; 0 while the run holds the file."""
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    except duckdb.Error:
        return 0


def _answer(n: int) -> tuple[CacheKey, CachedAnswer]:
    return CacheKey(f"h{n}", "m", "p", "s"), CachedAnswer("{}", 10, 5, 100, 0.0, 1)


def test_answers_are_written_every_n_and_after_t_seconds_and_counted_once(tmp_path: Path):
    database = tmp_path / "warehouse.duckdb"
    cache = AnswerCache(
        store=functools.partial(warehouse.connect, database),
        flush_every=3,
        flush_after_s=3600,
        background=False,  # the policy itself, without a writer thread's timing
    )
    for n in range(2):
        cache.put(*_answer(n))
    assert cached_rows(database) == 0 and cache.unsaved == 2
    cache.put(*_answer(2))
    assert cached_rows(database) == 3 and cache.unsaved == 0

    cache.flush_after_s = 0  # a slow run: every answer is older than the interval
    cache.put(*_answer(3))
    assert cached_rows(database) == 4

    with warehouse.connect(database) as con:
        assert cache.save(con) == 4  # the run's total, for the asset's metadata
    assert cached_rows(database) == 4


def test_a_warehouse_locked_by_another_process_delays_the_write_and_loses_nothing(
    tmp_path: Path,
):
    database = tmp_path / "warehouse.duckdb"
    with warehouse.connect(database):
        pass
    holder = _hold_lock(database)
    try:
        cache = AnswerCache(
            store=functools.partial(warehouse.connect, database), flush_every=1, background=False
        )
        cache.put(*_answer(0))  # the flush fails on the lock; the answer must survive it
        cache.put(*_answer(1))
        assert cache.unsaved == 2
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()

    assert cache.flush() == 2
    assert cached_rows(database) == 2
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(f"select count(distinct cache_key) from {TABLE}").fetchone() == (2,)
