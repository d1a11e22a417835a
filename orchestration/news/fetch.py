"""Reading a source's bytes from an http(s) URL or a local file, with hard limits.

HTTP requests can be retried (5xx, 429, timeouts, broken connections) with exponential
backoff and jitter, honour Retry-After, and be conditional (ETag / Last-Modified).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

USER_AGENT = "TickerPulse/0.1 (news sentiment pipeline; +https://github.com/tickerpulse)"
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
# Statuses worth asking again: the server is overloaded or briefly broken.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A source could not be read: the message says what happened, never a secret."""


class _TransientError(FetchError):
    """A failure that may go away if we ask again, possibly after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How often to ask again and how long to wait; attempts=1 never retries."""

    attempts: int = 1
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0  # no single wait is longer, Retry-After included

    def delay(self, failures: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter, never shorter than what the server asked for."""
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (failures - 1))
        jittered = backoff * (0.5 + random.random() / 2)
        return max(jittered, retry_after or 0.0)


NO_RETRY = RetryPolicy()


def is_transient(exc: FetchError) -> bool:
    """Whether asking again later may succeed (a timeout, a 5xx, a broken connection)."""
    return isinstance(exc, _TransientError)


@dataclass(frozen=True)
class Validators:
    """What a server said about a response's version, for the next conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Fetched:
    content: bytes
    location: str
    content_type: str | None
    status: int = 200
    validators: Validators = field(default_factory=Validators)
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def http_client(timeout_s: float = TIMEOUT_S) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


def fetch(
    location: str,
    client: httpx.Client,
    max_bytes: int = MAX_BYTES,
    *,
    retry: RetryPolicy = NO_RETRY,
    validators: Validators | None = None,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """The bytes behind `location`: an http(s) URL or a path on this machine."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in {"http", "https"}:
        request_headers = {**(headers or {}), **_conditional_headers(validators)}
        return _with_retries(
            lambda: _fetch_http(location, client, max_bytes, request_headers), retry, sleep
        )
    if scheme == "file":
        return _read_file(Path(url2pathname(urlsplit(location).path)), max_bytes)
    if scheme == "" or len(scheme) == 1:  # "C:\\..." parses as scheme "c"
        return _read_file(Path(location), max_bytes)
    raise FetchError(f"unsupported scheme {scheme!r}: only http, https and local files")


def _with_retries(
    attempt: Callable[[], Fetched], retry: RetryPolicy, sleep: Callable[[float], None]
) -> Fetched:
    for number in range(1, retry.attempts + 1):
        try:
            fetched = attempt()
        except _TransientError as exc:
            if number == retry.attempts:
                if retry.attempts == 1:
                    raise
                raise FetchError(f"{exc} (gave up after {number} attempts)") from exc
            if exc.retry_after is not None and exc.retry_after > retry.max_delay_s:
                raise FetchError(
                    f"{exc}: asked to retry after {exc.retry_after:g} s, "
                    f"longer than we wait ({retry.max_delay_s:g} s)"
                ) from exc
            sleep(retry.delay(number, exc.retry_after))
            continue
        return Fetched(
            fetched.content,
            fetched.location,
            fetched.content_type,
            fetched.status,
            fetched.validators,
            attempts=number,
        )
    raise AssertionError("unreachable: RetryPolicy.attempts must be at least 1")


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    if not validators:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _fetch_http(
    url: str, client: httpx.Client, max_bytes: int, headers: Mapping[str, str]
) -> Fetched:
    host = urlsplit(url).hostname
    # httpx times each read; a server dripping bytes must not outlast the whole budget.
    budget = client.timeout.read or TIMEOUT_S
    deadline = time.monotonic() + budget
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in RETRY_STATUSES:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                raise _TransientError(f"HTTP {status} from {host}", retry_after)
            if status >= 400:
                raise FetchError(f"HTTP {status} from {host}")
            validators = Validators(
                response.headers.get("etag"), response.headers.get("last-modified")
            )
            if status == 304:
                return Fetched(b"", str(response.url), None, 304, validators)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"response from {host} is over the {max_bytes:,} byte limit")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _TransientError(f"timed out reading {host} (over {budget:g} s in total)")
            return Fetched(
                b"".join(chunks),
                str(response.url),
                response.headers.get("content-type"),
                status,
                validators,
            )
    except httpx.TimeoutException as exc:
        raise _TransientError(f"timed out reading {host} ({type(exc).__name__})") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {host}") from exc
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(f"{host} redirected to a scheme other than http or https") from exc
    except httpx.TransportError as exc:  # refused, reset, DNS: often brief
        raise _TransientError(f"could not read {host}: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not read {host}: {type(exc).__name__}") from exc


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(tz=UTC))).total_seconds())


def _read_file(path: Path, max_bytes: int) -> Fetched:
    try:
        if path.stat().st_size > max_bytes:
            raise FetchError(f"{path.name} is over the {max_bytes:,} byte limit")
        return Fetched(path.read_bytes(), str(path), None)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
