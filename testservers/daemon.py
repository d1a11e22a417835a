"""`dagster-daemon run` on a temporary DAGSTER_HOME, the way a service manager starts it.

It runs in a process group of its own, so that stopping it takes its code server and the
run workers it launched with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import pytest

from orchestration.paths import PROJECT_ROOT

DAEMON = Path(sys.executable).with_name("dagster-daemon")


@contextmanager
def daemon(log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """The daemon over the project's workspace; SIGKILLed as a group on exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(DAEMON), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")],
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout_s: float, what: str, log: Path, poll_s: float = 0.5
) -> T:
    """condition()'s first truthy value; a test failure quoting the daemon log's end if none
    comes within timeout_s."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"waited {timeout_s:.0f} s for {what}; daemon log ends:\n{tail}")
        time.sleep(poll_s)
    return value
