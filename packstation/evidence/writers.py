"""From camera packets to closed MPEG-TS segments: copied (H.264) or encoded (anything else).

MPEG-TS because a segment is readable up to its last complete 188-byte packet: a
`kill -9` or a power cut costs the tail of the segment being written, never the ones
before it (closed segments are also fsynced). Each segment starts with a keyframe and
its timestamps start at 0, so every file decodes on its own; its name is the UTC time
of its first frame.

Frame times: in copy mode the camera's timestamps are mapped to this machine's
monotonic clock by the smallest (arrival - timestamp) seen (packets can only be late,
never early; the estimate may creep up by `DRIFT` to follow a slow camera clock); in
encode mode a frame's time is its arrival. `wall_at` turns a monotonic time into UTC.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.video.frame import PictureType
from av.video.stream import VideoStream

from packstation.evidence.files import segment_name

__all__ = ["CopyWriter", "EncodeWriter", "SegmentWriter", "jpeg_of"]

log = logging.getLogger(__name__)

WallAt = Callable[[float], datetime]
#: How fast the camera-to-host offset may grow (s/s): 100 ppm covers cheap camera clocks.
DRIFT = 1e-4
#: A timestamp jump larger than this (or backwards) starts a new segment.
MAX_JUMP_S = 5.0
#: Inputs whose packets decode alone, so frames skipped by the fps limit are never decoded.
INTRA_ONLY = frozenset({"mjpeg", "rawvideo", "jpegls", "ljpeg"})
MS = Fraction(1, 1000)
#: Each packet goes to the file as it is muxed (not in 32 KB blocks): a crash loses at most
#: the frame in flight, and a clip cut right after the label scan sees the latest second.
FLUSH = {"flush_packets": "1"}


def jpeg_of(frame: av.VideoFrame, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    frame.to_image().save(buf, "JPEG", quality=quality)  # type: ignore[no-untyped-call]
    return buf.getvalue()


@dataclass(slots=True)
class _Segment:
    path: Path
    container: Any  # av OutputContainer
    stream: VideoStream
    start_mono: float
    #: The input timestamp (s) of the first packet (copy) or 0 (encode).
    base: float
    base_ticks: int = 0
    last_dts: int | None = None
    packets: int = 0

    def close(self) -> None:
        try:
            self.container.close()
        finally:
            try:
                fd = os.open(self.path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                log.warning("cannot fsync %s: %s", self.path, exc)


def _new_path(folder: Path, start: datetime) -> Path:
    """A name not yet taken (two segments in one millisecond: the second moves on)."""
    folder.mkdir(parents=True, exist_ok=True)
    while (path := folder / segment_name(start)).exists():
        start += timedelta(milliseconds=1)
    return path


class SegmentWriter:
    """Shared by both modes: rotation, closing, what is being written."""

    mode = ""

    def __init__(self, folder: Path, segment_s: float, wall_at: WallAt) -> None:
        self.folder = folder
        self.segment_s = segment_s
        self.wall_at = wall_at
        self.seg: _Segment | None = None
        self.closed: list[Path] = []

    @property
    def current(self) -> str:
        return self.seg.path.name if self.seg else ""

    def feed(self, packet: av.Packet[Any], mono: float) -> bool:
        """Write one camera packet; True when it became (part of) a frame on disk."""
        raise NotImplementedError

    def still(self, packet: av.Packet[Any]) -> bytes | None:
        """A JPEG of the picture now, if this packet can give one cheaply."""
        raise NotImplementedError

    def close(self) -> None:
        seg, self.seg = self.seg, None
        if seg is not None:
            self._finish(seg)
            self.closed.append(seg.path)

    def _finish(self, seg: _Segment) -> None:
        seg.close()


class CopyWriter(SegmentWriter):
    """H.264 as the camera sent it: no decoding, no encoding; a new segment at the first
    keyframe after `segment_s` (so a segment is as long as the camera's GOP allows)."""

    def __init__(
        self, stream: VideoStream, folder: Path, segment_s: float, wall_at: WallAt
    ) -> None:
        super().__init__(folder, segment_s, wall_at)
        self.stream = stream
        self.tb = stream.time_base or Fraction(1, 90000)
        self.mode = f"copy h264 {stream.width}x{stream.height}"
        self._offset: float | None = None
        self._last_mono = 0.0
        self._last_t: float | None = None
        self._decoder: Any = None

    def _arrival(self, t: float, mono: float) -> float:
        """The monotonic time the camera took frame `t` (its timestamp in seconds)."""
        seen = mono - t
        if self._offset is None:
            self._offset = seen
        else:
            self._offset = min(seen, self._offset + DRIFT * max(0.0, mono - self._last_mono))
        self._last_mono = mono
        return t + self._offset

    def feed(self, packet: av.Packet[Any], mono: float) -> bool:
        ticks = packet.dts if packet.dts is not None else packet.pts
        if ticks is None or packet.size == 0:
            return False
        t = float(ticks * self.tb)
        if self._last_t is not None and not 0 <= t - self._last_t <= MAX_JUMP_S:
            log.info("camera timestamps jumped by %.3f s: new segment", t - self._last_t)
            self.close()
            self._offset = None
        self._last_t = t
        taken = self._arrival(t, mono)
        seg = self.seg
        # Measured in the camera's own timestamps: exact, where arrival times jitter.
        if seg is None or (packet.is_keyframe and t - seg.base >= self.segment_s - 0.05):
            if not packet.is_keyframe:
                return False  # a segment must start with a keyframe
            self.close()
            seg = self.seg = self._open(taken, t, ticks)
        dts = ticks - seg.base_ticks
        if seg.last_dts is not None and dts <= seg.last_dts:
            return False  # a repeated or reordered packet: the muxer would refuse it
        pts = packet.pts - seg.base_ticks if packet.pts is not None else dts
        packet.stream = seg.stream
        packet.dts, packet.pts = dts, max(pts, dts)
        packet.time_base = self.tb
        seg.container.mux(packet)
        seg.last_dts = dts
        seg.packets += 1
        return True

    def _open(self, taken: float, t: float, ticks: int) -> _Segment:
        path = _new_path(self.folder, self.wall_at(taken))
        container = av.open(str(path), "w", format="mpegts", container_options=FLUSH)
        out = container.add_stream_from_template(self.stream)
        out.time_base = self.tb
        return _Segment(path, container, out, taken, t, base_ticks=ticks)

    def _finish(self, seg: _Segment) -> None:
        """Closed, then renamed when the timing estimate has since improved (the first
        segment after connecting: the probe's backlog arrived all at once)."""
        seg.close()
        if self._offset is None:
            return
        better = self.wall_at(seg.base + self._offset)
        if abs((better - self.wall_at(seg.start_mono)).total_seconds()) >= 0.05:
            target = self.folder / segment_name(better)
            if not target.exists():
                os.replace(seg.path, target)
                seg.path = target

    def still(self, packet: av.Packet[Any]) -> bytes | None:
        """Keyframes only, with a decoder of their own: a still costs one decode per GOP."""
        if not packet.is_keyframe or packet.size == 0:
            return None
        if self._decoder is None:
            self._decoder = av.CodecContext.create("h264", "r")
            if self.stream.codec_context.extradata:
                self._decoder.extradata = self.stream.codec_context.extradata
            self._decoder.thread_count = 1
        try:
            frames = self._decoder.decode(packet)
            if not frames:
                frames = self._decoder.decode(None)
                self._decoder.flush_buffers()
        except av.FFmpegError as exc:
            log.debug("still not decoded: %s", exc)
            self._decoder = None
            return None
        return jpeg_of(frames[-1]) if frames else None


class EncodeWriter(SegmentWriter):
    """Anything not H.264 (MJPEG over HTTP, USB cameras): decoded, limited to `fps`, encoded
    with x264 (ultrafast, zerolatency: no frames held back, so a crash loses little),
    one keyframe a second so a clip starts at most a second early."""

    def __init__(
        self,
        stream: VideoStream,
        folder: Path,
        segment_s: float,
        wall_at: WallAt,
        *,
        fps: float,
        crf: int,
        max_kbps: int = 0,
    ) -> None:
        super().__init__(folder, segment_s, wall_at)
        self.decoder = stream.codec_context
        self.decoder.thread_count = 1
        self.source = stream.codec_context.name
        self.fps = fps
        self.crf = crf
        self.max_kbps = max_kbps
        self.interval = 1.0 / fps
        self.intra_only = self.source in INTRA_ONLY
        self._due = 0.0
        self._size: tuple[int, int] | None = None
        self.last_frame: av.VideoFrame | None = None
        self.mode = f"encode {self.source} {stream.width}x{stream.height} -> h264 {fps:g} fps"

    def feed(self, packet: av.Packet[Any], mono: float) -> bool:
        if packet.size == 0:
            return False
        due = mono >= self._due - self.interval * 0.25
        if not due and self.intra_only:
            return False  # skipped before decoding: the JPEG costs nothing
        try:
            frames = self.decoder.decode(packet)
        except av.InvalidDataError as exc:  # one torn JPEG is no reason to reconnect
            log.debug("frame not decoded: %s", exc)
            return False
        if not due or not frames:
            return False
        self._due = max(self._due + self.interval, mono - self.interval)
        self._encode(frames[-1], mono)
        return True

    def _encode(self, frame: av.VideoFrame, mono: float) -> None:
        size = (frame.width - frame.width % 2, frame.height - frame.height % 2)
        if self.seg is not None and (
            mono - self.seg.start_mono >= self.segment_s or size != self._size
        ):
            self.close()
        if self.seg is None:
            self.seg = self._open(size, mono)
        seg = self.seg
        self.last_frame = frame
        out = frame.reformat(width=size[0], height=size[1], format="yuv420p")
        pts = round((mono - seg.start_mono) * 1000)
        if seg.last_dts is not None and pts <= seg.last_dts:
            pts = seg.last_dts + 1
        out.pts, out.time_base = pts, MS
        # A decoded JPEG is an I picture, and x264 obeys: every frame would be a keyframe.
        out.pict_type = PictureType.NONE
        seg.last_dts = pts
        seg.container.mux(seg.stream.encode(out))
        seg.packets += 1

    def _open(self, size: tuple[int, int], mono: float) -> _Segment:
        self._size = size
        path = _new_path(self.folder, self.wall_at(mono))
        container = av.open(str(path), "w", format="mpegts", container_options=FLUSH)
        stream = container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1000))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = MS
        ctx = stream.codec_context
        ctx.time_base = MS
        ctx.gop_size = max(1, round(self.fps))
        ctx.thread_count = 1
        options = {"preset": "ultrafast", "tune": "zerolatency", "crf": str(self.crf)}
        if self.max_kbps:  # capped CRF: the quality asked for, within the disk budget
            k = self.max_kbps
            options["x264-params"] = f"vbv-maxrate={k}:vbv-bufsize={2 * k}"
        ctx.options = options
        return _Segment(path, container, stream, mono, 0.0)

    def _finish(self, seg: _Segment) -> None:
        try:
            seg.container.mux(seg.stream.encode(None))
        except av.FFmpegError as exc:
            log.warning("flushing the encoder of %s: %s", seg.path.name, exc)
        seg.close()

    def still(self, packet: av.Packet[Any]) -> bytes | None:
        """An MJPEG camera's own JPEG as it came (when complete: USB cameras often leave out
        the Huffman tables); otherwise the last frame encoded."""
        if self.source == "mjpeg" and packet.size:
            data = bytes(packet)
            if data.startswith(b"\xff\xd8") and b"\xff\xc4" in data:
                return data
        return jpeg_of(self.last_frame) if self.last_frame is not None else None
