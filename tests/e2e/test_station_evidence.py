"""`kill -9` of the station mid-order keeps the evidence of the orders packed before.

The whole set-up as a bench runs it: `packstation run` on a pty, fed by the scanner and
scale simulators, with `[camera]`/`[evidence]` in its config pointing at an MJPEG camera
stand-in on localhost; the recorder (`packstation evidence record`) is a process of its
own. One order is packed by scans, a second is claimed, and the station is killed with
SIGKILL in the middle of it. The recorder goes on recording and cuts the first order's
clip by itself (its clips thread); the clip decodes and spans the claim to the label
scan-back, and the `evidence.clip` event's SHA-256 is the file's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.evidence.events import AUTO, CLIP
from packstation.evidence.files import list_segments, sha256_file
from packstation.evidence.simulator import MjpegCamera
from packstation.models import Event
from packstation.models.db import open_database
from tests.e2e.station_process import SAMPLE_CONFIG, StationProcess
from tests.e2e.test_station_process import ITEMS, _finish, _items
from tests.evidence.conftest import RecorderProcess, subtitles_of, video_of
from tests.station.conftest import PACKER

# Other processes read the real clock; the recorder stamps segments with it.
pytestmark = pytest.mark.other_process

STATION = "PS-E2E"
SEGMENT_S = 2


def station_config(tmp: Path, db_url: str, camera_url: str) -> Path:
    """The sample station config (as `StationProcess` runs it) with this station's id, the
    test's database (for the recorder), a camera and an evidence folder."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('id = "PS-01"', f"id = {json.dumps(STATION)}", 1)
    text = text.replace('url = "sqlite:///packstation.db"', f"url = {json.dumps(db_url)}", 1)
    assert f"id = {json.dumps(STATION)}" in text and json.dumps(db_url) in text
    evidence = {"segment_s": SEGMENT_S, "keep_days": 30, "clips_every_s": 1}
    text += "\n".join(
        [
            "",
            "[camera]",
            f"url = {json.dumps(camera_url)}",
            "fps = 10",
            "open_timeout_s = 2",
            "read_timeout_s = 2",
            "required = false",
            "[evidence]",
            f"dir = {json.dumps(str(tmp / 'evidence'))}",
            *(f"{k} = {json.dumps(v)}" for k, v in evidence.items()),
            "",
        ]
    )
    path = tmp / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def camera() -> Iterator[MjpegCamera]:
    cam = MjpegCamera((160, 120), fps=10)
    cam.start()
    yield cam
    cam.stop()


def _events(db_url: str, order_id: str, kind: str) -> list[Event]:
    db = open_database(db_url)
    try:
        with db.sessions() as s:
            return list(
                s.scalars(
                    select(Event)
                    .where(Event.order_id == order_id, Event.kind == kind)
                    .order_by(Event.id)
                )
            )
    finally:
        db.dispose()


def test_kill_9_of_the_station_mid_order_keeps_the_clip_of_the_order_before(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path, camera: MjpegCamera
) -> None:
    db_url, scanner, scale = rig
    config = station_config(tmp_path, db_url, camera.url)
    station_dir = tmp_path / "evidence" / STATION
    recorder = RecorderProcess(config, station_dir)
    station = StationProcess(db_url, scanner.port, scale.port, tmp_path / "spool", config=config)
    try:
        recorder.wait_state("recording")
        recorder.wait_segments(2)
        station.start()
        station.wait_ready()
        # The camera reaches the device bar (and the station row) as "connected".
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            cam = station.devices().get("camera")
            if isinstance(cam, dict) and cam.get("state") == "connected":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"camera never connected: {station.devices()}")

        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send("ORD-1001")
        station.wait_for(lambda s: s.order is not None, what="claim")
        _items(station, scanner, ITEMS)
        _finish(station, scanner, scale)

        scanner.send("ORD-1002")  # the second order: claimed, then the station dies
        station.wait_for(
            lambda s: s.order is not None and s.order.id == "ORD-1002", what="second claim"
        )
        station.kill()
        killed_at = time.monotonic()

        # The recorder is a process of its own: it records on, segment after segment.
        assert recorder.proc.poll() is None
        segments_then = len(list_segments(recorder.segments_dir))
        recorder.wait_segments(segments_then + 2)
        assert recorder.status().get("state") == "recording"

        # Its clips thread cuts the first order's clip once the end is in closed segments.
        recorder.wait_for(
            "ORD-1001's clip event", lambda: bool(_events(db_url, "ORD-1001", CLIP)), 40
        )
        assert time.monotonic() - killed_at < 40
    finally:
        station.kill()
        recorder.stop()

    (event,) = _events(db_url, "ORD-1001", CLIP)
    (claimed,) = _events(db_url, "ORD-1001", "order.claimed")
    (packed,) = _events(db_url, "ORD-1001", "order.packed")
    payload = event.payload
    assert payload["via"] == AUTO and event.station_id == STATION
    path = tmp_path / "evidence" / payload["file"]
    assert path.parent == station_dir / "clips" and path.name.endswith("_ORD-1001.mp4")
    # The hash stored with the order's events is the file's.
    assert payload["sha256"] == sha256_file(path)
    assert payload["bytes"] == path.stat().st_size
    # It decodes, and spans the claim to the label scan-back (+ 2 s tail), starting at a
    # keyframe at most one GOP (1 s, encoded camera) early.
    frames, span = video_of(path)
    packing = (packed.at - claimed.at).total_seconds()
    assert frames >= 10
    assert packing - 0.5 <= span <= packing + 2 + 1 + 1, (packing, span)
    texts = " ".join(cue[2] for cue in subtitles_of(path))
    assert f"order ORD-1001 · station {STATION}" in texts and "label scanned back" in texts
    # The order killed mid-way is not packed, so it has no clip (nor a "missing" one yet).
    assert _events(db_url, "ORD-1002", "order.claimed")
    assert not _events(db_url, "ORD-1002", "order.packed")
    assert not _events(db_url, "ORD-1002", CLIP)
