"""`[camera]` / `[evidence]` from the config, and reading `recorder.json` as the station will."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from packstation.evidence.settings import EvidenceConfigError, EvidenceSettings
from packstation.evidence.status import RecorderStatus, read_status, write_status

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_defaults_and_a_full_section(tmp_path: Path) -> None:
    bare = EvidenceSettings.from_config({}, "PS-01")
    assert (bare.segment_s, bare.keep_days, bare.max_gb, bare.camera.url) == (10, 30, None, "")
    assert bare.dir.name == "evidence"
    raw = {
        "camera": {
            "url": "rtsp://admin:s3cret@10.0.0.5:554/stream1?token=x",
            "fps": 8,
            "required": True,
            "options": {"stimeout": 5000000},
        },
        "evidence": {"dir": "ev", "segment_s": 6, "keep_days": 14, "max_gb": 50},
    }
    s = EvidenceSettings.from_config(raw, "PS/02", tmp_path)
    assert s.dir == tmp_path / "ev"  # relative to the config file
    assert s.station().root == tmp_path / "ev" / "PS_02"  # a station id is one folder
    assert (s.camera.fps, s.camera.required, s.max_bytes) == (8, True, 50 * 1024**3)
    assert s.camera.shown_url == "rtsp://10.0.0.5:554/stream1"  # no password, no token
    assert s.camera.input_options() == {
        "stimeout": "5000000",
        "rtsp_transport": "tcp",
        "analyzeduration": "1000000",
    }
    assert s.camera.input_format() is None
    usb = EvidenceSettings.from_config({"camera": {"url": "/dev/video0"}}, "PS-01")
    assert (usb.camera.is_device, usb.camera.input_format(), usb.camera.input_options()) == (
        True,
        "v4l2",
        {},
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"camera": {"fps": 0}}, "camera.fps must be a number from 1 to 30"),
        ({"camera": {"fps": True}}, "camera.fps must be a number from 1 to 30"),
        ({"camera": {"required": "yes"}}, "camera.required must be true or false"),
        ({"camera": {"url": 5}}, "camera.url must be a string"),
        ({"camera": {"crf": 20.5}}, "camera.crf must be a whole number from 0 to 51"),
        ({"evidence": {"segment_s": 0.5}}, "evidence.segment_s must be a number from 1 to 60"),
        ({"evidence": {"max_gb": -1}}, "evidence.max_gb must be a number from 0.001"),
        ({"evidence": {"keep_days": float("nan")}}, "evidence.keep_days must be a number"),
        ({"evidence": "x"}, r"\[evidence\] must be a table"),
    ],
)
def test_errors_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(EvidenceConfigError, match=message):
        EvidenceSettings.from_config(raw, "PS-01")


def test_status_is_not_running_when_missing_stale_or_broken(tmp_path: Path) -> None:
    path = tmp_path / "recorder.json"
    assert read_status(path, "PS-01", now=NOW).state == "not_running"
    live = RecorderStatus("PS-01", "stalled", NOW, NOW - timedelta(seconds=4), detail="EOF")
    write_status(path, live)
    got = read_status(path, "PS-01", now=NOW + timedelta(seconds=3))
    assert got == RecorderStatus(
        "PS-01", "stalled", NOW, NOW - timedelta(seconds=4), detail="EOF", mode="", segment=""
    )
    old = read_status(path, "PS-01", now=NOW + timedelta(seconds=60))
    assert (old.state, old.detail) == ("not_running", "recorder silent for 60 s (was stalled)")
    path.write_text("{", encoding="utf-8")
    assert read_status(path, "PS-01", now=NOW).detail.startswith("unreadable")
