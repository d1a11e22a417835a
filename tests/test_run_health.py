"""Telling a dead run worker from a live one, and the sensor that fails dead runs.

The processes are real: this test's own process is a live worker, a child that has exited
is a dead one. The runs live in a real (ephemeral) Dagster instance.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import dagster as dg

from orchestration.definitions import defs
from orchestration.operations.run_health import (
    WORKER_TAG,
    Health,
    Place,
    Worker,
    judge,
    process_start,
)
from orchestration.sensors import dead_run_sensor


def _exited_worker(run_id: str) -> Worker:
    """The identity a worker that has since exited recorded: a real child process, reaped."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    started = process_start(child.pid)
    assert started is not None
    child.communicate(b"")
    alive = Worker.this_process(run_id)
    assert alive is not None
    return dataclasses.replace(alive, pid=child.pid, started=started)


def test_this_process_is_alive_where_it_runs():
    worker = Worker.this_process("run-1")
    assert worker is not None and worker.pid == os.getpid()
    verdict = judge(worker, Place.here())
    assert verdict.health is Health.ALIVE


def test_an_exited_worker_is_gone_and_the_reason_names_its_pid():
    worker = _exited_worker("run-1")
    verdict = judge(worker, Place.here())
    assert verdict.health is Health.GONE
    assert verdict.reason == f"pid {worker.pid} on {worker.host}: the process no longer exists"


def test_a_reused_pid_is_not_mistaken_for_the_worker():
    # The pid exists (it is ours) but that process started at another moment.
    original = Worker.this_process("run-1")
    earlier = dataclasses.replace(original, started=original.started - 1)
    verdict = judge(earlier, Place.here())
    assert verdict.health is Health.GONE and "pid was reused" in verdict.reason


def test_a_reboot_ends_every_worker_of_the_host():
    worker = dataclasses.replace(Worker.this_process("run-1"), boot="an-earlier-boot")
    assert judge(worker, Place.here()).health is Health.GONE


def test_workers_of_another_host_or_pid_namespace_are_never_judged():
    dead = _exited_worker("run-1")
    elsewhere = [
        dataclasses.replace(dead, host="another-host"),
        dataclasses.replace(dead, namespace="another-container"),
    ]
    for worker in elsewhere:
        assert judge(worker, Place.here()).health is Health.ELSEWHERE


def test_a_record_copied_from_another_run_or_unreadable_is_ignored():
    worker = Worker.this_process("parent-run")
    # A re-execution inherits its parent's tags before its own worker starts.
    assert Worker.from_tags("retry-run", {WORKER_TAG: worker.to_tag()}) is None
    assert Worker.from_tags("parent-run", {WORKER_TAG: worker.to_tag()}) == worker
    assert Worker.from_tags("parent-run", {WORKER_TAG: "{not json"}) is None
    assert Worker.from_tags("parent-run", {}) is None


def _active_run(
    instance: dg.DagsterInstance,
    worker: Worker | None,
    status: dg.DagsterRunStatus = dg.DagsterRunStatus.STARTED,
) -> dg.DagsterRun:
    run = instance.create_run_for_job(defs.resolve_job_def("reference_job"), status=status)
    if worker is not None:
        worker = dataclasses.replace(worker, run_id=run.run_id)
        instance.add_run_tags(run.run_id, {WORKER_TAG: worker.to_tag()})
    return run


def test_the_sensor_fails_only_runs_whose_worker_is_provably_gone():
    with dg.instance_for_test() as instance:
        dead = _exited_worker("")
        dead_run = _active_run(instance, dead)
        live_run = _active_run(instance, Worker.this_process(""))
        remote_run = _active_run(instance, dataclasses.replace(dead, host="another-host"))
        unrecorded_run = _active_run(instance, None)
        # Terminated from the UI, but the worker that would have ended it is gone too.
        canceling_run = _active_run(instance, dead, dg.DagsterRunStatus.CANCELING)

        with dg.build_sensor_context(instance=instance) as context:
            result = dead_run_sensor(context)

        assert result.skip_message == (
            "2 dead runs ended; 1 running here, 1 on other hosts (left alone), "
            "1 without a worker record yet"
        )
        status = {r.run_id: r.status for r in instance.get_runs()}
        assert status[dead_run.run_id] == dg.DagsterRunStatus.FAILURE
        assert status[canceling_run.run_id] == dg.DagsterRunStatus.CANCELED
        for run in (live_run, remote_run, unrecorded_run):
            assert status[run.run_id] == dg.DagsterRunStatus.STARTED
        [failure] = instance.all_logs(dead_run.run_id, of_type=dg.DagsterEventType.PIPELINE_FAILURE)
        assert failure.message == (
            f"Run worker pid {dead.pid} on {dead.host}: the process no longer exists. "
            "dead_run_sensor marked the run failed so that it no longer holds its pools."
        )
