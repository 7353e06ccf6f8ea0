"""The recorder as a real process against cameras on localhost: MJPEG (encoded) and H.264
(copied); unplugging and replugging; `kill -9` in the middle of a segment; a clip cut
from what it wrote."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import av
import pytest
from PIL import Image

from packstation.clock import utcnow
from packstation.evidence.clips import cue_text, cut_clip
from packstation.evidence.files import list_segments, segment_name
from packstation.evidence.simulator import H264Camera, MjpegCamera
from tests.evidence.conftest import (
    RecorderProcess,
    decoded_frames,
    subtitles_of,
    video_of,
    write_config,
)

pytestmark = pytest.mark.other_process  # the recorder stamps segments with the real clock
SEGMENT_S = 2.0


def _cut_and_check(folder: Path, out: Path, gop_s: float) -> None:
    """A clip over two closed segments: duration, subtitles and hash as promised."""
    segs = list_segments(folder)
    start = segs[1].start + timedelta(seconds=0.55)
    end = segs[2].start + timedelta(seconds=1.0)
    timeline = [
        (start, "order ORD-1 · station PS-01 · packer Анна (#1)"),
        (start + timedelta(seconds=0.4), "scan 4601234567893 accepted (line MUG)"),
        (start + timedelta(seconds=0.9), "scan 123 REJECTED: unknown_code"),
        (end, "order packed: 1 parcel(s)"),
    ]
    clip = cut_clip(folder, start, end, timeline, out, tail_s=0.5)
    asked = (end - start).total_seconds() + 0.5
    frames, span = video_of(out)
    assert frames >= 10
    # Starts at a keyframe at most one GOP early; ends with the recording or the tail.
    assert 0 <= clip.early_s <= gop_s + 0.15
    assert asked - 0.3 <= span <= asked + gop_s + 0.3
    assert abs(span - clip.duration_s) < 0.15
    cues = subtitles_of(out)
    assert [text.split("\n") for _, _, text in cues] == [
        [cue_text(at, text)] for at, text in timeline
    ]
    starts = [ms for ms, _, _ in cues]
    expected = [round(((at - clip.start).total_seconds()) * 1000) for at, _ in timeline]
    assert all(abs(a - b) <= 2 for a, b in zip(starts, expected, strict=True))
    assert clip.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_mjpeg_camera_is_encoded_survives_unplug_and_kill_9(
    tmp_path: Path, recorders: list[RecorderProcess]
) -> None:
    camera = MjpegCamera(size=(320, 240), fps=15).start()
    try:
        config = write_config(tmp_path, camera.url, segment_s=SEGMENT_S)
        rec = RecorderProcess(config, tmp_path / "evidence" / "PS-01")
        recorders.append(rec)
        rec.wait_state("recording")
        assert rec.status()["mode"].startswith("encode mjpeg 320x240 -> h264 10 fps")
        rec.wait_segments(4)
        with Image.open(rec.station_dir / "latest.jpg") as still:
            assert still.format == "JPEG" and still.size == (320, 240)
        _cut_and_check(rec.segments_dir, tmp_path / "clip-mjpeg.mp4", gop_s=1.0)

        camera.stop()  # unplug
        rec.wait_state("stalled", timeout=10)
        assert rec.status()["last_frame_at"]
        camera.start()  # plug in again, same port
        rec.wait_state("recording", timeout=15)

        # kill -9 while a segment is being written
        rec.wait_for("a segment being written", lambda: bool(rec.status().get("segment")))
        before = len(list_segments(rec.segments_dir))
        rec.wait_segments(before + 1)
        rec.wait_for(
            "the new segment holding data",
            lambda: list_segments(rec.segments_dir)[-1].size > 4000,
        )
        rec.kill()
    finally:
        camera.stop()
    segments = list_segments(rec.segments_dir)
    *closed, torn = segments
    frames = [decoded_frames(seg.path) for seg in closed]
    assert all(n >= 1 for n in frames), frames  # the one cut by the unplug too
    assert sum(n >= 15 for n in frames) >= 4, frames  # 2 s at 10 fps
    # The torn one keeps what was written before the kill (each packet is flushed).
    assert decoded_frames(torn.path) >= 1


def test_h264_camera_is_copied_not_encoded_and_old_video_pruned(
    tmp_path: Path, recorders: list[RecorderProcess], sqlite_url: str
) -> None:
    camera = H264Camera(size=(320, 240), fps=10, gop=10)
    sent = {bytes(p) for p in camera._packets}
    station = tmp_path / "evidence" / "PS-01"
    old = [utcnow() - timedelta(days=40, seconds=10 * i) for i in range(3)]
    for start in old:  # left from 40 days ago; the database knows no protected order
        (station / "segments").mkdir(parents=True, exist_ok=True)
        (station / "segments" / segment_name(start)).write_bytes(b"\0" * 188)
    camera.start()
    try:
        config = write_config(
            tmp_path, camera.url, db=sqlite_url, segment_s=SEGMENT_S, prune_every_s=5
        )
        rec = RecorderProcess(config, station)
        recorders.append(rec)
        rec.wait_state("recording")
        assert rec.status()["mode"] == "copy h264 320x240"
        rec.wait_segments(4 + len(old))
        rec.wait_for(
            "the recorder's retention round",
            lambda: (
                not any(
                    s.start < utcnow() - timedelta(days=1) for s in list_segments(rec.segments_dir)
                )
            ),
            timeout=15,
        )
        assert Image.open(rec.station_dir / "latest.jpg").size == (320, 240)
        _cut_and_check(rec.segments_dir, tmp_path / "clip-h264.mp4", gop_s=1.0)
        assert rec.stop() == 0
    finally:
        camera.stop()
    # Every frame on disk is a frame the camera sent, byte for byte (the TS muxer only
    # puts an access unit delimiter, and the parameter sets at keyframes, in front).
    seg = list_segments(rec.segments_dir)[1]
    with av.open(str(seg.path)) as container:
        got = [bytes(p) for p in container.demux(video=0) if p.size]
    assert len(got) >= 15
    assert all(any(g.endswith(s) for s in sent) for g in got)
