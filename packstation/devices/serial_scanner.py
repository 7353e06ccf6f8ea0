"""Serial barcode scanner (USB-CDC or RS-232, or any pyserial URL such as socket://).

Keyboard-wedge scanners type into the terminal and are read by the UI; this
driver only handles ports, see `is_keyboard`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from packstation.devices.base import CodeCallback, SerialSettings, StatusCallback
from packstation.devices.scanner_framing import Frame, ScanFramer
from packstation.devices.serial_link import PortWorker

log = logging.getLogger(__name__)

KEYBOARD = "keyboard"


def is_keyboard(port: str) -> bool:
    """`port = "keyboard"` in the config means a keyboard-wedge scanner: the UI reads it."""
    return port.strip().lower() == KEYBOARD


def _ignore(_: Any) -> None:
    return None


class SerialScanner(PortWorker):
    kind = "scanner"

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        suffix: str = "CR",
        prefix: str = "",
        on_code: CodeCallback = _ignore,
        on_status: StatusCallback = _ignore,
        *,
        gap_s: float = 0.05,
        max_frame: int = 4096,
        on_warning: Callable[[str], None] = _ignore,
    ) -> None:
        if is_keyboard(url):
            raise ValueError("a keyboard-wedge scanner is read by the UI, not by a serial driver")
        self.framer = ScanFramer(suffix, prefix, gap_s=gap_s, max_frame=max_frame)
        # Without a suffix the read timeout is what ends a frame, so keep it below the gap.
        timeout = gap_s / 2 if self.framer.gap_mode else 0.1
        super().__init__(
            url,
            SerialSettings(baudrate, bytesize, parity, stopbits),
            on_status,
            read_timeout=timeout,
        )
        self.on_code = on_code
        self.on_warning = on_warning

    def _session(self, port: Any) -> None:
        self.framer.reset()
        while not self._stop.is_set():
            data: bytes = port.read(1)
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)
                frames = self.framer.feed(data, time.monotonic())
            else:
                frames = self.framer.flush(time.monotonic())
            for frame in frames:
                self._deliver(frame)

    def _deliver(self, frame: Frame) -> None:
        try:
            if frame.discarded:
                self.on_warning(
                    f"scanner sent a code over {self.framer.max_frame} bytes; it was discarded"
                )
            else:
                log.debug("scanner frame: %r", frame.text)
                self.on_code(frame.text)
        except Exception:
            log.exception("scanner callback failed")
