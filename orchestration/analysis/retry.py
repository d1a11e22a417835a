"""When to retry an LLM call, how long to wait, and when to stop calling altogether."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import openai

RETRY_STATUSES = frozenset({408, 409, 429})  # and every 5xx
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def is_retryable(exc: BaseException) -> bool:
    """Rate limits, server errors, timeouts and dropped connections are worth another try."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return False


def server_delay(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say.

    retry-after-ms (OpenAI, Azure) wins over Retry-After (seconds or an HTTP date); without
    either, a 429's x-ratelimit-reset-* header for the limit that reached 0 (e.g. "6m0s").
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    if (value := _number(lowered.get("retry-after-ms"))) is not None:
        return value / 1000
    retry_after = lowered.get("retry-after")
    if retry_after is not None:
        if (value := _number(retry_after)) is not None:
            return value
        try:
            return max(
                0.0, (parsedate_to_datetime(retry_after) - datetime.now(UTC)).total_seconds()
            )
        except (TypeError, ValueError):
            pass
    resets = [
        _duration(lowered.get(f"x-ratelimit-reset-{kind}"))
        for kind in ("requests", "tokens")
        if lowered.get(f"x-ratelimit-remaining-{kind}") == "0"
    ]
    found = [r for r in resets if r is not None]
    return max(found) if found else None


def backoff_delay(
    exc: BaseException,
    attempt: int,
    base_s: float,
    cap_s: float,
    rng: random.Random | None = None,
) -> float:
    """Wait before retry number `attempt` (0-based).

    The server's own figure plus up to 10% jitter when it gave one, else full-jitter
    exponential backoff: uniform(0, min(cap, base * 2**attempt)). Never longer than `cap_s`.
    """
    rng = rng or random
    response = getattr(exc, "response", None)
    asked = server_delay(response.headers) if response is not None else None
    if asked is not None:
        return min(cap_s, asked * (1 + 0.1 * rng.random()))
    return rng.uniform(0, min(cap_s, base_s * 2**attempt))


class CircuitBreaker:
    """Opens after `threshold` articles in a row failed on the endpoint; stays open all run."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.consecutive_failures = 0
        self.is_open = False

    def record_success(self) -> None:
        self.consecutive_failures = 0

    def record_failure(self) -> None:
        self.consecutive_failures += 1
        if self.threshold > 0 and self.consecutive_failures >= self.threshold:
            self.is_open = True


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _duration(value: str | None) -> float | None:
    if not value:
        return None
    parts = _DURATION_PART.findall(value)
    if not parts:
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
