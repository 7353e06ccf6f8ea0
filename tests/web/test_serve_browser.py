"""`packstation serve` in headless Chromium: the page loads offline, shows the queue, and
follows a change in the database; `serve --station` is the station in a tab, one tab at a time.

Chromium is Debian's `chromium` package, driven over the Chrome DevTools Protocol with
aiohttp's websocket client (aiohttp comes with textual-serve). Without Chromium the test is
skipped with the reason; CI sets PACKSTATION_TEST_BROWSER, and then it fails instead.

Reading the screen: xterm.js draws on a canvas (WebGL or 2D), so the text is not in the DOM,
and textual.js keeps its `Terminal` in a closure. A script the test adds to the page before
textual.js runs catches the Terminal when textual.js stores it (`this.terminal = ...`) and
reads the rows through xterm's buffer API: the characters the canvas shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from packstation.models.db import Database, open_database
from packstation.models.queue_repo import LeadCredentials, hold_order
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, seed

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

BROWSER_ENV = "PACKSTATION_TEST_BROWSER"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Runs in the page before textual.js: keeps the xterm Terminal that textual.js creates and
# offers the visible rows as text.
CATCH_TERMINAL = r"""
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && typeof value.loadAddon === "function") window.__psTerminal = value;
  },
});
window.__psScreen = () => {
  const term = window.__psTerminal;
  if (!term) return null;
  const buffer = term.buffer.active;
  const rows = [];
  for (let i = 0; i < term.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\n");
};
"""


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = "needs Debian's chromium (apt-get install chromium) for the browser test"
        if os.environ.get(BROWSER_ENV):
            pytest.fail(f"{BROWSER_ENV} is set but {reason}")
        pytest.skip(reason)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """End a process started here in its own session, and whatever it started."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


@dataclass
class Served:
    url: str
    db: Database
    log: Path


@pytest.fixture
def served(tmp_path: Path, fixtures_dir: Path) -> Iterator[Served]:
    """`packstation serve` on a free loopback port over a seeded SQLite file."""
    with serving(tmp_path, fixtures_dir) as served:
        yield served


@contextlib.contextmanager
def serving(
    tmp_path: Path, fixtures_dir: Path, *extra: str, config: Path | None = None
) -> Iterator[Served]:
    db_url = f"sqlite:///{tmp_path / 'queue.db'}"
    db = open_database(db_url)
    seed(db, fixtures_dir)
    port = free_port()
    log = tmp_path / "serve.log"
    args = [sys.executable, "-m", "packstation"]
    args += ["--config", str(config)] if config else []
    args += ["serve", "--port", str(port), "--db", db_url, "--locale", "en", *extra]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"packstation serve exited with {proc.returncode}:\n{tail(log)}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"packstation serve did not listen within 30 s:\n{tail(log)}")
            time.sleep(0.1)
        yield Served(f"http://127.0.0.1:{port}/", db, log)
    finally:
        stop(proc)
        db.dispose()


class Cdp:
    """One page target over the DevTools protocol: commands and the events seen so far."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        #: The browser's DevTools address (another tab is opened there).
        self.devtools = ""
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = message.json()
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)
            elif "method" in data:
                self.events.append(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        key = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        await self.ws.send_json({"id": key, "method": method, "params": params})
        answer = await asyncio.wait_for(future, 30)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.ws.close()


@contextlib.asynccontextmanager
async def browser(executable: str, profile: Path, log: Path) -> AsyncIterator[Cdp]:
    """Headless Chromium with a fresh profile, its first tab on about:blank, over CDP."""
    args = [
        executable,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--window-size=1400,800",
        "about:blank",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.exists() and len(active.read_text().split()) >= 2):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not open its DevTools port:\n{tail(log)}")
            await asyncio.sleep(0.1)
        port = active.read_text().split()[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            ws = await http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
            cdp = Cdp(ws)
            cdp.devtools = f"http://127.0.0.1:{port}"
            try:
                yield cdp
            finally:
                await cdp.close()
    finally:
        stop(proc)


async def screen_until(cdp: Cdp, wanted: re.Pattern[str], timeout: float) -> str:
    """The terminal's text once `wanted` is on it; fails with the last screen otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    shown = ""
    while True:
        shown = await cdp.evaluate("window.__psScreen && window.__psScreen()") or ""
        if wanted.search(shown):
            return shown
        if loop.time() > deadline:
            raise AssertionError(f"{wanted.pattern!r} not shown within {timeout} s:\n{shown}")
        await asyncio.sleep(0.2)


def request_hosts(events: list[dict[str, Any]]) -> set[str]:
    """Host of every http(s)/ws(s) request the page made (data: and blob: have none)."""
    urls = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    urls += [e["params"]["url"] for e in events if e["method"] == "Network.webSocketCreated"]
    return {
        urlsplit(u).hostname or ""
        for u in urls
        if urlsplit(u).scheme in {"http", "https", "ws", "wss"}
    }


async def test_queue_in_the_browser_is_offline_and_live(
    chromium: str, served: Served, tmp_path: Path
) -> None:
    async with aiohttp.ClientSession() as http, http.get(served.url) as response:
        assert response.status == 200
        html = await response.text()
    assert not re.search(r"https?://", html), "the page names an outside URL"

    async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
        await cdp.call("Network.enable")
        await cdp.call("Page.enable")
        await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        navigation = await cdp.call("Page.navigate", url=served.url)
        assert "errorText" not in navigation, navigation

        # The queue, with a known order, as the app's process draws it.
        shown = await screen_until(cdp, re.compile(r"ORD-1005 +ready"), timeout=30)
        assert "ORD-1002" in shown and "Order" in shown and "Status" in shown

        # A lead puts ORD-1005 on hold elsewhere: the page follows within a refresh or two.
        def hold() -> None:
            with served.db.unit_of_work() as session:
                result = hold_order(
                    session,
                    "ORD-1005",
                    LeadCredentials(LEAD, LEAD_PIN),
                    "address check",
                    now=datetime.now(UTC),
                )
                assert result.ok, result

        await asyncio.to_thread(hold)
        shown = await screen_until(cdp, re.compile(r"ORD-1005 +needs corr"), timeout=10)
        assert not re.search(r"ORD-1005 +ready", shown)

        hosts = request_hosts(cdp.events)
    assert hosts, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, f"the page reached outside this machine: {hosts - LOCAL_HOSTS}"


@contextlib.asynccontextmanager
async def another_tab(devtools: str) -> AsyncIterator[Cdp]:
    """A second tab of the same browser, over its own DevTools connection."""
    async with aiohttp.ClientSession() as http:
        async with http.put(f"{devtools}/json/new?about:blank") as response:
            target = await response.json()
        ws = await http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        cdp = Cdp(ws)
        try:
            yield cdp
        finally:
            await cdp.close()


async def open_app(cdp: Cdp, url: str) -> None:
    await cdp.call("Page.enable")
    await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
    navigation = await cdp.call("Page.navigate", url=url)
    assert "errorText" not in navigation, navigation


async def type_line(cdp: Cdp, text: str) -> None:
    """Text and Enter, as a keyboard-wedge scanner at the browser's machine types them."""
    assert await cdp.evaluate("window.__psTerminal.focus(), true")
    await cdp.call("Input.insertText", text=text)
    enter = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    await cdp.call("Input.dispatchKeyEvent", type="keyDown", text="\r", **enter)
    await cdp.call("Input.dispatchKeyEvent", type="keyUp", **enter)


async def test_the_station_in_the_browser_one_tab_at_a_time(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    config = tmp_path / "station.toml"  # a heartbeat every second: a waiting tab retries
    config.write_text("[floor]\nlease_s = 3\n", encoding="utf-8")
    with serving(tmp_path, fixtures_dir, "--station", "PS-WEB", config=config) as served:
        async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
            await open_app(cdp, served.url)
            shown = await screen_until(cdp, re.compile(r"Station ready"), timeout=30)
            assert "PS-WEB" in shown and "Scan your badge" in shown

            async with another_tab(cdp.devtools) as second:
                await open_app(second, served.url)
                refused = re.compile(r"Station PS-WEB is already open on this floor")
                await screen_until(second, refused, timeout=30)

                await type_line(cdp, PACKER)
                shown = await screen_until(cdp, re.compile(r"Scan an order"), timeout=15)
                assert "Анна К." in shown and "PS-WEB" in shown

                # The first tab goes elsewhere (kept in the back/forward cache, its page
                # closes its websocket: the station process quits): the second has the
                # station within a heartbeat or two, with the packer still signed in.
                await cdp.call("Page.navigate", url="about:blank")
                shown = await screen_until(second, re.compile(r"Scan an order"), timeout=15)
                assert "Анна К." in shown and not refused.search(shown)
