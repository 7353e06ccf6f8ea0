"""The recorder: camera in, segments, a still and a status file out; reconnects by itself.

It runs as its own process (`packstation evidence record`, a systemd unit beside the
station's) so a camera that hangs, or FFmpeg that crashes, never touches packing. Every
blocking call has a timeout (`[camera] open_timeout_s`, `read_timeout_s`): a camera
that is unplugged or stops sending closes the current segment, sets `stalled` in
`recorder.json` and is opened again with a growing pause (1 s up to `MAX_BACKOFF_S`).
Retention runs in a thread of its own every `[evidence] prune_every_s`, and the clips of
packed orders are cut in another every `clips_every_s` (`autoclip.py`), so a slow
database or a long cut never holds up the frames.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import av

from packstation.clock import Clock, utcnow
from packstation.evidence.files import write_atomic
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.status import HEARTBEAT_S, RecorderStatus, State, write_status
from packstation.evidence.writers import CopyWriter, EncodeWriter, SegmentWriter

__all__ = ["MAX_BACKOFF_S", "STILL_EVERY_S", "Recorder"]

log = logging.getLogger(__name__)

#: latest.jpg is replaced at most this often.
STILL_EVERY_S = 1.0
#: The longest pause between two attempts to open the camera.
MAX_BACKOFF_S = 5.0


class _StreamEnded(Exception):
    """The camera closed the stream (EOF) without an error."""


class Recorder:
    """One station's camera. `run(stop)` returns when `stop` is set (SIGTERM, Ctrl+C)."""

    def __init__(
        self,
        settings: EvidenceSettings,
        *,
        clock: Clock = utcnow,
        prune: Callable[[], object] | None = None,
        clips: Callable[[], object] | None = None,
        on_state: Callable[[RecorderStatus], None] | None = None,
    ) -> None:
        self.settings = settings
        self.camera = settings.camera
        self.paths = settings.station()
        self.clock = clock
        self.prune = prune
        self.clips = clips
        self.on_state = on_state
        self.state: State = "no_camera"
        self.detail = "starting"
        self.mode = ""
        self.reached = False  # the camera delivered a frame in this run
        self._last_frame_mono: float | None = None
        self._writer: SegmentWriter | None = None
        self._still_due = 0.0
        self._lock = threading.Lock()
        self._announced: tuple[State, str] | None = None

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event) -> None:
        self.paths.segments.mkdir(parents=True, exist_ok=True)
        jobs = [
            self._start_every("evidence-prune", self.prune, self.settings.prune_every_s, stop),
            self._start_every("evidence-clips", self.clips, self.settings.clips_every_s, stop),
        ]
        beat = threading.Thread(target=self._beat, args=(stop,), name="evidence-beat", daemon=True)
        beat.start()
        backoff = 1.0
        try:
            while not stop.is_set():
                if not self.camera.url:
                    self._set("no_camera", "no [camera] url in the config")
                    stop.wait(HEARTBEAT_S)
                    continue
                try:
                    container = av.open(
                        self.camera.url,
                        format=self.camera.input_format(),
                        options=self.camera.input_options(),
                        timeout=(self.camera.open_timeout_s, self.camera.read_timeout_s),
                    )
                except (av.FFmpegError, OSError) as exc:
                    self._lost(f"cannot open {self.camera.shown_url}: {_short(exc)}")
                    stop.wait(backoff)
                    # A camera seen in this run is back soon (a cable, a reboot): try each
                    # second; one never seen is asked less and less often.
                    backoff = 1.0 if self.reached else min(backoff * 2, MAX_BACKOFF_S)
                    continue
                try:
                    self._record(container, stop)
                    backoff = 1.0
                except (av.FFmpegError, OSError, _StreamEnded) as exc:
                    self._lost(f"{self.camera.shown_url}: {_short(exc)}")
                finally:
                    self._close_writer()
                    container.close()
                stop.wait(0.5)
        finally:
            self._close_writer()
            beat.join(timeout=5)
            self._set("stalled" if self.reached else "no_camera", "recorder stopped", force=True)
            for job in jobs:
                if job is not None:
                    job.join(timeout=5)  # a cut cut short leaves a temporary file only

    def _record(self, container: Any, stop: threading.Event) -> None:
        if not container.streams.video:
            raise _StreamEnded("no video stream")
        stream = container.streams.video[0]
        segments = self.paths.segments
        seg_s = self.settings.segment_s
        writer: SegmentWriter
        if stream.codec_context.name == "h264":
            writer = CopyWriter(stream, segments, seg_s, self._wall_at)
        else:
            writer = EncodeWriter(
                stream,
                segments,
                seg_s,
                self._wall_at,
                fps=self.camera.fps,
                crf=self.camera.crf,
                max_kbps=self.camera.max_kbps,
            )
        self._writer = writer
        self.mode = writer.mode
        for packet in container.demux(stream):
            if stop.is_set():
                return
            mono = time.monotonic()
            if packet.size == 0:
                continue
            writer.feed(packet, mono)
            self.reached = True
            if mono >= self._still_due:
                jpeg = writer.still(packet)
                if jpeg is not None:
                    write_atomic(self.paths.latest_jpg, jpeg)
                    self._still_due = mono + STILL_EVERY_S
            self._last_frame_mono = mono
            if self.state != "recording" and writer.current:  # a segment is being written
                self._set("recording", "")
        raise _StreamEnded("the camera closed the stream")

    def _lost(self, detail: str) -> None:
        missing_device = self.camera.is_device and not os.path.exists(self.camera.url)
        self._set("stalled" if self.reached and not missing_device else "no_camera", detail)

    def _close_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()
            except (av.FFmpegError, OSError) as exc:
                log.warning("closing segment %s: %s", writer.current, exc)

    def _wall_at(self, mono: float) -> datetime:
        return self.clock() - timedelta(seconds=time.monotonic() - mono)

    # ------------------------------------------------------------------ status

    def _set(self, state: State, detail: str, *, force: bool = False) -> None:
        """Written at once on a change; `_beat` rewrites it every HEARTBEAT_S meanwhile."""
        with self._lock:
            changed = (state, detail) != (self.state, self.detail)
            self.state, self.detail = state, detail
            if changed or force:
                self._write()

    def _beat(self, stop: threading.Event) -> None:
        """A thread of its own: opening a camera may block for `open_timeout_s`."""
        while not stop.wait(HEARTBEAT_S):
            with self._lock:
                self._write()

    def _write(self) -> None:
        status = self.status()
        try:
            write_status(self.paths.status_file, status)
        except OSError as exc:
            log.error("cannot write %s: %s", self.paths.status_file, exc)
        if self.on_state is not None and self._announced != (status.state, status.detail):
            self._announced = (status.state, status.detail)
            self.on_state(status)

    def status(self) -> RecorderStatus:
        last = self._last_frame_mono
        writer = self._writer
        return RecorderStatus(
            station_id=self.settings.station_id,
            state=self.state,
            updated_at=self.clock(),
            last_frame_at=self._wall_at(last) if last is not None else None,
            detail=self.detail,
            mode=self.mode,
            segment=writer.current if writer else "",
            pid=os.getpid(),
        )

    # ------------------------------------------------------------------ retention, clips

    def _start_every(
        self,
        name: str,
        job: Callable[[], object] | None,
        every_s: float,
        stop: threading.Event,
    ) -> threading.Thread | None:
        if job is None:
            return None

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    job()
                except Exception:  # a failed round changes nothing; the next one retries
                    log.exception("%s: round failed", name)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread


def _short(exc: BaseException) -> str:
    """FFmpeg's messages end with the URL, password and all: only the reason is kept."""
    text = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
