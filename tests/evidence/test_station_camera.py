"""The camera in the station (issue 13): the device bar, `[camera] required`, "no evidence",
a photo at CMD:DEFECT stored with the order's events and joined to the buyer's notification.

The camera is the MJPEG stand-in on localhost and the recorder a real
`packstation evidence record` process: nothing about the camera is mocked.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from packstation.clock import utcnow
from packstation.devices.base import DeviceState
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Step
from packstation.evidence.files import sha256_file
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.simulator import MjpegCamera
from packstation.evidence.station import StationEvidence
from packstation.evidence.status import RecorderStatus, write_status
from packstation.evidence.watch import CameraWatch
from packstation.models import Event, Notification
from packstation.models.db import Database, open_database
from packstation.screens.station_app import StationApp, StationSetup
from packstation.widgets.bars import StatusBar
from tests.evidence.conftest import RecorderProcess, write_config
from tests.screens.conftest import panel_text, scan, wait_until
from tests.screens.test_fit_80x24 import Walk
from tests.station.conftest import PACKER, seed


@pytest.fixture
def db(sqlite_url: str, fixtures_dir: Path) -> Iterator[Database]:
    database = open_database(sqlite_url)
    seed(database, fixtures_dir)
    yield database
    database.dispose()


def settings_of(config: Path) -> EvidenceSettings:
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    return EvidenceSettings.from_config(raw, "PS-01", config.parent)


def station(
    db: Database, rules: PackRules, settings: EvidenceSettings, tmp: Path, locale: str = "en"
) -> tuple[StationApp, StationEvidence]:
    watch = CameraWatch(settings, interval_s=0.2)
    evidence = StationEvidence(settings, watch=watch)
    setup = StationSetup(
        db=db,
        station_id="PS-01",
        rules=rules,
        locale=locale,
        printer=open_printer(f"dir://{tmp / 'labels'}"),
        devices={"camera": watch},
        evidence=evidence,
    )
    return StationApp(setup), evidence


def bar_text(app: StationApp) -> str:
    return app.screen.query_one(StatusBar).content.plain


def camera_state(app: StationApp) -> DeviceState | None:
    status = app.device_status.get("camera")
    return status.state if status is not None else None


async def defect(pilot: Pilot[None], app: StationApp) -> None:
    """F2, the first line, damaged."""
    before = app.results_seen
    await pilot.press("f2")
    await wait_until(pilot, lambda: app.results_seen > before)
    await scan(pilot, "1")
    assert app.state.step is Step.DEFECT_PICK_KIND
    await scan(pilot, "CMD:DAMAGED")


@pytest.mark.other_process  # the recorder stamps its status with the real clock
async def test_recording_unplug_refuses_claims_replug_and_defect_photo(
    db: Database, rules: PackRules, tmp_path: Path, recorders: list[RecorderProcess]
) -> None:
    camera = MjpegCamera((160, 120), fps=10).start()
    config = write_config(tmp_path, camera.url, required=True)
    settings = settings_of(config)
    recorder = RecorderProcess(config, settings.station().root)
    recorders.append(recorder)
    try:
        recorder.wait_state("recording")
        app, evidence = station(db, rules, settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: camera_state(app) is DeviceState.CONNECTED)
            await pilot.pause()
            assert "● camera" in bar_text(app)
            await scan(pilot, PACKER)

            camera.stop()  # unplugged: the recorder says stalled after read_timeout_s
            await wait_until(pilot, lambda: camera_state(app) is DeviceState.ERROR, 15)
            await pilot.pause()
            assert "camera stalled" in bar_text(app)
            await scan(pilot, "ORD-1001")
            assert app.state.order is None
            assert "no video from the camera (stream stalled)" in panel_text(app)

            camera.start()  # plugged in again
            await wait_until(pilot, lambda: camera_state(app) is DeviceState.CONNECTED, 20)
            await scan(pilot, "ORD-1001")
            assert app.state.order is not None and app.state.order.id == "ORD-1001"

            await defect(pilot, app)
            await wait_until(pilot, lambda: evidence.photos_done >= 1)
    finally:
        camera.stop()
        recorder.stop()
    with db.sessions() as s:
        kinds = s.scalars(
            select(Event.kind).where(Event.order_id == "ORD-1001").order_by(Event.id)
        ).all()
        photo = s.scalars(select(Event).where(Event.kind == "evidence.photo")).one()
        note = s.scalars(select(Notification).where(Notification.order_id == "ORD-1001")).one()
    assert "evidence.missing" not in kinds  # the camera was recording at the claim
    assert kinds.index("defect.recorded") < kinds.index("evidence.photo")
    path = settings.dir / photo.payload["file"]
    assert path.parent == settings.station().photos / "ORD-1001"
    assert path.name.startswith("defect-") and path.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert photo.payload["sha256"] == sha256_file(path)
    assert photo.payload["defect"]["kind"] == "damaged"
    # The buyer's notification waited for the photo and carries it.
    assert note.payload["photo"]["sha256"] == photo.payload["sha256"]
    assert note.payload["photo"]["file"] == photo.payload["file"]
    assert note.status == "pending" and note.next_attempt_at <= photo.at


def stale_status(settings: EvidenceSettings, state: str, age_s: float) -> None:
    at = utcnow() - timedelta(seconds=age_s)
    write_status(settings.station().status_file, RecorderStatus("PS-01", state, at))  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_no_recorder_not_required_marks_no_evidence_and_defect_has_no_photo(
    db: Database, rules: PackRules, tmp_path: Path, locale: str
) -> None:
    settings = settings_of(write_config(tmp_path, "http://127.0.0.1:9/none.mjpg"))
    stale_status(settings, "recording", age_s=60)  # a recorder that died a minute ago
    app, evidence = station(db, rules, settings, tmp_path, locale)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: camera_state(app) is DeviceState.ERROR)
        await pilot.pause()
        assert ("camera off" if locale == "en" else "камера не пишет") in bar_text(app)
        walk = Walk(app, locale)
        walk.check("camera off on the device bar")
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1001")
        assert app.state.order is not None  # not required: packing goes on
        await defect(pilot, app)
        await wait_until(pilot, lambda: evidence.photos_done >= 1)
        walk.check("defect without a photo")
    assert walk.problems == [], "\n".join(walk.problems)
    with db.sessions() as s:
        events = {e.kind: e for e in s.scalars(select(Event).where(Event.order_id == "ORD-1001"))}
        note = s.scalars(select(Notification).where(Notification.order_id == "ORD-1001")).one()
    assert events["evidence.missing"].payload["camera"] == "not_running"
    assert "no camera picture" in events["evidence.photo_missing"].payload["error"]
    assert "photo" not in note.payload
    # released at once: the notification need not wait for a photo that will not come
    missing_at = events["evidence.photo_missing"].at
    assert note.next_attempt_at <= missing_at


async def test_without_camera_the_bar_and_claims_are_as_before(
    db: Database, rules: PackRules, tmp_path: Path
) -> None:
    setup = StationSetup(db=db, station_id="PS-01", rules=rules, locale="en")
    app = StationApp(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await pilot.pause()
        assert "camera" not in bar_text(app)
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1001")
        assert app.state.order is not None
    with db.sessions() as s:
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
    assert "evidence.missing" not in kinds


def test_watch_reports_state_changes_only(tmp_path: Path) -> None:
    settings = settings_of(write_config(tmp_path, "http://127.0.0.1:9/none.mjpg", required=True))
    seen = []
    now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    watch = CameraWatch(settings, clock=lambda: now)
    watch.on_status = seen.append
    assert watch.camera_state().state == "unknown" and watch.camera_state().required
    watch.poll()
    watch.poll()
    assert [s.state for s in seen] == [DeviceState.ERROR]  # no recorder.json: not running
    assert seen[0].detail.startswith("not_running")
    write_status(settings.station().status_file, RecorderStatus("PS-01", "recording", now))
    watch.poll()
    write_status(settings.station().status_file, RecorderStatus("PS-01", "no_camera", now))
    watch.poll()
    assert [s.state for s in seen[1:]] == [DeviceState.CONNECTED, DeviceState.DISCONNECTED]
    assert watch.camera_state().state == "no_camera" and not watch.camera_state().ready
