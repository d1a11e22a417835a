"""A local HTTP server with scripted behaviours, for testing how feeds are fetched.

It listens on 127.0.0.1 only, on a free port, in a daemon thread. Each URL path is given a
behaviour (serve these bytes, answer 500, answer too slowly, redirect forever, ...), and every
request it receives is recorded so tests can check what the client sent.

    def test_something(feed_server):
        feed_server.serve("/feed.rss", b"<rss ...>")
        fetch(feed_server.url("/feed.rss"), client)
        assert feed_server.requests_to("/feed.rss")[0].headers["user-agent"] == ...
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

LOOPBACK = "127.0.0.1"
RSS = "application/rss+xml; charset=utf-8"
_STEP_S = 0.02  # how often a sleeping handler checks whether the server is stopping


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names lower-cased


@dataclass(frozen=True)
class Response:
    """One scripted answer, for `FeedServer.sequence`."""

    status: int
    body: bytes = b""
    content_type: str | None = RSS
    headers: dict[str, str] | None = None


Behaviour = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing idles at shutdown

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        feed = self.server.feed
        feed._record(
            RecordedRequest(
                "GET", parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()}
            )
        )
        behaviour = feed._routes.get(parts.path) or feed._prefixed(parts.path)
        try:
            if behaviour is None:
                self.respond(404, b"no such route", "text/plain")
            else:
                behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, byte limit): that is what the test wanted

    def respond(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest output stays readable


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    feed: FeedServer


class FeedServer:
    """Scripted HTTP behaviours on 127.0.0.1; `url(path)` is where a behaviour is reachable."""

    def __init__(self) -> None:
        self._routes: dict[str, Behaviour] = {}
        self._prefixes: dict[str, Behaviour] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server((LOOPBACK, 0), _Handler)
        self._httpd.feed = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="feed-server",
            daemon=True,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()  # slow handlers notice within _STEP_S and return
        self._httpd.shutdown()
        self._httpd.server_close()  # joins handler threads
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server (always a loopback address)."""
        if not path.startswith("/"):
            raise ValueError(f"paths start with '/': {path!r}")
        return f"http://{LOOPBACK}:{self.port}{path}"

    # -- what was received -------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # -- behaviours --------------------------------------------------------------------------

    def route(self, path: str, behaviour: Behaviour) -> str:
        """Any custom behaviour; returns the URL it is reachable at."""
        url = self.url(path)
        self._routes[path] = behaviour
        return url

    def route_prefix(self, prefix: str, behaviour: Behaviour) -> str:
        """A behaviour for every path under `prefix` (REST paths such as /v2/aggs/ticker/X/...)."""
        self._prefixes[prefix] = behaviour
        return self.url(prefix)

    def _prefixed(self, path: str) -> Behaviour | None:
        return next((b for p, b in self._prefixes.items() if path.startswith(p)), None)

    def serve(
        self,
        path: str,
        body: bytes,
        content_type: str | None = RSS,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Answer with these exact bytes."""
        return self.route(path, lambda h: h.respond(status, body, content_type, headers))

    def serve_file(self, path: str, file: Path, content_type: str | None = RSS) -> str:
        return self.serve(path, file.read_bytes(), content_type)

    def status(self, path: str, code: int, body: bytes = b"server error") -> str:
        """Answer with an error status (500, 404, ...) and a short text body."""
        return self.serve(path, body, "text/plain", status=code)

    def slow(self, path: str, delay_s: float, body: bytes = b"", content_type: str = RSS) -> str:
        """Say nothing for `delay_s` (longer than the client's timeout), then answer."""

        def behaviour(handler: _Handler) -> None:
            if self._sleep(delay_s):
                handler.respond(200, body, content_type)

        return self.route(path, behaviour)

    def trickle(
        self, path: str, body: bytes, chunks: int, interval_s: float, content_type: str = RSS
    ) -> str:
        """Send the body in `chunks` pieces, pausing `interval_s` before each one."""
        size = -(-len(body) // chunks)
        pieces = [body[i : i + size] for i in range(0, len(body), size)]

        def behaviour(handler: _Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.flush()
            for piece in pieces:
                if not self._sleep(interval_s):
                    return
                handler.wfile.write(piece)
                handler.wfile.flush()

        return self.route(path, behaviour)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect to another path on this same server."""
        target = self.url(to)
        return self.serve(path, b"", None, status=status, headers={"Location": target})

    def redirect_loop(self, path: str) -> str:
        """Redirect to itself, forever."""
        return self.redirect(path, path)

    def oversized(self, path: str, size: int, content_type: str = RSS) -> str:
        """A body of `size` bytes (declared in Content-Length), sent in 16 KiB pieces."""

        def behaviour(handler: _Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(size))
            handler.send_header("Connection", "close")
            handler.end_headers()
            left = size
            while left > 0 and not self.stopping.is_set():
                piece = min(left, 16 * 1024)
                handler.wfile.write(b"x" * piece)
                left -= piece

        return self.route(path, behaviour)

    def flaky(
        self, path: str, body: bytes, failures: int = 1, status: int = 500, content_type: str = RSS
    ) -> str:
        """Answer `status` the first `failures` times, then serve the body."""
        remaining = [failures]

        def behaviour(handler: _Handler) -> None:
            with self._lock:
                fail = remaining[0] > 0
                remaining[0] -= int(fail)
            if fail:
                handler.respond(status, b"try again later", "text/plain")
            else:
                handler.respond(200, body, content_type)

        return self.route(path, behaviour)

    def gzipped(self, path: str, body: bytes, content_type: str = RSS) -> str:
        """The body gzip-compressed on the wire, with Content-Encoding: gzip."""
        compressed = gzip.compress(body)
        return self.serve(path, compressed, content_type, headers={"Content-Encoding": "gzip"})

    def mislabelled(
        self, path: str, xml: str, declared: str = "utf-8", actual: str = "windows-1252"
    ) -> str:
        """A document that declares `declared` (XML declaration and Content-Type) but whose
        bytes are in `actual`. `xml` is the document without its declaration."""
        document = f'<?xml version="1.0" encoding="{declared}"?>\n{xml}'
        body = document.encode(actual)
        return self.serve(path, body, f"application/rss+xml; charset={declared}")

    def sequence(self, path: str, responses: list[Response]) -> str:
        """Answer with each response in turn; the last one repeats."""
        queue = list(responses)

        def behaviour(handler: _Handler) -> None:
            with self._lock:
                response = queue.pop(0) if len(queue) > 1 else queue[0]
            handler.respond(response.status, response.body, response.content_type, response.headers)

        return self.route(path, behaviour)

    def conditional(
        self, path: str, body: bytes, etag: str, last_modified: str | None = None
    ) -> str:
        """Serve the body with an ETag; answer 304 to a request that already has it."""
        headers = {"ETag": etag, **({"Last-Modified": last_modified} if last_modified else {})}

        def behaviour(handler: _Handler) -> None:
            if handler.headers.get("If-None-Match") == etag:
                handler.respond(304, b"", None, headers)
            else:
                handler.respond(200, body, RSS, headers)

        return self.route(path, behaviour)

    def _sleep(self, seconds: float) -> bool:
        """Sleep in small steps; False as soon as the server is stopping."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.stopping.wait(min(_STEP_S, left)):
                return False
        return not self.stopping.is_set()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh scripted server on 127.0.0.1 for one test, stopped afterwards."""
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
