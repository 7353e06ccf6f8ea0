"""`packstation evidence ORDER` end to end on a seeded SQLite file with hand-made events and
segments: the clip, the photos, the sidecar; and its one-line errors."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from packstation.cli.main import main
from packstation.clock import utcnow
from packstation.evidence.clips import cue_text
from packstation.evidence.photos import NoRecentPhoto, order_photos, take_photo
from packstation.evidence.settings import StationPaths
from packstation.evidence.timeline import order_timeline
from packstation.models import Event, Operator
from packstation.models.db import open_database
from tests.evidence.conftest import subtitles_of, video_of, write_segment
from tests.station.conftest import PACKER, seed

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
STATION = "PS-01"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def add_events(url: str, order: str, events: list[tuple[float, str, dict[str, Any]]]) -> None:
    db = open_database(url)
    with db.unit_of_work() as s:
        packer = s.scalars(select(Operator.id).where(Operator.badge == PACKER)).one()
        for offset, kind, payload in events:
            s.add(
                Event(
                    at=at(offset),
                    kind=kind,
                    order_id=None if kind.startswith("session.") else order,
                    station_id=STATION,
                    operator_id=packer,
                    payload=payload,
                )
            )
            s.flush()  # ids in the order written
    db.dispose()


#: A two-box order: claim, scans (one rejected), box marks, two labels scanned back.
PACKING = [
    (1.2, "order.claimed", {"via": "id"}),
    (2.0, "scan.accepted", {"order_id": "ORD-1001", "line_id": 1, "code": "4601234567893"}),
    (2.0, "scan.rejected", {"order_id": "ORD-1001", "code": "999", "reason": "unknown_code"}),
    (3.0, "box.split", {"order_id": "ORD-1001", "seq": 1, "units": 1}),
    (4.0, "box.sealed", {"order_id": "ORD-1001", "seq": 1, "units": 1, "actual_g": "512.000"}),
    (5.0, "label.confirmed", {"order_id": "ORD-1001", "parcel_id": "P-1"}),
    (6.5, "label.confirmed", {"order_id": "ORD-1001", "parcel_id": "P-2"}),
    (6.5, "order.packed", {"order_id": "ORD-1001", "parcel_ids": ["P-1", "P-2"]}),
]


@pytest.fixture
def rig(sqlite_url: str, fixtures_dir: Path, tmp_path: Path) -> dict[str, Any]:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    db.dispose()
    add_events(sqlite_url, "ORD-1001", PACKING)
    add_events(sqlite_url, "ORD-1002", [(2.0, "order.claimed", {})])  # never packed
    # packed where nothing was recorded
    add_events(sqlite_url, "ORD-1003", [(100, "order.claimed", {}), (110, "order.packed", {})])
    evidence = tmp_path / "evidence"
    for start in (0.0, 4.0, 8.0):
        write_segment(evidence / STATION / "segments", at(start), 4.0)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "{STATION}"\n[evidence]\ndir = {json.dumps(str(evidence))}\n',
        encoding="utf-8",
    )
    return {"url": sqlite_url, "config": str(config), "evidence": evidence, "tmp": tmp_path}


def test_timeline_of_a_two_box_order(rig: dict[str, Any]) -> None:
    db = open_database(rig["url"])
    with db.engine.connect() as conn:
        tl = order_timeline(conn, "ORD-1001")
    db.dispose()
    assert (tl.station_id, tl.packer, tl.start, tl.end) == (STATION, "Анна К.", at(1.2), at(6.5))
    assert [e.text for e in tl.entries] == [
        f"order ORD-1001 · station PS-01 · packer Анна К. (#{tl.packer_id})",
        "scan 4601234567893 accepted (line MUG-CER-350)",
        "scan 999 REJECTED: unknown_code",
        "BOX 1 closed with 1 unit(s); next box",
        "BOX 1 sealed: 1 unit(s), 512 g",
        "label scanned back: parcel P-1",
        "label scanned back: parcel P-2",
        "order packed: 2 parcel(s)",
    ]


def test_export_writes_clip_photos_and_sidecar(
    rig: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = StationPaths(rig["evidence"] / STATION)
    paths.latest_jpg.write_bytes(b"\xff\xd8 a still \xff\xd9")
    # The still's age is judged by its file time, which the kernel stamps: not `utcnow`,
    # so that this holds with the clock shifted too.
    now = datetime.fromtimestamp(paths.latest_jpg.stat().st_mtime, UTC) + timedelta(seconds=1)
    photo = take_photo(paths, "ORD-1001", "defect", now=now)
    again = take_photo(paths, "ORD-1001", "defect", now=now)
    assert (photo.path.name, again.path.name) == ("defect.jpg", "defect-2.jpg")
    out = rig["tmp"] / "out" / "ord.mp4"
    out.parent.mkdir()
    code = main(
        ["evidence", "ORD-1001", "-o", str(out), "--db", rig["url"], "--config", rig["config"]]
    )
    assert code == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert f"{out}: 7.5 s, starts 0.2 s before the claim (keyframe), 6 subtitle cue(s)" in said
    sidecar = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["order"] == "ORD-1001" and sidecar["station"] == STATION
    assert sidecar["packer"]["name"] == "Анна К."
    assert (sidecar["claimed_at"], sidecar["packed_at"]) == (
        at(1.2).isoformat(),
        at(6.5).isoformat(),
    )
    assert sidecar["clip"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert sidecar["clip"]["starts_at"] == at(1.0).isoformat()
    assert [e["kind"] for e in sidecar["timeline"]] == [k for _, k, _ in PACKING]
    shots = sidecar["photos"]
    assert [p["file"] for p in shots] == ["ord.photo-1.jpg", "ord.photo-2.jpg"]
    for shot in shots:
        data = (out.parent / shot["file"]).read_bytes()
        assert shot["sha256"] == hashlib.sha256(data).hexdigest() == photo.sha256
    frames, span = video_of(out)
    assert frames == 76 and span == pytest.approx(7.5, abs=0.01)  # 1.0 .. 8.5 (tail 2 s)
    cues = subtitles_of(out)
    assert [text for _, _, text in cues][1] == "\n".join(
        cue_text(at(2.0), e["text"]) for e in sidecar["timeline"][1:3]
    )
    assert [ms for ms, _, _ in cues] == [200, 1000, 2000, 3000, 4000, 5500]


@pytest.mark.parametrize(
    ("order", "error"),
    [
        ("ORD-9999", "order ORD-9999 is unknown"),
        ("ORD-1002", "order ORD-1002 was never packed"),
        ("ORD-1003", "no video recorded between 2026-03-02 10:01:40 and 10:01:52 UTC"),
    ],
)
def test_export_errors_are_one_line(
    rig: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    order: str,
    error: str,
) -> None:
    monkeypatch.chdir(rig["tmp"])
    assert main(["evidence", order, "--db", rig["url"], "--config", rig["config"]]) == 1
    assert capsys.readouterr().err == f"packstation: {error}\n"
    assert not list(Path(rig["tmp"]).glob("*.mp4")) and not list(Path(rig["tmp"]).glob("*.json"))


def test_photos_are_refused_when_the_still_is_old(rig: dict[str, Any]) -> None:
    paths = StationPaths(rig["evidence"] / STATION)
    with pytest.raises(NoRecentPhoto, match="the recorder has written none"):
        take_photo(paths, "ORD-1001", "x", now=utcnow())
    paths.latest_jpg.write_bytes(b"\xff\xd8\xff\xd9")
    mtime = paths.latest_jpg.stat().st_mtime
    later = datetime.fromtimestamp(mtime, UTC) + timedelta(seconds=30)
    with pytest.raises(NoRecentPhoto, match="30 s old"):
        take_photo(paths, "ORD-1001", "x", now=later)
    taken = take_photo(paths, "../ORD/1001", "../../evil", now=later, max_age_s=60)
    assert taken.path.parent == paths.photos / "_ORD_1001"  # one folder, never a path
    assert taken.path.name == "_.._evil.jpg"
    assert order_photos(rig["evidence"], "../ORD/1001") == [taken]


def test_export_stores_the_clip_hash_with_the_order_events(
    rig: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    out = rig["tmp"] / "ord.mp4"
    args = ["evidence", "ORD-1001", "-o", str(out), "--db", rig["url"], "--config", rig["config"]]
    assert main(args) == 0
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"sha256 {digest} (stored with the order's events)" in capsys.readouterr().out
    assert main(args) == 0  # the same clip cut again: the same bytes, stored once
    assert f"sha256 {digest} (as stored before)" in capsys.readouterr().out
    db = open_database(rig["url"])
    with db.sessions() as s:
        clips = s.scalars(
            select(Event).where(Event.order_id == "ORD-1001", Event.kind == "evidence.clip")
        ).all()
    db.dispose()
    assert len(clips) == 1
    (clip,) = clips
    assert clip.station_id == STATION and clip.payload["sha256"] == digest
    assert clip.payload["via"] == "export" and clip.payload["bytes"] == out.stat().st_size
    assert clip.payload["starts_at"] == at(1.0).isoformat()
