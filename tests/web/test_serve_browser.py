"""`packstation serve` in headless Chromium: a sign-in first (badge + PIN), then the page loads
offline, shows the queue and follows a change in the database; signing out ends the tab's
app process. `serve --station` is the station in a tab (a packer signs in), one tab at a time.

The harness (serve subprocess, Chromium over the DevTools protocol, reading the terminal) is
`tests/web/harness.py`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from packstation.models.lead_actions import LeadCredentials, hold_order
from tests.station.conftest import LEAD, LEAD_PIN, PACKER
from tests.web.harness import (
    CATCH_TERMINAL,
    LOCAL_HOSTS,
    PACKER_PIN,
    another_tab,
    browser,
    open_app,
    page_after_submit,
    request_hosts,
    screen_until,
    serving,
    sign_in,
    type_line,
    wait_js,
)

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process


async def wait_until_no_apps(apps: Callable[[], list[int]], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while apps():
        assert time.monotonic() < deadline, "the tab's app process is still running"
        await asyncio.sleep(0.2)


async def test_queue_in_the_browser_signs_in_is_offline_and_live(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    with serving(tmp_path, fixtures_dir) as served:
        async with aiohttp.ClientSession() as http, http.get(served.url) as response:
            assert response.status == 200 and response.url.path == "/login"
            html = await response.text()
        assert not re.search(r"https?://", html), "the sign-in page names an outside URL"

        async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
            await cdp.call("Network.enable")
            await cdp.call("Page.enable")
            await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
            navigation = await cdp.call("Page.navigate", url=served.url)
            assert "errorText" not in navigation, navigation

            # No screen before a sign-in: a wrong PIN is refused, no app is started.
            await sign_in(cdp, LEAD, "9999")
            after = await page_after_submit(cdp)
            assert after["path"] == "/login" and after["error"] == "Wrong badge or PIN."
            assert served.apps() == []

            await sign_in(cdp, LEAD, LEAD_PIN)
            # The queue, with a known order, as the app's process draws it.
            shown = await screen_until(cdp, re.compile(r"ORD-1005 +ready"), timeout=30)
            assert "ORD-1002" in shown and "Order" in shown and "Status" in shown
            assert len(served.apps()) == 1

            # The session cookie as the browser keeps it.
            (cookie,) = (await cdp.call("Network.getAllCookies"))["cookies"]
            assert cookie["name"] == f"packstation-{served.port}"
            assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
            assert cookie["secure"] is False and cookie["path"] == "/"
            assert 850 < cookie["expires"] - time.time() <= 900  # [station] idle_logout_s
            assert await cdp.evaluate("document.cookie") == ""  # HttpOnly: not for scripts

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

            # Sign out: the app process ends, the sign-in page is back, the token is dead.
            await cdp.evaluate("window.__psOld = true; document.getElementById('logout').click()")
            after = await page_after_submit(cdp)
            assert after["path"] == "/login" and "Signed out" in after["body"]
            await wait_until_no_apps(served.apps)
            headers = {"Cookie": f"{cookie['name']}={cookie['value']}"}
            async with (
                aiohttp.ClientSession() as http,
                http.get(served.url, headers=headers, allow_redirects=False) as response,
            ):
                assert response.status == 303

            hosts = request_hosts(cdp.events)
    assert hosts, "no requests were recorded"
    assert hosts <= LOCAL_HOSTS, f"the page reached outside this machine: {hosts - LOCAL_HOSTS}"


async def test_the_station_in_the_browser_one_tab_at_a_time(
    chromium: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    config = tmp_path / "station.toml"  # a heartbeat every second: a waiting tab retries
    config.write_text("[floor]\nlease_s = 3\n", encoding="utf-8")
    with serving(tmp_path, fixtures_dir, "--station", "PS-WEB", config=config) as served:
        async with browser(chromium, tmp_path / "profile", tmp_path / "chromium.log") as cdp:
            await open_app(cdp, served.url)
            await sign_in(cdp, PACKER, PACKER_PIN)
            shown = await screen_until(cdp, re.compile(r"Station ready"), timeout=30)
            assert "PS-WEB" in shown and "Scan your badge" in shown

            async with another_tab(cdp.devtools) as second:
                # The same browser: the session cookie opens the second tab too.
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
                assert await wait_js(second, "document.getElementById('user').textContent")
