"""Running many source reads at once, never more than a few against the same host."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_per_host(
    tasks: list[tuple[str | None, Callable[[], T]]], max_workers: int, max_per_host: int
) -> list[T]:
    """Each task's result in task order; tasks for one host (None: no host) share a limit."""
    if max_workers < 1 or max_per_host < 1:
        raise ValueError("max_workers and max_per_host must be at least 1")
    limits: dict[str, threading.Semaphore] = {
        host: threading.Semaphore(max_per_host) for host, _ in tasks if host is not None
    }

    def bounded(host: str | None, task: Callable[[], T]) -> T:
        if host is None:
            return task()
        with limits[host]:
            return task()

    if len(tasks) <= 1 or max_workers == 1:
        return [bounded(host, task) for host, task in tasks]
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="source") as pool:
        futures = [pool.submit(bounded, host, task) for host, task in tasks]
        return [future.result() for future in futures]
