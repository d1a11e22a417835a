"""A local webhook receiver on 127.0.0.1 that records every POST and answers as scripted.

    def test_something(webhook_server):
        url = webhook_server.hook("/slack", fail=2)      # 503 twice, then 200
        ... deliver to url ...
        assert webhook_server.received("/slack")[0].json["text"] == ...
        webhook_server.down("/slack")                    # 503 from now on
        webhook_server.up("/slack")                      # 200 again

`refused_url()` is an address where nothing listens at all (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    answered: int  # the status the server gave it

    @property
    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class _Route:
    failures: list[int] = field(default_factory=list)  # statuses still to answer, in order
    status: int = 200  # then this one
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver = self.server.receiver
        path = self.path.split("?", 1)[0]
        with receiver._lock:
            route = receiver._routes.get(path)
            if route is None:
                status, headers = 404, {}
            elif route.failures:
                status, headers = route.failures.pop(0), route.headers
            else:
                status, headers = route.status, route.headers if route.status >= 300 else {}
            receiver._received.append(
                Received(
                    self.command,
                    path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    status,
                )
            )
        reply = b"ok" if status < 300 else b"no_service"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookServer


class WebhookServer:
    """Webhook endpoints on 127.0.0.1 with scripted answers; every request is kept."""

    def __init__(self, port: int = 0) -> None:
        """`port` 0 picks a free one; a given port lets a receiver come back where it was."""
        self._routes: dict[str, _Route] = {}
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._httpd = _Server((LOOPBACK, port), _Handler)
        self._httpd.receiver = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webhook-server",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            raise ValueError(f"paths start with '/': {path!r}")
        return f"http://{LOOPBACK}:{self._httpd.server_address[1]}{path}"

    def hook(
        self,
        path: str,
        fail: int = 0,
        status: int = 503,
        retry_after: str | None = None,
    ) -> str:
        """An endpoint answering `status` `fail` times, then 200; returns its URL."""
        headers = {"Retry-After": retry_after} if retry_after else {}
        with self._lock:
            self._routes[path] = _Route([status] * fail, 200, headers)
        return self.url(path)

    def down(self, path: str, status: int = 503) -> None:
        """Answer `status` to every request from now on."""
        with self._lock:
            self._routes.setdefault(path, _Route()).status = status
            self._routes[path].failures.clear()

    def up(self, path: str) -> None:
        self.down(path, 200)

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if path is None or r.path == path]

    def accepted(self, path: str | None = None) -> list[Received]:
        return [r for r in self.received(path) if r.answered < 300]


def refused_url(path: str = "/hook") -> str:
    """A loopback URL where nothing listens: the port was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    return f"http://{LOOPBACK}:{port}{path}"


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    """A fresh webhook receiver on 127.0.0.1 for one test, stopped afterwards."""
    server = WebhookServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
