"""The door of `packstation serve` in headless Chromium: the badge lockout and the role check
at the sign-in page, a page of another origin that tries the socket and the forms, and TLS
with a self-signed certificate."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from packstation.models.people import Operator
from tests.station.conftest import LEAD, LEAD_PIN, PACKER
from tests.web.harness import (
    CATCH_TERMINAL,
    PACKER_PIN,
    Cdp,
    another_tab,
    browser,
    free_port,
    insecure_client_tls,
    open_app,
    page_after_submit,
    screen_until,
    self_signed,
    serving,
    sign_in,
    tail,
    wait_js,
)

pytestmark = pytest.mark.other_process

# What another site's page does with a lead's browser: opens the queue's socket and reports.
EVIL_SOCKET = """<!DOCTYPE html><html><body><script>
const report = {opened: false, messages: 0, bytes: 0, closed: false, code: null};
window.__report = report;
const ws = new WebSocket("ws://127.0.0.1:%(port)d/ws?width=80&height=24");
ws.binaryType = "arraybuffer";
ws.onopen = () => { report.opened = true; ws.send(JSON.stringify(["stdin", "\\r"])); };
ws.onmessage = (e) => {
  report.messages += 1;
  report.bytes += e.data.byteLength || e.data.length || 0;
};
ws.onclose = (e) => { report.closed = true; report.code = e.code; };
</script></body></html>"""
# ... and posts a form to the server: signing the lead out (or someone in) from another site.
EVIL_FORM = """<!DOCTYPE html><html><body>
<form id="f" method="post" action="http://127.0.0.1:%(port)d/%(action)s">
<input name="badge" value="%(badge)s"><input name="pin" value="%(pin)s"></form>
<script>document.getElementById("f").submit();</script></body></html>"""


@contextlib.asynccontextmanager
async def evil_site(pages: dict[str, str]) -> AsyncIterator[str]:
    """Another web server on this machine (another port: same site, other origin)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=pages[request.match_info["name"]], content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/{name}", page)])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def submitted(cdp: Cdp, badge: str, pin: str) -> str:
    await sign_in(cdp, badge, pin)
    after = await page_after_submit(cdp)
    assert after["path"] == "/login", after
    return str(after["error"])


async def test_wrong_pins_lock_the_badge_and_packers_are_refused_at_the_queue(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text("[security]\npin_attempts = 3\npin_lock_s = 600\n", encoding="utf-8")
    with serving(tmp_path, fixtures_dir, config=config) as served:
        async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
            await open_app(cdp, served.url)
            assert await submitted(cdp, LEAD, "0000") == "Wrong badge or PIN."
            assert await submitted(cdp, LEAD, "0001") == "Wrong badge or PIN."
            locked = re.compile(r"This badge is locked after too many wrong PINs until \d\d:\d\d")
            assert locked.fullmatch((await submitted(cdp, LEAD, "0002")).rstrip("."))
            assert locked.match(await submitted(cdp, LEAD, LEAD_PIN))  # the right PIN too
            assert await cdp.evaluate("document.getElementById('badge').value") == LEAD

            refusal = await submitted(cdp, PACKER, PACKER_PIN)
            assert refusal.startswith("The queue is for leads and admins.")
            assert (await cdp.call("Network.getAllCookies"))["cookies"] == []
            assert served.apps() == []
        with served.db.unit_of_work() as session:
            until = session.scalar(select(Operator.locked_until).where(Operator.badge == LEAD))
        assert until is not None


async def test_another_sites_page_reads_nothing_and_cannot_sign_out(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    with serving(tmp_path, fixtures_dir) as served:
        pages = {
            "socket": EVIL_SOCKET % {"port": served.port},
            "logout": EVIL_FORM % {"port": served.port, "action": "logout", "badge": "", "pin": ""},
            "login": EVIL_FORM
            % {"port": served.port, "action": "login", "badge": LEAD, "pin": LEAD_PIN},
        }
        async with (
            evil_site(pages) as evil,
            browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp,
        ):
            # The lead is signed in, the queue open in one tab ...
            await open_app(cdp, served.url)
            await sign_in(cdp, LEAD, LEAD_PIN)
            await screen_until(cdp, re.compile(r"ORD-1005 +ready"), timeout=30)
            (cookie,) = (await cdp.call("Network.getAllCookies"))["cookies"]
            assert len(served.apps()) == 1

            # ... and another site's page in the next: the cookie would go along (same site:
            # 127.0.0.1), Origin says where the page is from.
            async with another_tab(cdp.devtools) as other:
                await other.call("Page.enable")
                await other.call("Page.navigate", url=f"{evil}/socket")
                await wait_js(other, "window.__report && window.__report.closed", timeout=15)
                await asyncio.sleep(1)  # anything late would still be counted
                report = await other.evaluate("window.__report")
                assert report["opened"] is False, report
                assert report["messages"] == 0 and report["bytes"] == 0, report
                assert len(served.apps()) == 1  # no app process for it
                assert f"refused GET /ws: Origin '{evil}'" in tail(served.log, 100_000)

                for name in ("logout", "login"):  # each form posts to the server at once
                    await other.call("Page.navigate", url=f"{evil}/{name}")
                    body = await wait_js(
                        other,
                        f"location.port === '{served.port}' && document.readyState === "
                        "'complete' && document.body.innerText",
                    )
                    assert body.startswith("Forbidden: cross-origin request."), (name, body)

            # The lead is still signed in, with the same session and one app.
            headers = {"Cookie": f"{cookie['name']}={cookie['value']}"}
            async with (
                aiohttp.ClientSession() as http,
                http.get(served.url, headers=headers, allow_redirects=False) as response,
            ):
                assert response.status == 200
            assert len(served.apps()) == 1
            assert [c["value"] for c in (await cdp.call("Network.getAllCookies"))["cookies"]] == [
                cookie["value"]
            ]


async def test_tls_with_a_self_signed_certificate(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    cert, key = self_signed(tmp_path)
    tls = ("--cert", str(cert), "--key", str(key))
    with serving(tmp_path, fixtures_dir, *tls, tls=True) as served:
        assert served.url.startswith("https://")
        async with aiohttp.ClientSession() as http:
            async with http.get(served.url, ssl=insecure_client_tls()) as response:
                assert response.status == 200 and response.url.path == "/login"
            with pytest.raises(aiohttp.ClientError):  # no plain HTTP on the TLS port
                async with http.get(served.url.replace("https:", "http:")) as response:
                    await response.read()

        profile, log = tmp_path / "profile", tmp_path / "chromium.log"
        async with browser(chromium, profile, log, "--ignore-certificate-errors") as cdp:
            await cdp.call("Network.enable")
            await cdp.call("Page.enable")
            await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
            await cdp.call("Page.navigate", url=served.url)
            await sign_in(cdp, LEAD, LEAD_PIN)
            await screen_until(cdp, re.compile(r"ORD-1005 +ready"), timeout=30)

            (cookie,) = (await cdp.call("Network.getAllCookies"))["cookies"]
            assert cookie["name"] == f"__Host-packstation-{served.port}"
            assert cookie["secure"] is True and cookie["httpOnly"] is True
            assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
            assert 850 < cookie["expires"] - time.time() <= 900
            sockets = [
                e["params"]["url"] for e in cdp.events if e["method"] == "Network.webSocketCreated"
            ]
            assert sockets and all(url.startswith("wss://127.0.0.1:") for url in sockets)
