"""Segments made here with PyAV, a station config for the recorder, and the recorder as a
real `packstation evidence record` process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import av
import pytest

from packstation.evidence.files import list_segments, segment_name
from packstation.evidence.simulator import test_pattern

SEG_SIZE = (160, 120)


def write_segment(
    folder: Path, start: datetime, seconds: float, *, fps: int = 10, gop: int = 10
) -> Path:
    """A segment as the recorder writes one: MPEG-TS, H.264, timestamps from 0, named by
    its start; frames carry their time (HH:MM:SS.f) so a test can see where it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / segment_name(start)
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = SEG_SIZE
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        stream.codec_context.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0",
        }
        for n in range(round(seconds * fps)):
            at = start + timedelta(seconds=n / fps)
            image = test_pattern(SEG_SIZE, n, f"{at:%H:%M:%S.%f}"[:-5])
            frame = av.VideoFrame.from_image(image)
            frame.pts = n
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def write_config(
    tmp: Path, url: str, *, db: str | None = None, required: bool = False, **evidence: Any
) -> Path:
    """A station config with [camera] and [evidence] for the recorder under test."""
    options = {"segment_s": 2, "keep_days": 30} | evidence
    lines = [
        "[station]",
        'id = "PS-01"',
        "[camera]",
        f"url = {json.dumps(url)}",
        "fps = 10",
        "open_timeout_s = 2",
        "read_timeout_s = 2",
        f"required = {json.dumps(required)}",
        "[evidence]",
        f"dir = {json.dumps(str(tmp / 'evidence'))}",
        *(f"{k} = {json.dumps(v)}" for k, v in options.items()),
    ]
    if db:
        lines += ["[database]", f"url = {json.dumps(db)}"]
    path = tmp / "station.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class RecorderProcess:
    """`packstation evidence record` in a process of its own, as systemd runs it."""

    def __init__(self, config: Path, station_dir: Path) -> None:
        self.station_dir = station_dir
        self.log = config.parent / "recorder.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "packstation", "--config", str(config), "evidence", "record"],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
        )

    @property
    def segments_dir(self) -> Path:
        return self.station_dir / "segments"

    def status(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.station_dir / "recorder.json").read_text())
            return data
        except (FileNotFoundError, ValueError):
            return {}

    def wait_for(self, what: str, test: Callable[[], bool], timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if test():
                return
            assert self.proc.poll() is None, f"recorder exited: {self.log.read_text()}"
            time.sleep(0.1)
        raise AssertionError(f"{what} within {timeout} s; status {self.status()}")

    def wait_state(self, state: str, timeout: float = 20.0) -> None:
        self.wait_for(f"state {state}", lambda: self.status().get("state") == state, timeout)

    def wait_segments(self, count: int, timeout: float = 30.0) -> None:
        self.wait_for(
            f"{count} segments",
            lambda: len(list_segments(self.segments_dir)) >= count,
            timeout,
        )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode


@pytest.fixture
def recorders() -> Iterator[list[RecorderProcess]]:
    """Every recorder a test starts is stopped after it, whatever happened."""
    started: list[RecorderProcess] = []
    yield started
    for rec in started:
        if rec.proc.poll() is None:
            rec.kill()


def subtitles_of(path: Path) -> list[tuple[int, int, str]]:
    """(start ms, duration ms, text) of each cue in the clip's mov_text track."""
    cues = []
    with av.open(str(path)) as container:
        (stream,) = container.streams.subtitles
        assert stream.codec_context.name == "mov_text"
        for packet in container.demux(stream):
            if not packet.size or packet.pts is None:
                continue
            for sub in stream.decode(packet):
                ms = float(packet.pts * packet.time_base * 1000)
                dur = float((packet.duration or 0) * packet.time_base * 1000)
                cues.append((round(ms), round(dur), sub.dialogue.decode("utf-8")))
    return cues


def video_of(path: Path) -> tuple[int, float]:
    """Frames decoded and the span of their timestamps (s) in the clip's video track."""
    with av.open(str(path)) as container:
        times = [float(f.time) for f in container.decode(video=0) if f.time is not None]
    return len(times), (times[-1] - times[0]) if times else 0.0
