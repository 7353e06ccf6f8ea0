"""`serve` hands an order's clip and photos to a signed-in lead (`web/evidence_routes.py`):
ranges for a browser's player, 403 for a packer, the sign-in page for nobody, and only
files that the order's events name inside the evidence folder."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from packstation.config import PinLimits
from packstation.evidence.events import AUTO, CLIP, PHOTO
from packstation.models import Event
from packstation.models.db import Database
from packstation.web import TEMPLATES_DIR
from packstation.web.guard import Guard
from packstation.web.server import WebServer
from packstation.web.sessions import SessionStore
from tests.station.conftest import LEAD, LEAD_PIN, PACKER
from tests.web.harness import free_port
from tests.web.test_web_server import (  # noqa: F401  (fixtures)
    FAKE_APP,
    PACKER_PIN,
    FakeClock,
    Live,
    db,
    http,
    signed_in,
)

CLIP_BYTES = os.urandom(10_000)
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CLIP_NAME = "20260302T100000.000Z_20260302T100008.500Z_ORD-1001.mp4"


@pytest.fixture
def evidence(db: Database, tmp_path: Path) -> Path:  # noqa: F811
    """ORD-1001 with a clip and a photo; ORD-1002 whose stored names lead out of the folder."""
    folder = tmp_path / "evidence"
    clips = folder / "PS-01" / "clips"
    clips.mkdir(parents=True)
    (clips / CLIP_NAME).write_bytes(CLIP_BYTES)
    photos = folder / "PS-01" / "photos" / "ORD-1001"
    photos.mkdir(parents=True)
    (photos / "defect-1-damaged.jpg").write_bytes(b"\xff\xd8 a photo \xff\xd9")
    (tmp_path / "secret.mp4").write_bytes(b"not evidence")
    (clips / "link.mp4").symlink_to(tmp_path / "secret.mp4")

    def event(order: str, kind: str, file: str) -> Event:
        payload = {"file": file, "sha256": "ab" * 32, "via": AUTO}
        return Event(at=AT, kind=kind, order_id=order, station_id="PS-01", payload=payload)

    with db.unit_of_work() as s:
        s.add(event("ORD-1001", CLIP, f"PS-01/clips/{CLIP_NAME}"))
        s.add(event("ORD-1001", PHOTO, "PS-01/photos/ORD-1001/defect-1-damaged.jpg"))
        s.add(event("ORD-1002", CLIP, "../secret.mp4"))
        s.add(event("ORD-1002", PHOTO, str(tmp_path / "secret.mp4")))
        s.add(event("ORD-1003", CLIP, "PS-01/clips/link.mp4"))
    return folder


@contextlib.asynccontextmanager
async def serving(
    db: Database,  # noqa: F811
    tmp_path: Path,
    evidence_dir: Path | None,
    station: str | None = None,
) -> AsyncIterator[Live]:
    port = free_port()
    marker = tmp_path / f"started-{port}"
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
        pin_limits=PinLimits(),
        locale="en",
        station=station,
        sessions=SessionStore(60, clock=clock),
        evidence_dir=evidence_dir,
    )
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Live(server, f"http://127.0.0.1:{port}", clock, marker, db)
    finally:
        await runner.cleanup()


async def get(
    http: aiohttp.ClientSession,  # noqa: F811
    live: Live,
    path: str,
    cookie: str | None = None,
    **headers: str,
) -> tuple[int, bytes, dict[str, str]]:
    if cookie:
        headers["Cookie"] = cookie
    url = URL(live.url + path, encoded=True)  # sent as written: %2F and %2E stay
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, await response.read(), dict(response.headers)


async def test_a_lead_gets_the_page_the_clip_with_ranges_and_the_photo(
    http: aiohttp.ClientSession,  # noqa: F811
    db: Database,  # noqa: F811
    evidence: Path,
    tmp_path: Path,
) -> None:
    async with serving(db, tmp_path, evidence) as live:
        cookie = await signed_in(http, live, LEAD, LEAD_PIN)
        status, page, _ = await get(http, live, "/evidence/ORD-1001", cookie)
        assert status == 200
        text = page.decode()
        assert 'src="ORD-1001/clip.mp4"' in text and "ab" * 32 in text
        assert 'src="ORD-1001/photo-1.jpg"' in text

        status, body, headers = await get(http, live, "/evidence/ORD-1001/clip.mp4", cookie)
        assert status == 200 and body == CLIP_BYTES
        assert headers["Content-Type"] == "video/mp4"
        assert headers["Accept-Ranges"] == "bytes"
        assert headers["X-Content-Type-Options"] == "nosniff"

        status, body, headers = await get(
            http, live, "/evidence/ORD-1001/clip.mp4", cookie, Range="bytes=100-199"
        )
        assert status == 206 and body == CLIP_BYTES[100:200]
        assert headers["Content-Range"] == "bytes 100-199/10000"
        status, body, _ = await get(
            http, live, "/evidence/ORD-1001/clip.mp4", cookie, Range="bytes=-16"
        )
        assert status == 206 and body == CLIP_BYTES[-16:]

        status, body, headers = await get(http, live, "/evidence/ORD-1001/photo-1.jpg", cookie)
        assert status == 200 and body.startswith(b"\xff\xd8")
        assert headers["Content-Type"] == "image/jpeg"
        assert (await get(http, live, "/evidence/ORD-1001/photo-2.jpg", cookie))[0] == 404

        status, _, headers = await get(http, live, "/evidence?order=ORD-1001", cookie)
        assert status == 303 and headers["Location"] == "/evidence/ORD-1001"
        status, page, _ = await get(http, live, "/evidence/ORD-1004", cookie)
        assert status == 200 and b"No clip of this order" in page


async def test_nobody_is_sent_to_sign_in_and_a_packer_is_refused(
    http: aiohttp.ClientSession,  # noqa: F811
    db: Database,  # noqa: F811
    evidence: Path,
    tmp_path: Path,
) -> None:
    async with serving(db, tmp_path, evidence) as live:
        status, _, headers = await get(http, live, "/evidence/ORD-1001")
        assert status == 303 and headers["Location"] == "/login"
        status, body, _ = await get(http, live, "/evidence/ORD-1001/clip.mp4")
        assert status == 403 and body != CLIP_BYTES
        assert (await get(http, live, "/evidence/ORD-1001/clip.mp4", "packstation-1=x"))[0] == 403
    # Packers sign in only at a station's server; the clip is not theirs there either.
    async with serving(db, tmp_path, evidence, station="PS-WEB") as station:
        cookie = await signed_in(http, station, PACKER, PACKER_PIN)
        for path in ("/evidence/ORD-1001", "/evidence/ORD-1001/clip.mp4", "/evidence"):
            status, body, _ = await get(http, station, path, cookie)
            assert status == 403 and b"leads and admins" in body
        lead = await signed_in(http, station, LEAD, LEAD_PIN)
        status, body, _ = await get(http, station, "/evidence/ORD-1001/clip.mp4", lead)
        assert status == 200 and body == CLIP_BYTES
        # Another site's page cannot pull the clip with the lead's cookie.
        origin = {"Origin": "http://evil.example"}
        status, body, _ = await get(http, station, "/evidence/ORD-1001/clip.mp4", lead, **origin)
        assert status == 403 and body != CLIP_BYTES


@pytest.mark.parametrize(
    "path",
    [
        "/evidence/..%2F..%2Fsecret.mp4/clip.mp4",
        "/evidence/%2E%2E/clip.mp4",
        "/evidence/ORD-1001%00/clip.mp4",
        "/evidence/ORD-1002/clip.mp4",  # the event names ../secret.mp4
        "/evidence/ORD-1002/photo-1.jpg",  # an absolute path
        "/evidence/ORD-1003/clip.mp4",  # a link inside the folder pointing out of it
        "/evidence/NO-SUCH-ORDER/clip.mp4",
        "/evidence/ORD-1001/../../secret.mp4",
        "/evidence/" + "X" * 65 + "/clip.mp4",
    ],
)
async def test_only_files_the_events_name_inside_the_folder(
    http: aiohttp.ClientSession,  # noqa: F811
    db: Database,  # noqa: F811
    evidence: Path,
    tmp_path: Path,
    path: str,
) -> None:
    async with serving(db, tmp_path, evidence) as live:
        cookie = await signed_in(http, live, LEAD, LEAD_PIN)
        status, body, _ = await get(http, live, path, cookie)
        assert status in (400, 404), (status, body[:200])
        assert b"not evidence" not in body


async def test_without_an_evidence_folder_there_is_nothing_to_fetch(
    http: aiohttp.ClientSession,  # noqa: F811
    db: Database,  # noqa: F811
    evidence: Path,
    tmp_path: Path,
) -> None:
    async with serving(db, tmp_path, None) as live:
        cookie = await signed_in(http, live, LEAD, LEAD_PIN)
        status, body, _ = await get(http, live, "/evidence/ORD-1001/clip.mp4", cookie)
        assert status == 404 and b"No evidence folder" in body
