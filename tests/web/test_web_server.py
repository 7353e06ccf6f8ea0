"""The serve process's door, in this process: the aiohttp application of `WebServer` on a
loopback port, a real database, and a stand-in app (`fake_app.py`) behind each tab.

Cookies are sent by hand (aiohttp's jar keeps none for an IP address), so each test says
exactly which cookie, Host and Origin a request carries."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, update

from packstation.clock import utcnow
from packstation.config import PinLimits
from packstation.domain.pins import hash_pin
from packstation.models.db import Database, open_database
from packstation.models.people import Operator
from packstation.web import TEMPLATES_DIR
from packstation.web.auth import Refusal, sign_in
from packstation.web.guard import Guard
from packstation.web.server import WebServer
from packstation.web.sessions import SessionStore
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, seed
from tests.web.harness import free_port

FAKE_APP = Path(__file__).with_name("fake_app.py")
PACKER_PIN = "2468"


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Live:
    server: WebServer
    url: str
    clock: FakeClock
    marker: Path
    db: Database

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")

    def started(self) -> list[int]:
        """Pids of the app processes started so far."""
        return [int(line) for line in self.marker.read_text().split()]


def give_pin(db: Database, badge: str, pin: str) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Operator).where(Operator.badge == badge).values(pin_hash=hash_pin(pin))
        )


def failed_pins(db: Database, badge: str) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(Operator.failed_pins).where(Operator.badge == badge)))


@contextlib.asynccontextmanager
async def running(
    db: Database, tmp_path: Path, *, station: str | None = None, attempts: int = 5
) -> AsyncIterator[Live]:
    port = free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "started"
    marker.write_text("")
    clock = FakeClock()
    server = WebServer(
        shlex.join([sys.executable, str(FAKE_APP), str(marker)]),
        host="127.0.0.1",
        port=port,
        title="packstation queue",
        templates_path=TEMPLATES_DIR,
        db=db,
        guard=Guard.for_bind("127.0.0.1", port, tls=False),
        idle_s=60,
        pin_limits=PinLimits(attempts=attempts),
        locale="en",
        station=station,
        sessions=SessionStore(60, clock=clock),
    )
    server.stop_s = 2.0
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Live(server, f"http://127.0.0.1:{port}", clock, marker, db)
    finally:
        await runner.cleanup()


@pytest.fixture
def db(sqlite_url: str, fixtures_dir: Path) -> Iterator[Database]:
    database = open_database(sqlite_url)
    seed(database, fixtures_dir)
    give_pin(database, PACKER, PACKER_PIN)
    yield database
    database.dispose()


@pytest.fixture
async def live(db: Database, tmp_path: Path) -> AsyncIterator[Live]:
    async with running(db, tmp_path) as served:
        yield served


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def post_login(
    http: aiohttp.ClientSession, live: Live, badge: str, pin: str, origin: str | None = ""
) -> tuple[int, str, SimpleCookie]:
    """POST /login (Origin: this server unless given); status, page text, cookies set."""
    headers = {"Origin": live.url if origin == "" else origin} if origin is not None else {}
    async with http.post(
        f"{live.url}/login",
        data={"badge": badge, "pin": pin},
        headers=headers,
        allow_redirects=False,
    ) as response:
        cookies: SimpleCookie = SimpleCookie()
        for header in response.headers.getall("Set-Cookie", []):
            cookies.load(header)
        return response.status, await response.text(), cookies


async def signed_in(http: aiohttp.ClientSession, live: Live, badge: str, pin: str) -> str:
    """The `Cookie` header of a fresh session."""
    status, page, cookies = await post_login(http, live, badge, pin)
    assert status == 303, page
    (morsel,) = cookies.values()
    return f"{morsel.key}={morsel.value}"


async def index_status(http: aiohttp.ClientSession, live: Live, cookie: str) -> int:
    async with http.get(f"{live.url}/", headers={"Cookie": cookie}, allow_redirects=False) as r:
        return r.status


async def test_sign_in_sets_a_strict_httponly_cookie_and_opens_the_page(
    http: aiohttp.ClientSession, live: Live
) -> None:
    async with http.get(f"{live.url}/", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/login"
    status, _, cookies = await post_login(http, live, LEAD, LEAD_PIN)
    assert status == 303
    (morsel,) = cookies.values()
    assert morsel.key == f"packstation-{live.url.rsplit(':', 1)[1]}"
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert morsel["max-age"] == "60" and not morsel["secure"]
    assert len(morsel.value) >= 40
    cookie = f"{morsel.key}={morsel.value}"
    async with http.get(f"{live.url}/", headers={"Cookie": cookie}) as response:
        assert response.status == 200
        page = await response.text()
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    assert "Мария Л. (lead)" in page and 'action="logout"' in page
    assert live.started() == []  # the page alone starts nothing: its socket does


async def test_a_websocket_from_another_origin_gets_nothing_and_starts_nothing(
    http: aiohttp.ClientSession, live: Live
) -> None:
    cookie = await signed_in(http, live, LEAD, LEAD_PIN)  # even with the lead's cookie
    for origin in ("http://evil.example", "http://127.0.0.1:1", None):
        headers = {"Cookie": cookie, **({"Origin": origin} if origin else {})}
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{live.url}/ws", headers=headers)
        assert refused.value.status == 403

    # The same, byte by byte on a raw socket: a 403 and not one byte of the screen.
    reader, writer = await asyncio.open_connection("127.0.0.1", int(live.url.rsplit(":", 1)[1]))
    writer.write(
        (
            f"GET /ws?width=80&height=24 HTTP/1.1\r\nHost: {live.host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://evil.example\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 403"), answer
    assert b"SCREEN" not in answer and b"101" not in answer.split(b"\r\n")[0]
    await asyncio.sleep(0.5)
    assert live.started() == []

    # The control: this server's own origin gets the screen from one new app process.
    headers = {"Cookie": cookie, "Origin": live.url}
    async with http.ws_connect(f"{live.url}/ws", headers=headers) as ws:
        message = await asyncio.wait_for(ws.receive_bytes(), 10)
        assert message.decode() == "SCREEN ORD-1005 Мария"
    assert len(live.started()) == 1


@pytest.mark.parametrize("path", ["/", "/login", "/ws", "/static/js/textual.js"])
async def test_a_rebinding_host_is_refused(
    http: aiohttp.ClientSession, live: Live, path: str
) -> None:
    port = live.url.rsplit(":", 1)[1]
    headers = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    async with http.get(f"{live.url}{path}", headers=headers, allow_redirects=False) as response:
        assert response.status == 403
        assert "badge" not in (await response.text()).lower()


async def test_cross_site_posts_are_refused_and_count_nothing(
    http: aiohttp.ClientSession, live: Live
) -> None:
    for origin in (None, "http://evil.example", "null"):
        status, page, cookies = await post_login(http, live, LEAD, "0000", origin=origin)
        assert status == 403 and not cookies and "badge" not in page.lower()
    assert failed_pins(live.db, LEAD) == 0  # the PIN was never checked
    cookie = await signed_in(http, live, LEAD, LEAD_PIN)
    headers = {"Cookie": cookie, "Origin": "http://evil.example"}
    async with http.post(f"{live.url}/logout", headers=headers, allow_redirects=False) as r:
        assert r.status == 403
    assert await index_status(http, live, cookie) == 200  # not signed out by another site


async def test_the_login_page_escapes_what_it_echoes(
    http: aiohttp.ClientSession, live: Live
) -> None:
    badge = '"><script>alert(1)</script>'
    status, page, _ = await post_login(http, live, badge, "1234")
    assert status == 401 and "Wrong badge or PIN." in page
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("where", ["queue", "station"])
def test_sign_in_on_both_databases(station_db: Database, where: str) -> None:
    """`sign_in` is `check_pin`: the count and the lock live in the database (SQLite and
    PostgreSQL), three wrong PINs lock the badge, then even the right one is refused."""
    station = "PS-WEB" if where == "station" else None
    limits = PinLimits(attempts=3)

    def attempt(badge: str, pin: str) -> Refusal | None:
        result = sign_in(station_db, badge, pin, station=station, limits=limits, clock=utcnow)
        return result.refusal

    assert attempt(LEAD, LEAD_PIN) is None
    assert attempt("NO-SUCH-BADGE", "1234") is Refusal.WRONG
    assert attempt(PACKER, "1234") is Refusal.NO_PIN  # no PIN: refused, nothing counted
    assert failed_pins(station_db, PACKER) == 0
    give_pin(station_db, PACKER, PACKER_PIN)
    assert attempt(PACKER, PACKER_PIN) is (None if station else Refusal.ROLE)
    assert attempt(LEAD, "0000") is Refusal.WRONG
    assert attempt(LEAD, "0001") is Refusal.WRONG
    assert failed_pins(station_db, LEAD) == 2
    assert attempt(LEAD, "0002") is Refusal.LOCKED
    assert attempt(LEAD, LEAD_PIN) is Refusal.LOCKED
    # Browser sign-ins are audited with the kiosk exits, PIN failures and lockouts.
    from packstation.models.audit_repo import audit_entries

    with station_db.sessions() as s:
        entries = [e for e in audit_entries(s) if e.kind.startswith("web.")]
    seen = [(e.kind, e.packer.badge if e.packer else "") for e in entries]
    assert sorted(seen) == sorted(
        [("web.login", LEAD), ("web.login" if station else "web.refused", PACKER)]
    )
    assert all(("station " + station if station else "the queue") in e.reason for e in entries)


async def test_wrong_pins_lock_the_badge_at_the_page(
    http: aiohttp.ClientSession, db: Database, tmp_path: Path
) -> None:
    async with running(db, tmp_path, attempts=2) as live:
        status, page, cookies = await post_login(http, live, LEAD, "0000")
        assert status == 401 and "Wrong badge or PIN." in page and not cookies
        assert f'value="{LEAD}"' in page  # the badge stays filled in
        status, page, _ = await post_login(http, live, LEAD, "0001")
        assert status == 401 and "locked after too many wrong PINs until" in page
        status, page, cookies = await post_login(http, live, LEAD, LEAD_PIN)
        assert status == 401 and "locked" in page and not cookies


async def test_a_packer_is_refused_at_the_queue_and_welcome_at_a_station(
    http: aiohttp.ClientSession, db: Database, live: Live, tmp_path: Path
) -> None:
    status, page, cookies = await post_login(http, live, PACKER, PACKER_PIN)
    assert status == 403 and not cookies
    assert "The queue is for leads and admins." in page
    async with running(db, tmp_path / "station", station="PS-WEB") as station:
        status, page, cookies = await post_login(http, station, PACKER, PACKER_PIN)
        assert status == 303 and cookies
        (session,) = station.server.sessions.all()
        assert session.station == "PS-WEB" and session.role == "packer"


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_sign_out_ends_the_app_process_and_the_session(
    http: aiohttp.ClientSession, live: Live
) -> None:
    cookie = await signed_in(http, live, LEAD, LEAD_PIN)
    headers = {"Cookie": cookie, "Origin": live.url}
    async with http.ws_connect(f"{live.url}/ws", headers=headers) as ws:
        assert (await asyncio.wait_for(ws.receive_bytes(), 10)).startswith(b"SCREEN")
        (pid,) = live.started()
        async with http.post(f"{live.url}/logout", headers=headers, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/login?ended"
            assert "Max-Age=0" in r.headers["Set-Cookie"]
        assert gone(pid)  # ended before the logout was answered
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert await index_status(http, live, cookie) == 303
    assert len(live.server.sessions) == 0


async def test_an_idle_session_ends_with_its_app_and_typing_keeps_it(
    http: aiohttp.ClientSession, live: Live
) -> None:
    cookie = await signed_in(http, live, LEAD, LEAD_PIN)
    headers = {"Cookie": cookie, "Origin": live.url}
    async with http.ws_connect(f"{live.url}/ws", headers=headers) as ws:
        assert (await asyncio.wait_for(ws.receive_bytes(), 10)).startswith(b"SCREEN")
        (pid,) = live.started()
        live.clock.now += 50
        await ws.send_json(["stdin", "x"])  # a key at the tab is activity
        assert await asyncio.wait_for(ws.receive_bytes(), 10) == b"echo:x"
        live.clock.now += 50
        await live.server.end_expired()
        assert not gone(pid)
        live.clock.now += 10  # 60 s since the key
        await live.server.end_expired()
        assert gone(pid)
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert await index_status(http, live, cookie) == 303


async def test_a_session_opens_only_its_own_server(
    http: aiohttp.ClientSession, db: Database, live: Live, tmp_path: Path
) -> None:
    cookie = await signed_in(http, live, LEAD, LEAD_PIN)
    async with running(db, tmp_path / "station", station="PS-WEB") as station:
        # Cookies are not kept apart by port; the name and the server's store are.
        token = cookie.split("=", 1)[1]
        port = station.url.rsplit(":", 1)[1]
        assert await index_status(http, station, f"packstation-{port}={token}") == 303
