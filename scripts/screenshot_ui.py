"""Screenshots of the Dagster UI for the README, taken with headless Chromium.

    make demo                                   # materialize the demo days into .dagster/
    .venv/bin/python scripts/screenshot_ui.py   # start `dagster dev`, shoot, stop it

Needs Chromium (Debian: `apt-get install chromium`; or set CHROMIUM=/path/to/chrome).
It starts `dagster dev` on a free loopback port with the project's DAGSTER_HOME (where
`make demo` recorded its runs), waits until the UI answers, and writes one PNG per page to
docs/img/. Chromium runs with background networking off: nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    ready_text: str  # the page has loaded its data once this text shows
    height: int | None = None  # taller than the window, to show a whole metadata table
    click: str | None = None  # text of an element to click first (opens a dialog)
    settle_s: float = 3.0


SHOTS = [
    # Everything upstream of the served marts: feeds -> analysis -> dbt layers -> serving.
    Shot(
        "asset-graph.png",
        "/assets/served_marts?view=lineage&lineageScope=upstream&lineageDepth=10",
        "raw_articles",
        settle_s=6.0,
    ),
    # The latest materialization of the served marts: top movers and the sentiment chart.
    Shot("served-marts.png", "/assets/served_marts?view=events", "sentiment_chart", 1300),
    Shot(
        "sentiment-chart.png",
        "/assets/served_marts?view=events",
        "sentiment_chart",
        click="[Show Markdown]",
    ),
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-allow-origins=*",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the Dagster UI did not answer at {url} within {timeout_s:.0f} s")
        time.sleep(1)


def _chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chrome")
    if not found:
        raise SystemExit("Chromium not found: apt-get install chromium, or set CHROMIUM")
    return found


class Browser:
    """Headless Chromium driven over the DevTools protocol (a websocket on loopback)."""

    def __init__(self, profile: Path, width: int, height: int) -> None:
        port = _free_port()
        self._process = subprocess.Popen(
            [
                _chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("headless Chromium did not start")
            time.sleep(0.5)
        self._socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, legacy=True)
        self._ids = itertools.count(1)
        self.width, self.height = width, height
        self.call("Page.enable")

    def call(self, method: str, **params: object) -> dict:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:  # events arrive in between; only our answer matters
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, script: str) -> object:
        result = self.call("Runtime.evaluate", expression=script, returnByValue=True)
        return result["result"].get("value")

    def wait_for_text(self, text: str, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        probe = f"document.body && document.body.innerText.includes({json.dumps(text)})"
        while not self.evaluate(probe):
            # Dagster greets a new browser profile with a newsletter dialog; decline it.
            self.click_button("Skip")
            if time.monotonic() > deadline:
                self.screenshot(Path("ui-timeout.png"))
                raise SystemExit(f"the page never showed {text!r} (see ui-timeout.png)")
            time.sleep(0.5)

    def click_button(self, label: str, selector: str = "button") -> bool:
        return bool(
            self.evaluate(
                # The innermost element with that text: the one whose handler acts.
                f"(() => {{ const b = [...document.querySelectorAll({json.dumps(selector)})]"
                f".filter(b => b.innerText && b.innerText.trim() === {json.dumps(label)}).pop();"
                " if (b) { b.click(); return true; } return false; })()"
            )
        )

    def resize(self, width: int, height: int) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def screenshot(self, out: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        out.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self._socket.close()
        os.killpg(self._process.pid, signal.SIGKILL)


def shoot(browser: Browser, base: str, shot: Shot, out: Path) -> None:
    browser.resize(browser.width, shot.height or browser.height)
    browser.call("Page.navigate", url=base + shot.path)
    browser.wait_for_text(shot.ready_text)
    browser.click_button("Skip")
    if shot.click:
        time.sleep(1)
        if not browser.click_button(shot.click, selector="body *"):
            raise SystemExit(f"nothing to click labelled {shot.click!r} on {shot.path}")
        time.sleep(2)
    time.sleep(shot.settle_s)  # let the graph layout and images finish drawing
    browser.screenshot(out / shot.name)
    print(f"wrote {(out / shot.name).relative_to(ROOT)} from {base + shot.path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()

    home = Path(os.environ.get("DAGSTER_HOME", ROOT / ".dagster"))
    if not (home / "dagster.yaml").exists():
        raise SystemExit(f"{home} has no dagster.yaml: run `make demo` first")
    args.out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    dagster = Path(sys.executable).with_name("dagster")
    server = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    profile = args.out / ".chromium-profile"
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/server_info", timeout_s=180)
        browser = Browser(profile, args.width, args.height)
        try:
            for shot in SHOTS:
                shoot(browser, base, shot, args.out)
        finally:
            browser.close()
    finally:
        # dagster dev and its children ignore SIGTERM while busy; end the whole group.
        os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
