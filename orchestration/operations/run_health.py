"""Whether a run's worker process still exists: who it was, recorded at start; checked later.

A run whose host side died with its worker (a killed daemon group, an OOM kill, a reboot, a
killed `tickerpulse demo`) stays STARTED in Dagster and holds the one-writer pool. Its
worker recorded a `Worker` when it started; a checker on the same host and PID namespace
can then prove the process gone: the pid no longer exists, belongs to a process started at
another moment (pid reuse), or the machine has booted since. Anything it cannot prove (a
worker on another host or in another container, a record it cannot read) is left alone.

Linux only (/proc): elsewhere no worker is recorded and no run is ever judged.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

WORKER_TAG = "tickerpulse/worker"

_PROC = Path("/proc")
_BOOT_ID = _PROC / "sys/kernel/random/boot_id"
_MACHINE_ID = Path("/etc/machine-id")
# /proc/<pid>/stat after the command name: state is field 3 and starttime field 22.
_STATE, _START_TICKS = 0, 19


@dataclass(frozen=True)
class Place:
    """Where pids mean something: a host, and the PID namespace on it, in one boot."""

    host: str
    namespace: str  # machine id and PID namespace: containers on one host have their own pids
    boot: str  # the kernel's boot id: a new one means every process of the old boot is gone

    @classmethod
    def here(cls) -> Place | None:
        try:
            boot = _BOOT_ID.read_text().strip()
            pid_namespace = os.readlink(_PROC / "self/ns/pid")
        except OSError:
            return None
        try:
            machine = _MACHINE_ID.read_text().strip()
        except OSError:
            machine = ""
        return cls(socket.gethostname(), f"{machine}/{pid_namespace}", boot)


@dataclass(frozen=True)
class Worker:
    """The process executing one run, as it recorded itself when it started."""

    run_id: str
    host: str
    namespace: str
    boot: str
    pid: int
    started: int  # clock ticks after boot: tells the original process from a reused pid

    @classmethod
    def this_process(cls, run_id: str) -> Worker | None:
        place = Place.here()
        pid = os.getpid()
        started = process_start(pid)
        if place is None or started is None:
            return None
        return cls(run_id, place.host, place.namespace, place.boot, pid, started)

    def to_tag(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_tags(cls, run_id: str, tags: Mapping[str, str]) -> Worker | None:
        """The worker recorded for this run; None when absent, unreadable or inherited.

        A re-execution copies its parent's tags, so a record naming another run says
        nothing about this one until its own worker overwrites it.
        """
        try:
            worker = cls(**json.loads(tags[WORKER_TAG]))
        except (KeyError, TypeError, ValueError):
            return None
        return worker if worker.run_id == run_id else None


class Health(Enum):
    ALIVE = "alive"
    GONE = "gone"
    ELSEWHERE = "elsewhere"  # another host or PID namespace: nothing can be proven from here


@dataclass(frozen=True)
class Verdict:
    health: Health
    reason: str


def process_start(pid: int) -> int | None:
    """When process `pid` started, in clock ticks after boot; None if it has exited."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces and parentheses; it ends at the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[_STATE] in {"Z", "X"}:
        return None  # exited, only waiting for its parent to reap it
    return int(fields[_START_TICKS])


def judge(worker: Worker, here: Place) -> Verdict:
    """Whether `worker` is provably gone, as seen from `here`."""
    who = f"pid {worker.pid} on {worker.host}"
    if (worker.host, worker.namespace) != (here.host, here.namespace):
        return Verdict(Health.ELSEWHERE, f"{who}: another host or PID namespace than {here.host}")
    if worker.boot != here.boot:
        return Verdict(Health.GONE, f"{who}: the host has rebooted since the run started")
    started = process_start(worker.pid)
    if started is None:
        return Verdict(Health.GONE, f"{who}: the process no longer exists")
    if started != worker.started:
        return Verdict(Health.GONE, f"{who}: the process has exited and its pid was reused")
    return Verdict(Health.ALIVE, f"{who}: running")
