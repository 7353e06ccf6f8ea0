"""The browser harness of tests/web: `packstation serve` in a subprocess, headless Chromium
over the DevTools protocol, and reading the terminal the page draws.

Chromium is Debian's `chromium` package, driven over the Chrome DevTools Protocol with
aiohttp's websocket client (aiohttp comes with textual-serve). Without Chromium a browser
test is skipped with the reason; CI sets PACKSTATION_TEST_BROWSER, and then it fails instead.

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
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import update

from packstation.domain.pins import hash_pin
from packstation.models.db import Database, open_database
from packstation.models.people import Operator
from tests.station.conftest import PACKER, seed

#: The sample packer's PIN in a served database (the seed gives packers none; a browser
#: sign-in needs one).
PACKER_PIN = "2468"

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


def require_chromium() -> str:
    """Chromium's path; skips the test without it (fails when CI asked for the browser)."""
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
    #: The serve process: the per-tab app processes are its children.
    pid: int
    port: int

    def apps(self) -> list[int]:
        """Pids of the app processes (one per open tab) this server runs now."""
        return app_processes(self.pid)


def app_processes(parent: int) -> list[int]:
    """Live children of `parent` running packstation (each tab's `exec`ed app)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            state, ppid = fields[0], int(fields[1])
            cmdline = (entry / "cmdline").read_bytes()
            if ppid == parent and state != "Z" and b"packstation" in cmdline:
                found.append(int(entry.name))
    return found


def give_pin(db: Database, badge: str, pin: str) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Operator).where(Operator.badge == badge).values(pin_hash=hash_pin(pin))
        )


@contextlib.contextmanager
def serving(
    tmp_path: Path,
    fixtures_dir: Path,
    *extra: str,
    config: Path | None = None,
    tls: bool = False,
) -> Iterator[Served]:
    """`packstation serve` on a free loopback port over a seeded SQLite file (the packer
    with `PACKER_PIN`); `tls`: the caller passes --cert/--key in `extra`."""
    db_url = f"sqlite:///{tmp_path / 'queue.db'}"
    db = open_database(db_url)
    seed(db, fixtures_dir)
    give_pin(db, PACKER, PACKER_PIN)
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
        scheme = "https" if tls else "http"
        yield Served(f"{scheme}://127.0.0.1:{port}/", db, log, proc.pid, port)
    finally:
        stop(proc)
        db.dispose()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl CLI (valid one day)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = directory / "web.crt", directory / "web.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return cert, key


def insecure_client_tls() -> ssl.SSLContext:
    """For aiohttp against the self-signed test server."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


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
async def browser(executable: str, profile: Path, log: Path, *extra: str) -> AsyncIterator[Cdp]:
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
        *extra,
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


async def wait_js(cdp: Cdp, expression: str, timeout: float = 15) -> Any:
    """The value of `expression` once it is truthy (a page being replaced is retried)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while True:
        with contextlib.suppress(AssertionError):  # no context while a page is replaced
            last = await cdp.evaluate(expression)
            if last:
                return last
        if loop.time() > deadline:
            raise AssertionError(f"{expression!r} not true within {timeout} s (got {last!r})")
        await asyncio.sleep(0.1)


#: The sign-in page of a fresh document is ready (the old one is marked before a submit).
LOGIN_READY = (
    "document.readyState === 'complete' && !window.__psOld && "
    "document.getElementById('pin') !== null"
)


async def sign_in(cdp: Cdp, badge: str, pin: str) -> None:
    """Type `badge` and `pin` into the sign-in page that is shown, and send it."""
    await wait_js(cdp, LOGIN_READY)
    await cdp.evaluate(
        "window.__psOld = true;"
        f"document.getElementById('badge').value = {_js(badge)};"
        f"document.getElementById('pin').value = {_js(pin)};"
        "document.querySelector('form').requestSubmit(); true"
    )


async def page_after_submit(cdp: Cdp) -> dict[str, Any]:
    """Where the browser went after a form was sent: path, and the sign-in error if any."""
    result: dict[str, Any] = await wait_js(
        cdp,
        "document.readyState === 'complete' && !window.__psOld && location.protocol !== "
        "'about:' && {path: location.pathname, error: (document.getElementById('error') || "
        "{}).textContent || '', body: document.body ? document.body.innerText : ''}",
    )
    return result


def _js(text: str) -> str:
    import json

    return json.dumps(text)
