"""Reading a source's bytes from an http(s) URL or a local file, with hard limits."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

USER_AGENT = "TickerPulse/0.1 (news sentiment pipeline; +https://github.com/tickerpulse)"
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_S = 20.0
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A source could not be read: the message says what happened, never a secret."""


@dataclass(frozen=True)
class Fetched:
    content: bytes
    location: str
    content_type: str | None


def http_client(timeout_s: float = TIMEOUT_S) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


def fetch(location: str, client: httpx.Client, max_bytes: int = MAX_BYTES) -> Fetched:
    """The bytes behind `location`: an http(s) URL or a path on this machine."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in {"http", "https"}:
        return _fetch_http(location, client, max_bytes)
    if scheme == "file":
        return _read_file(Path(url2pathname(urlsplit(location).path)), max_bytes)
    if scheme == "" or len(scheme) == 1:  # "C:\\..." parses as scheme "c"
        return _read_file(Path(location), max_bytes)
    raise FetchError(f"unsupported scheme {scheme!r}: only http, https and local files")


def _fetch_http(url: str, client: httpx.Client, max_bytes: int) -> Fetched:
    host = urlsplit(url).hostname
    # httpx times each read; a server dripping bytes must not outlast the whole budget.
    budget = client.timeout.read or TIMEOUT_S
    deadline = time.monotonic() + budget
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {host}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"response from {host} is over the {max_bytes:,} byte limit")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(f"timed out reading {host} (over {budget:g} s in total)")
            return Fetched(
                b"".join(chunks), str(response.url), response.headers.get("content-type")
            )
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out reading {host} ({type(exc).__name__})") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {host}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not read {host}: {type(exc).__name__}") from exc


def _read_file(path: Path, max_bytes: int) -> Fetched:
    try:
        if path.stat().st_size > max_bytes:
            raise FetchError(f"{path.name} is over the {max_bytes:,} byte limit")
        return Fetched(path.read_bytes(), str(path), None)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
