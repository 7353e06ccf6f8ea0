"""An order's clip: the segments covering a time range, remuxed into one MP4 with the
station's events as a subtitle track.

No re-encoding: packets are copied, so the clip is exactly what the camera (or the
recorder's encoder) produced and cutting costs a file copy, not minutes of CPU. A copy
can only start at a keyframe, so the clip starts at the last keyframe at or before the
range's start: up to one GOP early (1 s for encoded MJPEG, the camera's GOP for H.264).
It ends `tail_s` after the range (the parcel being put away). Time in the clip is real
time: a gap in the recording (recorder down) stays a gap (the player holds the last
picture), and is listed in `Clip.gaps`.

The timeline is a `mov_text` track (MP4's own text subtitles, shown by VLC, mpv, QuickTime
and browsers' players as a switchable track), each cue from its event to the next, not
burned into the picture: burning in would need decoding and encoding every frame.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from fractions import Fraction
from itertools import groupby
from pathlib import Path
from typing import Any

import av
from av.subtitles.subtitle import SubtitleSet

from packstation.evidence.files import EvidenceError, Segment, list_segments, sha256_file

__all__ = ["Clip", "Cue", "NoSegments", "cue_text", "cues_of", "cut_clip"]

TB = Fraction(1, 90000)
MS = Fraction(1, 1000)
#: A pause between two frames longer than this is a gap in the recording.
GAP_S = 2.0
ASS_HEADER = b"""[Script Info]
ScriptType: v4.00+
PlayResX: 1280
PlayResY: 720

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Sans,28,&Hffffff,&Hffffff,&H0,&H80000000,0,0,0,0,100,100,0,0,3,1,0,7,16,16,16,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


class NoSegments(EvidenceError):
    """Nothing was recorded at this station for the time asked."""


@dataclass(frozen=True, slots=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class Clip:
    path: Path
    sha256: str
    size: int
    requested_start: datetime
    requested_end: datetime
    #: Time of the clip's first and last frame.
    start: datetime
    end: datetime
    segments: tuple[str, ...]
    cues: tuple[Cue, ...]
    gaps: tuple[tuple[datetime, datetime], ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def early_s(self) -> float:
        """How much earlier than asked the clip starts (back to a keyframe)."""
        return (self.requested_start - self.start).total_seconds()

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "sha256": self.sha256,
            "bytes": self.size,
            "requested": [self.requested_start.isoformat(), self.requested_end.isoformat()],
            "starts_at": self.start.isoformat(),
            "ends_at": self.end.isoformat(),
            "starts_early_s": round(self.early_s, 3),
            "cut": "copied without re-encoding from the last keyframe at or before the start",
            "subtitles": "mov_text track (one cue per event time)",
            "segments": list(self.segments),
            "gaps": [[a.isoformat(), b.isoformat()] for a, b in self.gaps],
            "notes": list(self.notes),
        }


def cue_text(at: datetime, text: str, tz: tzinfo = UTC) -> str:
    """One line of a cue: its time and the event. ASS would read braces and backslashes as
    styling codes: they become () and /, here only (the sidecar keeps the exact text)."""
    safe = text.replace("\\", "/").replace("{", "(").replace("}", ")").replace("\n", " ")
    return f"{at.astimezone(tz):%H:%M:%S} {safe}"


def cues_of(
    timeline: Sequence[tuple[datetime, str]], t0: datetime, end: datetime, tz: tzinfo = UTC
) -> tuple[list[Cue], int]:
    """Cues from the events up to `end`, each until the next; events at one millisecond
    share a cue (lines joined with ASS's ``\\N``). Returns the cues and how many events
    fell after `end` (left out)."""
    last_ms = max(1, round((end - t0) / timedelta(milliseconds=1)))
    inside = [(at, text) for at, text in sorted(timeline, key=lambda e: e[0]) if at <= end]
    groups = [
        (ms, [cue_text(at, text, tz) for at, text in items])
        for ms, items in groupby(
            inside, key=lambda e: max(0, round((e[0] - t0) / timedelta(milliseconds=1)))
        )
    ]
    cues = []
    for i, (ms, lines) in enumerate(groups):
        until = groups[i + 1][0] if i + 1 < len(groups) else max(last_ms, ms + 1)
        cues.append(Cue(ms, until, "\\N".join(lines)))
    return cues, len(timeline) - len(inside)


@dataclass(slots=True)
class _Out:
    """The MP4 being written; its video stream is made from the first segment's."""

    container: Any
    template: Any
    video: Any = None
    subs: Any = None
    t0: datetime | None = None
    last_dts: int = -1
    last_wall: datetime | None = None
    first_wall: datetime | None = None
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)

    def write(self, wall: datetime, packet: av.Packet[Any], pts_delta: int) -> None:
        if self.t0 is None:
            self.t0 = self.first_wall = wall
        if self.last_wall is not None and (wall - self.last_wall).total_seconds() > GAP_S:
            self.gaps.append((self.last_wall, wall))
        dts = max(round((wall - self.t0).total_seconds() / TB), self.last_dts + 1)
        packet.stream = self.video
        packet.time_base = TB
        packet.dts, packet.pts = dts, dts + max(0, pts_delta)
        self.container.mux(packet)
        self.last_dts, self.last_wall = dts, wall


@dataclass(frozen=True, slots=True)
class _Cut:
    start: datetime
    end: datetime
    segments: tuple[str, ...]
    cues: tuple[Cue, ...]
    gaps: tuple[tuple[datetime, datetime], ...]
    notes: tuple[str, ...]


