"""Every packed order's clip, cut by the recorder's side (`evidence/autoclip.py`): once the
segments holding its end are closed, once only, restart-safe; kept by retention like the
segments. The last test packs an order by scans while a real recorder process records the
MJPEG camera stand-in, and the recorder cuts the clip by itself."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from packstation.cli.main import main
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.evidence.autoclip import cut_pending
from packstation.evidence.events import AUTO, CLIP, CLIP_MISSING
from packstation.evidence.files import clip_file_name, list_clips, parse_clip_name, sha256_file
from packstation.evidence.retention import plan_for
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.simulator import MjpegCamera
from packstation.models import Defect, Event
from packstation.models.db import Database, open_database
from tests.evidence.conftest import (
    RecorderProcess,
    subtitles_of,
    video_of,
    write_config,
    write_segment,
)
from tests.evidence.test_export_cli import PACKING, STATION, add_events, at
from tests.station.conftest import SyncRunner, seed
from tests.station.test_multi_parcel_store import two_boxes_to_label


@pytest.fixture
def rig(sqlite_url: str, fixtures_dir: Path, tmp_path: Path) -> dict[str, Any]:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    db.dispose()
    add_events(sqlite_url, "ORD-1001", PACKING)  # type: ignore[arg-type]  # claimed 1.2 s, packed 6.5 s
    add_events(sqlite_url, "ORD-1002", [(2.0, "order.claimed", {})])  # not packed
    unrecorded: list[tuple[float, str, dict[str, Any]]] = [
        (100, "order.claimed", {}),
        (110, "order.packed", {}),
    ]
    add_events(sqlite_url, "ORD-1003", unrecorded)  # packed where nothing was recorded
    evidence = tmp_path / "evidence"
    for start in (0.0, 4.0, 8.0):
        write_segment(evidence / STATION / "segments", at(start), 4.0)
    settings = EvidenceSettings(station_id=STATION, dir=evidence, segment_s=4.0)
    return {"url": sqlite_url, "evidence": evidence, "settings": settings}


def clip_events(db: Database, kind: str = CLIP) -> list[Event]:
    with db.sessions() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_clips_are_cut_once_their_end_is_recorded_and_only_once(rig: dict[str, Any]) -> None:
    settings: EvidenceSettings = rig["settings"]
    db = open_database(rig["url"])
    try:
        # The end of ORD-1001 (6.5 s + 2 s) is in the segment being written (from 8 s).
        first = cut_pending(db, settings, now=at(20), tz=UTC)
        assert (first.cut, first.missing, first.waiting) == ([], [], 2)
        # A crash mid-cut left a temporary file: the next round removes it, never counts it.
        clips = settings.station().clips
        (clips / ".cut-7.mp4").write_bytes(b"half a clip")
        write_segment(settings.station().segments, at(12.0), 4.0)  # the one from 8 s closed
        second = cut_pending(db, settings, now=at(30), tz=UTC)
        assert [order for order, _ in second.cut] == ["ORD-1001"] and second.waiting == 1
        assert not (clips / ".cut-7.mp4").exists()
        (clip,) = list_clips(clips)
        assert clip.path.name.endswith("_ORD-1001.mp4") and clip.path.parent == clips
        assert parse_clip_name(clip.path.name) == (clip.start, clip.next_start)
        assert clip.start <= at(1.2) and clip.next_start is not None
        assert at(8.0) <= clip.next_start <= at(8.6)  # packed at 6.5 s, plus 2 s
        (event,) = clip_events(db)
        p = event.payload
        assert (event.order_id, event.station_id, p["via"]) == ("ORD-1001", STATION, AUTO)
        assert p["file"] == f"{STATION}/clips/{clip.path.name}"
        assert p["sha256"] == sha256_file(settings.dir / p["file"]) and p["bytes"] == clip.size
        texts = [cue[2] for cue in subtitles_of(clip.path)]
        assert any("label scanned back: parcel P-2" in t for t in texts)
        frames, span = video_of(clip.path)
        assert frames > 0 and 6.5 <= span <= 8.6

        # Long after ORD-1003 was packed nothing recorded it: said once, not tried again.
        third = cut_pending(db, settings, now=at(400), tz=UTC)
        assert third.cut == [] and [o for o, _ in third.missing] == ["ORD-1003"]
        (missing,) = clip_events(db, CLIP_MISSING)
        assert "no video recorded between" in missing.payload["error"]

        bytes_before = clip.path.read_bytes()
        again = cut_pending(db, settings, now=at(500), tz=UTC)
        assert (again.cut, again.missing, again.waiting, again.failed) == ([], [], 0, [])
        assert len(clip_events(db)) == 1 and len(clip_events(db, CLIP_MISSING)) == 1
        assert [c.path for c in list_clips(clips)] == [clip.path]
        assert clip.path.read_bytes() == bytes_before
    finally:
        db.dispose()


def test_a_lead_export_before_the_round_does_not_stop_the_recorders_clip(
    rig: dict[str, Any],
) -> None:
    settings: EvidenceSettings = rig["settings"]
    db = open_database(rig["url"])
    try:
        with db.unit_of_work() as s:
            s.add(
                Event(
                    at=at(15),
                    kind=CLIP,
                    order_id="ORD-1001",
                    station_id=STATION,
                    payload={"file": "ORD-1001.mp4", "sha256": "ab" * 32, "via": "export"},
                )
            )
        write_segment(settings.station().segments, at(12.0), 4.0)
        result = cut_pending(db, settings, now=at(30), tz=UTC)
        assert [order for order, _ in result.cut] == ["ORD-1001"]
        assert [e.payload["via"] for e in clip_events(db)] == ["export", AUTO]
        assert cut_pending(db, settings, now=at(31), tz=UTC).cut == []
    finally:
        db.dispose()


def test_clips_command_once(rig: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    config = rig["evidence"].parent / "station.toml"
    config.write_text(
        f'[station]\nid = "{STATION}"\n[evidence]\ndir = {json.dumps(str(rig["evidence"]))}\n'
        "keep_days = 3650\n",
        encoding="utf-8",
    )
    args = ["evidence", "clips", "--once", "--db", rig["url"], "--config", str(config)]
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "clip ORD-1001: " in said and "sha256 " in said
    assert "clip ORD-1003: none (no video recorded between" in said
    assert main(args) == 0
    assert capsys.readouterr().out == ""  # nothing left to do


def test_retention_treats_clips_like_segments(rig: dict[str, Any]) -> None:
    """40 days on: an old clip goes by age; the clip of an order with a defect stays."""
    settings: EvidenceSettings = rig["settings"]
    clips = settings.station().clips
    clips.mkdir(parents=True)
    kept = clips / clip_file_name(at(0), at(8.5), "ORD-1001")
    gone = clips / clip_file_name(at(100), at(112), "ORD-1003")
    for path in (kept, gone):
        path.write_bytes(b"\0" * 1000)
    now = at(40 * 86400)
    write_segment(settings.station().segments, now - timedelta(seconds=30), 1.0)
    db = open_database(rig["url"])
    try:
        with db.unit_of_work() as s:
            s.add(Defect(order_id="ORD-1001", kind="damaged", station_id=STATION))
        with db.engine.connect() as conn:
            plan, _ = plan_for(
                conn,
                settings.station().segments,
                STATION,
                now=now,
                keep_days=30,
                max_bytes=None,
                segment_s=4,
                clips=clips,
            )
    finally:
        db.dispose()
    deleted = {seg.path.name for seg, _ in plan.delete}
    spared = {seg.path.name for seg, _ in plan.spared}
    assert gone.name in deleted and kept.name in spared
    assert plan.total_bytes >= 2000  # clips count against max_gb


@pytest.mark.other_process  # the recorder stamps segments with the real clock
def test_an_order_packed_by_scans_gets_its_clip_from_the_recorder(
    sqlite_url: str,
    fixtures_dir: Path,
    rules: PackRules,
    tmp_path: Path,
    recorders: list[RecorderProcess],
) -> None:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    camera = MjpegCamera((160, 120), fps=10).start()
    config = write_config(tmp_path, camera.url, db=sqlite_url, clips_every_s=1)
    settings = EvidenceSettings(station_id="PS-01", dir=tmp_path / "evidence", segment_s=2)
    recorder = RecorderProcess(config, settings.station().root)
    recorders.append(recorder)
    station = SyncRunner(db, rules, tmp_path / "spool", station="PS-01")
    try:
        recorder.wait_state("recording")
        recorder.wait_segments(2)
        two_boxes_to_label(station)
        for parcel in station.results[-1].state.parcels:
            station.scan(parcel.parcel_id)
        deadline = time.monotonic() + 30
        while not clip_events(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        (event,) = clip_events(db)
    finally:
        station.stop()
        camera.stop()
        recorder.stop()
    try:
        with db.sessions() as s:
            claimed, packed = (
                s.scalars(
                    select(Event.at).where(Event.order_id == "ORD-1001", Event.kind == kind)
                ).one()
                for kind in ("order.claimed", "order.packed")
            )
        path = settings.dir / event.payload["file"]
        assert event.payload["via"] == AUTO and event.station_id == "PS-01"
        assert event.payload["sha256"] == sha256_file(path)
        frames, span = video_of(path)
        packing = (packed - claimed).total_seconds()
        assert frames > 0 and packing <= span + 0.5 <= packing + 2 + 2 + 1  # GOP 1 s, tail 2 s
        texts = " ".join(cue[2] for cue in subtitles_of(path))
        assert "order ORD-1001 · station PS-01" in texts and "label scanned back" in texts
        # Another round (the CLI's, by hand) finds nothing to do.
        report = cut_pending(db, settings, now=utcnow(), tz=UTC)
        assert (report.cut, report.missing) == ([], []) and len(clip_events(db)) == 1
        assert datetime.fromisoformat(event.payload["ends_at"]) >= packed
    finally:
        db.dispose()
