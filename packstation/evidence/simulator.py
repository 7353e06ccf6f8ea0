"""Camera stand-ins on localhost: an MJPEG camera (multipart/x-mixed-replace, as cheap IP
cameras serve it) and an H.264 camera (MPEG-TS over HTTP), for the tests, the benchmark
and trying the recorder without hardware.

Both run in a thread of the calling process, pace their frames in real time, and can
be unplugged (`stop`: every open connection is cut, the port refuses) and plugged in
again on the same port (`start`). MJPEG frames carry their number and UTC time, drawn
with Pillow; the H.264 camera encodes a moving test pattern once and then loops it
with ever-increasing timestamps, so serving costs no encoding.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import av
from PIL import Image, ImageDraw

from packstation.clock import utcnow

__all__ = ["H264Camera", "MjpegCamera", "test_pattern"]

BOUNDARY = b"packstationframe"


def test_pattern(size: tuple[int, int], n: int, label: str, noise: float = 0.0) -> Image.Image:
    """A frame that changes everywhere a little (bars moving) and says what it is; `noise`
    (0..1) adds sensor-like grain, which is what makes a real camera's video expensive."""
    width, height = size
    img = Image.new("RGB", size, (40, 40, 48))
    draw = ImageDraw.Draw(img)
    bar = max(8, width // 16)
    for i in range(0, width + bar * 2, bar * 2):
        x = (i + n * 3) % (width + bar * 2) - bar
        draw.rectangle((x, height // 3, x + bar, height), fill=(60 + i % 150, 90, 160))
    draw.rectangle((4, 4, min(width - 4, 260), 30), fill=(0, 0, 0))
    draw.text((8, 10), label, fill=(255, 255, 255))
    if noise:
        grain = Image.effect_noise(size, 64).convert("RGB")
        img = Image.blend(img, grain, noise)
    return img


class _Camera:
    """The HTTP side both cameras share: start, stop (unplug) and start again."""

    content_type = ""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._plugged = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.path}"

    path = "video"

    def start(self) -> _Camera:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", camera.content_type)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                with camera._lock:
                    camera._clients.add(self.connection)
                try:
                    camera._serve(self.wfile)
                except (OSError, ValueError, av.FFmpegError):
                    pass  # the client went away, or the camera was unplugged
                finally:
                    with camera._lock:
                        camera._clients.discard(self.connection)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_port
        self._server = server
        self._plugged.set()
        threading.Thread(target=server.serve_forever, name="camera-sim", daemon=True).start()
        return self

    def stop(self) -> None:
        """Unplug: the port refuses and every stream is cut mid-frame."""
        self._plugged.clear()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _frames_due(self, fps: float) -> Iterator[int]:
        """Frame numbers in real time, until unplugged."""
        t0 = time.monotonic()
        n = 0
        while self._plugged.is_set():
            delay = t0 + n / fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield n
            n += 1

    def _serve(self, out: Any) -> None:
        raise NotImplementedError


class MjpegCamera(_Camera):
    """JPEG frames `fps` times a second; `prerender` > 0 cycles that many frames made once
    (a 720p frame costs Pillow ~10 ms to draw and encode: the benchmark's camera must not
    eat the CPU it measures), else each frame is drawn with its number and time."""

    content_type = f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}"
    path = "video.mjpg"

    def __init__(
        self,
        size: tuple[int, int] = (320, 240),
        fps: float = 15.0,
        *,
        port: int = 0,
        prerender: int = 0,
        quality: int = 80,
        noise: float = 0.0,
    ) -> None:
        super().__init__(port)
        self.size, self.fps, self.quality, self.noise = size, fps, quality, noise
        self._cycle = [self._jpeg(i, f"frame {i}") for i in range(prerender)]

    def _jpeg(self, n: int, label: str) -> bytes:
        buf = io.BytesIO()
        test_pattern(self.size, n, label, self.noise).save(buf, "JPEG", quality=self.quality)
        return buf.getvalue()

    def frame(self, n: int) -> bytes:
        if self._cycle:
            return self._cycle[n % len(self._cycle)]
        return self._jpeg(n, f"#{n} {utcnow():%H:%M:%S.%f}"[:-3])

    def _serve(self, out: Any) -> None:
        for n in self._frames_due(self.fps):
            data = self.frame(n)
            head = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
            out.write(head % (BOUNDARY, len(data)) + data + b"\r\n")
            out.flush()


class H264Camera(_Camera):
    """H.264 in MPEG-TS, `fps` frames a second, a keyframe every `gop` frames, like an IP
    camera's HTTP stream. `loop_s` seconds are encoded once (x264, ultrafast) and looped."""

    content_type = "video/mp2t"
    path = "video.ts"

    def __init__(
        self,
        size: tuple[int, int] = (320, 240),
        fps: int = 10,
        *,
        gop: int | None = None,
        loop_s: float = 4.0,
        bitrate: int | None = None,
        noise: float = 0.0,
        port: int = 0,
    ) -> None:
        super().__init__(port)
        self.size, self.fps, self.noise = size, fps, noise
        self.gop = gop or fps
        frames = max(self.gop, round(loop_s * fps) // self.gop * self.gop)
        self._ts, self._packets = self._encode(frames, bitrate)

    def _encode(self, frames: int, bitrate: int | None) -> tuple[Any, list[av.Packet[Any]]]:
        buf = io.BytesIO()
        with av.open(buf, "w", format="mpegts") as out:
            stream = out.add_stream("libx264", rate=self.fps)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            ctx = stream.codec_context
            ctx.gop_size = self.gop
            options = {"preset": "ultrafast", "tune": "zerolatency", "sc_threshold": "0"}
            if bitrate:
                ctx.bit_rate = bitrate
            options["x264-params"] = f"keyint={self.gop}:min-keyint={self.gop}"
            ctx.options = options
            for n in range(frames):
                image = test_pattern(self.size, n, f"frame {n}", self.noise)
                frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                frame.pts = n
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        buf.seek(0)
        source = av.open(buf, "r", format="mpegts")
        packets = [p for p in source.demux(video=0) if p.size]
        return source, packets

    def _serve(self, out: Any) -> None:
        template = self._ts.streams.video[0]
        tick = round(90000 / self.fps)
        ts = av.open(out, "w", format="mpegts")
        try:
            stream = ts.add_stream_from_template(template)
            stream.time_base = Fraction(1, 90000)
            base = self._packets[0].dts or 0
            count = len(self._packets)
            for n in self._frames_due(self.fps):
                src = self._packets[n % count]
                shift = (n // count) * count * tick - base
                packet = av.Packet(bytes(src))
                packet.stream = stream
                packet.time_base = Fraction(1, 90000)
                packet.dts = (src.dts or 0) + shift
                packet.pts = (src.pts if src.pts is not None else src.dts or 0) + shift
                packet.is_keyframe = src.is_keyframe
                ts.mux(packet)
                out.flush()
        finally:
            with contextlib.suppress(OSError, ValueError, av.FFmpegError):
                ts.close()  # writes to a socket that may be gone