def _subtitle_packet(stream: Any, cue: Cue, index: int) -> av.Packet[Any]:
    dialogue = f"{index},0,Default,,0,0,0,,{cue.text}".encode()
    sub = SubtitleSet.create(text=dialogue, start=0, end=cue.end_ms - cue.start_ms, pts=0)
    packet: av.Packet[Any] = stream.codec_context.encode_subtitle(sub)
    packet.stream = stream
    packet.time_base = MS
    packet.pts = packet.dts = cue.start_ms
    packet.duration = cue.end_ms - cue.start_ms
    return packet


def _covering(folder: Path, start: datetime, end: datetime) -> list[Segment]:
    return [
        s
        for s in list_segments(folder)
        if s.start <= end and (s.next_start is None or s.next_start > start)
    ]


def cut_clip(
    folder: Path,
    start: datetime,
    end: datetime,
    timeline: Sequence[tuple[datetime, str]],
    out: Path,
    *,
    tail_s: float = 2.0,
    tz: tzinfo = UTC,
    metadata: Mapping[str, str] | None = None,
) -> Clip:
    """Cut [start, end + tail_s] from the segments in `folder` into `out` (MP4), with the
    timeline as subtitles (times shown in `tz`). Raises NoSegments when nothing covers it."""
    stop = end + timedelta(seconds=tail_s)
    segments = _covering(folder, start, stop)
    if not segments:
        raise NoSegments(
            f"no video recorded between {start:%Y-%m-%d %H:%M:%S} and {stop:%H:%M:%S} UTC"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".mp4", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        clip = _write(segments, start, end, stop, timeline, tmp, tz, metadata or {})
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Clip(
        path=out,
        sha256=sha256_file(out),
        size=out.stat().st_size,
        requested_start=start,
        requested_end=end,
        start=clip.start,
        end=clip.end,
        segments=clip.segments,
        cues=clip.cues,
        gaps=clip.gaps,
        notes=clip.notes,
    )


def _write(
    segments: list[Segment],
    start: datetime,
    end: datetime,
    stop: datetime,
    timeline: Sequence[tuple[datetime, str]],
    path: Path,
    tz: tzinfo,
    metadata: Mapping[str, str],
) -> _Cut:
    notes: list[str] = []
    used: list[str] = []
    pending: list[tuple[datetime, av.Packet[Any], int]] = []
    out: _Out | None = None
    shape: tuple[str, int, int] | None = None
    container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
    try:
        for seg in segments:
            try:
                source = av.open(str(seg.path), "r")
            except (av.FFmpegError, OSError) as exc:
                notes.append(f"{seg.path.name}: unreadable ({exc.strerror or exc}), left out")
                continue
            with source:
                if not source.streams.video:
                    continue
                stream = source.streams.video[0]
                this = (stream.codec_context.name, stream.width, stream.height)
                if shape is not None and this != shape:
                    notes.append(f"{seg.path.name}: {this[1]}x{this[2]} {this[0]}, left out")
                    continue
                pending.clear()
                ref: int | None = None
                tb = stream.time_base or TB
                try:
                    for packet in source.demux(stream):
                        ticks = packet.dts if packet.dts is not None else packet.pts
                        if ticks is None or packet.size == 0:
                            continue
                        ref = ticks if ref is None else ref
                        wall = seg.start + timedelta(seconds=float((ticks - ref) * tb))
                        if wall > stop:
                            break
                        pts = packet.pts if packet.pts is not None else ticks
                        delta = round((pts - ticks) * tb / TB)
                        if out is None:
                            if packet.is_keyframe:
                                pending = [(wall, packet, delta)]
                            elif pending:
                                pending.append((wall, packet, delta))
                            if wall < start:
                                continue
                            if not pending:
                                continue
                            out = _open_out(container, stream, metadata)
                            shape = this
                            for item in pending:
                                out.write(*item)
                            pending.clear()
                        else:
                            out.write(wall, packet, delta)
                        if not used or used[-1] != seg.path.name:
                            used.append(seg.path.name)
                except (av.FFmpegError, OSError) as exc:  # a segment cut short by a crash
                    notes.append(f"{seg.path.name}: read up to a damaged end ({exc})")
        if out is None or out.first_wall is None or out.last_wall is None:
            raise NoSegments(
                f"no video recorded between {start:%Y-%m-%d %H:%M:%S} and {stop:%H:%M:%S} UTC"
            )
        assert out.t0 is not None
        clip_end = out.last_wall
        cues, dropped = cues_of(timeline, out.t0, clip_end, tz)
        if dropped:
            notes.append(f"{dropped} event(s) after the recording ends are not in the subtitles")
        for i, cue in enumerate(cues):
            container.mux(_subtitle_packet(out.subs, cue, i))
        if out.first_wall > start:
            notes.append(
                f"recording starts {(out.first_wall - start).total_seconds():.1f} s after the "
                "time asked"
            )
        if clip_end < end:
            notes.append(f"recording ends {(end - clip_end).total_seconds():.1f} s early")
        return _Cut(
            out.first_wall, clip_end, tuple(used), tuple(cues), tuple(out.gaps), tuple(notes)
        )
    finally:
        container.close()


def _open_out(container: Any, stream: Any, metadata: Mapping[str, str]) -> _Out:
    out = _Out(container, stream)
    out.video = container.add_stream_from_template(stream)
    out.video.time_base = TB
    subs = container.add_stream("mov_text")
    subs.time_base = MS
    subs.codec_context.subtitle_header = ASS_HEADER
    subs.metadata["language"] = "eng"
    subs.metadata["title"] = "packing timeline"
    out.subs = subs
    for key, value in metadata.items():
        container.metadata[key] = value
    return out
