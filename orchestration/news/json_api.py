"""Keyed JSON APIs that page through `next_url` (Polygon news and aggregates): one GET with
the key in a header, the per-minute pacing, and the only next pages we follow.

The key travels in an Authorization header, never in a URL we log, and an error message a
server echoes back has it blanked before it reaches a log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from orchestration.news.fetch import RetryPolicy, fetch

# 429s are part of an API's normal life, so API sources always retry a few times.
API_RETRY = RetryPolicy(attempts=4, base_delay_s=1.0, max_delay_s=65.0)


class ApiError(Exception):
    """The API answered, but not with data we can use; the message holds no secret."""


class MinuteLimiter:
    """Spaces requests evenly so a run stays under a provider's per-minute quota."""

    def __init__(
        self,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if self._next > now:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self._interval


def api_retry(retry: RetryPolicy) -> RetryPolicy:
    """The caller's policy when it retries at least as much as API_RETRY, else API_RETRY."""
    return retry if retry.attempts >= API_RETRY.attempts else API_RETRY


def get_json(
    url: str, client: httpx.Client, key: str, retry: RetryPolicy, *, needs_results: bool = True
) -> dict[str, Any]:
    """The JSON object behind `url`; an ApiError for anything else or an error status.

    `needs_results`: a page without a `results` list is an error (news); aggregates leave
    the key out for a range with no bars, so they pass False.
    """
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    fetched = fetch(url, client, retry=retry, headers=headers)
    host = httpx.URL(url).host
    try:
        payload = json.loads(fetched.content)
    except ValueError as exc:
        raise ApiError(f"{host} did not answer JSON") from exc
    if not isinstance(payload, dict):
        raise ApiError(f"{host} answered JSON that is not an object")
    if payload.get("status") == "ERROR" or (needs_results and "results" not in payload):
        detail = str(payload.get("error") or payload.get("message") or "no results")
        raise ApiError(f"{host} answered an error: {detail.replace(key, '…')[:200]}")
    results = payload.get("results")
    if results is not None and not isinstance(results, list):
        raise ApiError(f"{host} answered `results` that is not a list")
    return payload


def next_page_url(payload: Mapping[str, Any], base_url: str) -> str | None:
    """The next page, only on the API's own host: our key is never sent anywhere else."""
    next_url = payload.get("next_url")
    if not next_url:
        return None
    base, target = httpx.URL(base_url), httpx.URL(str(next_url))
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        raise ApiError(f"next_url points at {target.host}, not {base.host}: not followed")
    return str(next_url)
