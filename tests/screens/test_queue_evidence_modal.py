"""`v` on the queue screen: the selected order's evidence in a modal, looked up in a thread
worker (`evidence/lookup.py`), fitting 80x24 in English and Russian."""

from __future__ import annotations

import hashlib
from datetime import UTC
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from packstation.evidence.events import AUTO, CLIP, CLIP_MISSING, PHOTO
from packstation.evidence.settings import EvidenceSettings
from packstation.models import Event
from packstation.models.db import Database
from packstation.screens.queue_app import QueueApp, QueueScreen, QueueSetup
from packstation.screens.queue_evidence import EvidenceScreen
from tests.models.test_queue_repo import NOW, SHIFT
from tests.screens.conftest import wait_until
from tests.screens.test_fit_80x24 import cut_offs
from tests.screens.test_queue_app import line

URL = "https://pack-lead.lan:8000"


def stored(root: Path, name: str, data: bytes) -> tuple[str, str]:
    path = root / "PS-01" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"PS-01/{name}", hashlib.sha256(data).hexdigest()


@pytest.fixture
def evidence(queue_db: Database, tmp_path: Path) -> EvidenceSettings:
    """ORD-1002: a clip the recorder cut and a defect photo; ORD-1005: a packing with no
    video (`evidence.clip_missing`); ORD-1004: nothing at all."""
    root = tmp_path / "evidence"
    clip, clip_sha = stored(root, "clips/20261204T101500.1Z_20261204T101531.4Z_ORD-1002.mp4", b"v")
    photo, photo_sha = stored(root, "photos/ORD-1002/defect-1-damaged.jpg", b"jpeg")
    with queue_db.unit_of_work() as s:
        s.add_all(
            [
                Event(
                    at=NOW,
                    kind=CLIP,
                    order_id="ORD-1002",
                    station_id="PS-01",
                    payload={"file": clip, "sha256": clip_sha, "via": AUTO},
                ),
                Event(
                    at=NOW,
                    kind=PHOTO,
                    order_id="ORD-1002",
                    station_id="PS-01",
                    payload={"file": photo, "sha256": photo_sha},
                ),
                Event(
                    at=NOW,
                    kind=CLIP_MISSING,
                    order_id="ORD-1005",
                    station_id="PS-01",
                    payload={"error": "no video recorded between 10:00 and 10:05 UTC"},
                ),
            ]
        )
    return EvidenceSettings(station_id="PS-01", dir=root)


def make(db: Database, settings: EvidenceSettings | None, locale: str = "en") -> QueueApp:
    return QueueApp(
        QueueSetup(
            db=db,
            locale=locale,
            refresh_s=0.2,
            clock=lambda: NOW,
            tz=UTC,
            shift_start=lambda now: SHIFT,
            evidence=settings,
            web_url=URL,
        )
    )


async def open_evidence(pilot: Pilot[None], order_id: str) -> str:
    """Select `order_id`, press `v`, wait for the answer; the modal's text."""
    app = pilot.app
    assert isinstance(app, QueueApp)
    screen = app.queue_screen
    await wait_until(pilot, lambda: screen.renders >= 1)
    screen.orders.move_cursor(row=screen.orders.keys.index(order_id))
    await pilot.pause()
    await pilot.press("v")
    await wait_until(
        pilot, lambda: isinstance(app.screen, EvidenceScreen) and app.screen.loaded is not None
    )
    await pilot.pause()
    modal = app.screen
    assert isinstance(modal, EvidenceScreen) and modal.order_id == order_id
    return "\n".join(str(w.render()) for w in modal.query(Static))


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_v_shows_the_clip_and_photo_of_an_order_and_fits(
    queue_db: Database, evidence: EvidenceSettings, locale: str
) -> None:
    app = make(queue_db, evidence, locale)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await open_evidence(pilot, "ORD-1002")
        assert cut_offs(app) == []
        if locale == "en":
            assert "Evidence of ORD-1002" in text
            clip = evidence.dir / "PS-01" / "clips"
            assert f"Clip: {clip}/" in text and "_ORD-1002.mp4" in text
            assert f"SHA-256 {hashlib.sha256(b'v').hexdigest()}" in text
            assert "Photo 1: " in text and "defect-1-damaged.jpg" in text
            assert f"SHA-256 {hashlib.sha256(b'jpeg').hexdigest()}" in text
            assert f"In the browser: {URL}/evidence/ORD-1002" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "v video" in line(app.queue_screen, "keys") or "v видео" in line(
            app.queue_screen, "keys"
        )


async def test_an_order_without_a_clip_says_why(
    queue_db: Database, evidence: EvidenceSettings
) -> None:
    app = make(queue_db, evidence)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await open_evidence(pilot, "ORD-1004")
        assert "No video: no clip yet" in text and "No photos" in text
        assert "SHA-256" not in text and "In the browser" not in text
        await pilot.press("v")  # v again closes it too
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        text = await open_evidence(pilot, "ORD-1005")
        assert "No video: no video recorded between 10:00 and 10:05 UTC" in text
        assert cut_offs(app) == []


async def test_without_an_evidence_folder_the_events_are_still_shown(
    queue_db: Database, evidence: EvidenceSettings
) -> None:
    app = make(queue_db, None)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await open_evidence(pilot, "ORD-1002")
        assert "the file is not in the evidence folder" in text
        assert "No [evidence] in this config" in text
        assert f"SHA-256 {hashlib.sha256(b'v').hexdigest()}" in text


def test_the_address_of_the_browser_view(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from packstation.cli.queue_cmd import WEB_URL_ENV, web_url
    from packstation.cli.serve_cmd import queue_command, served_url
    from packstation.config import StationConfig
    from packstation.screens.queue_evidence import evidence_url

    assert served_url("127.0.0.1", 8000, False, []) == "http://127.0.0.1:8000"
    assert served_url("0.0.0.0", 8443, True, ["pack-lead.lan"]) == "https://pack-lead.lan:8443"
    assert served_url("::1", 8000, False, []) == "http://[::1]:8000"
    assert evidence_url(URL, "ORD 1/2") == f"{URL}/evidence/ORD%201%2F2"
    assert evidence_url("", "ORD-1") == "/evidence/ORD-1"
    assert evidence_url(None, "ORD-1") is None
    monkeypatch.delenv(WEB_URL_ENV, raising=False)
    assert web_url(StationConfig()) is None
    assert web_url(StationConfig(raw={"web": {}})) == ""
    monkeypatch.setenv(WEB_URL_ENV, URL)
    assert web_url(StationConfig()) == URL
    config = tmp_path / "station.toml"
    command = queue_command("en", 2.0, SHIFT.time(), config)
    assert f"--config {config.resolve()} queue" in command
