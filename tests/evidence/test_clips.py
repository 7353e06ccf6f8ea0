"""Cutting clips out of segments made here: keyframe starts, gaps, torn segments, cues."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from packstation.evidence.clips import NoSegments, cue_text, cues_of, cut_clip
from tests.evidence.conftest import subtitles_of, video_of, write_segment

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """0-4 s, 4-8 s, then the recorder was down until 20 s, then 20-24 s; GOP 1 s."""
    segs = tmp_path / "segments"
    for start in (0, 4, 20):
        write_segment(segs, s(start), 4.0)
    return segs


def test_clip_starts_at_the_keyframe_before_and_spans_segments(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clip.mp4"
    timeline = [(s(2.35), "claimed"), (s(3.0), "scan A"), (s(5.5), "packed")]
    clip = cut_clip(folder, s(2.35), s(5.5), timeline, out, tail_s=1.0)
    assert clip.start == s(2.0) and clip.early_s == pytest.approx(0.35)
    assert clip.end == s(6.5)
    assert clip.segments == ("20260302T100000.000Z.ts", "20260302T100004.000Z.ts")
    frames, span = video_of(out)
    assert (frames, span) == (46, pytest.approx(4.5, abs=0.01))
    assert subtitles_of(out) == [
        (350, 650, cue_text(s(2.35), "claimed")),
        (1000, 2500, cue_text(s(3.0), "scan A")),
        (3500, 1000, cue_text(s(5.5), "packed")),
    ]
    assert clip.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert clip.size == out.stat().st_size
    assert not clip.gaps and not clip.notes


def test_a_gap_in_the_recording_stays_a_gap(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    clip = cut_clip(folder, s(7.0), s(21.0), [(s(7.0), "claimed")], out, tail_s=0.0)
    assert clip.start == s(7.0)
    assert clip.gaps == ((s(7.9), s(20.0)),)
    _, span = video_of(out)
    assert span == pytest.approx(14.0, abs=0.01)  # real time, not 2 s of pictures


def test_recording_starting_late_or_ending_early_is_said(folder: Path, tmp_path: Path) -> None:
    clip = cut_clip(
        folder,
        s(-3.0),
        s(30.0),
        [(s(-3.0), "claimed"), (s(30.0), "packed")],
        tmp_path / "c.mp4",
    )
    assert clip.start == s(0.0)
    assert clip.notes == (
        "1 event(s) after the recording ends are not in the subtitles",
        "recording starts 3.0 s after the time asked",
        "recording ends 6.1 s early",
    )
    assert [text for _, _, text in subtitles_of(clip.path)] == [cue_text(s(-3.0), "claimed")]


def test_no_video_for_the_time_is_one_clear_error(folder: Path, tmp_path: Path) -> None:
    for start, end in ((s(-60), s(-30)), (s(10), s(15)), (s(40), s(50))):
        with pytest.raises(NoSegments, match="no video recorded between"):
            cut_clip(folder, start, end, [], tmp_path / "c.mp4", tail_s=0)
    with pytest.raises(NoSegments):
        cut_clip(tmp_path / "absent", s(0), s(1), [], tmp_path / "c.mp4")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".c.mp4*"))


def test_a_segment_torn_by_a_crash_gives_what_it_holds(folder: Path, tmp_path: Path) -> None:
    torn = folder / "20260302T100004.000Z.ts"
    data = torn.read_bytes()
    torn.write_bytes(data[: len(data) // 2 + 77])  # not even on a TS packet boundary
    clip = cut_clip(folder, s(1.0), s(7.0), [], tmp_path / "c.mp4", tail_s=0)
    frames, _ = video_of(clip.path)
    assert 45 <= frames < 61
    assert clip.segments == ("20260302T100000.000Z.ts", "20260302T100004.000Z.ts")


def test_cues_share_a_millisecond_and_text_cannot_style() -> None:
    timeline = [(s(1), "b {\\an8}x"), (s(0), "a"), (s(1), "c"), (s(9), "late")]
    cues, dropped = cues_of(timeline, s(0), s(5))
    assert dropped == 1
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (1000, 5000)]
    assert cues[1].text == "10:00:01 b (/an8)x\\N10:00:01 c"
