"""Serial scale driver: polls (or listens to) one scale in its own thread.

Polling protocols get one request per 1/poll_hz, but never a second one while
a reply is outstanding, so a slow scale is not flooded. Reads block with short
timeouts and the loop sleeps inside them: an idle scale costs next to no CPU.
A scale that stops answering, or answers with noise (wrong baud rate or
protocol), turns the status to error and the weight to OFFLINE; the driver
keeps going and recovers on the next good reply.
"""

from __future__ import annotations

import logging
import queue
import time
from typing import Any

from packstation.devices.base import (
    DeviceCommandError,
    DeviceState,
    DeviceStatus,
    ReadingCallback,
    ScaleReading,
    ScaleState,
    StatusCallback,
)
from packstation.devices.scales import ScaleParser, ScaleProtocol, get_protocol
from packstation.devices.serial_link import PortWorker

log = logging.getLogger(__name__)


def _ignore(_: Any) -> None:
    return None


class SerialScale(PortWorker):
    kind = "scale"

    def __init__(
        self,
        url: str,
        protocol: str | ScaleProtocol,
        baudrate: int | None = None,
        bytesize: int | None = None,
        parity: str | None = None,
        stopbits: float | None = None,
        *,
        poll_hz: float = 5.0,
        unit: str | None = None,
        silence_s: float | None = None,
        on_reading: ReadingCallback = _ignore,
        on_status: StatusCallback = _ignore,
    ) -> None:
        """`baudrate`..`stopbits` default to the protocol's usual settings; `unit` is for
        protocols without a unit field (Toledo); after `silence_s` without a valid reply
        the scale counts as offline (default 2 s polled, 3 s continuous; 0 = never)."""
        self.protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
        if poll_hz <= 0:
            raise ValueError(f"poll rate must be positive, not {poll_hz}")
        self.unit = unit
        self.protocol.new_parser(unit)  # validates the unit now, not in the thread
        self.interval = 1.0 / poll_hz
        self.silence_s = (2.0 if self.protocol.polled else 3.0) if silence_s is None else silence_s
        # A reply is given up after this long and the poll is repeated.
        self.reply_timeout = max(0.5, 2 * self.interval)
        settings = self.protocol.settings.replace(baudrate, bytesize, parity, stopbits)
        super().__init__(
            url, settings, on_status, read_timeout=min(0.05, max(0.002, self.interval / 4))
        )
        self.on_reading = on_reading
        self.readings = 0
        self._garbage_before = 0
        self._parser: ScaleParser | None = None
        self._commands: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._open = False

    @property
    def garbage(self) -> int:
        """Unparseable replies since start, over all connections."""
        return self._garbage_before + (self._parser.garbage if self._parser else 0)

    def zero(self) -> None:
        self._queue("zero", self.protocol.zero)

    def tare(self) -> None:
        self._queue("tare", self.protocol.tare)

    def _queue(self, name: str, command: bytes | None) -> None:
        if command is None:
            raise DeviceCommandError(f"the {self.protocol.name} protocol has no {name} command")
        if not self._open:
            raise DeviceCommandError(f"scale not connected: cannot {name}")
        self._commands.put(command)

    def _connected_detail(self) -> str:
        return f"{self.protocol.name} on {super()._connected_detail()}"

    def _session(self, port: Any) -> None:
        if self._parser is not None:
            self._garbage_before += self._parser.garbage
        parser = self._parser = self.protocol.new_parser(self.unit)
        while not self._commands.empty():  # commands from before a reconnect are stale
            self._commands.get_nowait()
        self._open = True
        try:
            self._loop(port, parser)
        finally:
            self._open = False

    def _loop(self, port: Any, parser: ScaleParser) -> None:
        poll = self.protocol.poll
        now = time.monotonic()
        next_poll = now
        waiting_since: float | None = None
        last_good = now
        silent = False
        while not self._stop.is_set():
            while not self._commands.empty():
                port.write(self._commands.get_nowait())
            now = time.monotonic()
            if (
                poll is not None
                and now >= next_poll
                and (waiting_since is None or now - waiting_since >= self.reply_timeout)
            ):
                port.write(poll)
                waiting_since = now
                next_poll = max(next_poll + self.interval, now)
            data: bytes = port.read(1)
            if data:
                if waiting := port.in_waiting:
                    data += port.read(waiting)
                replies, garbage = parser.replies, parser.garbage
                for reading in parser.feed(data):
                    self._emit(reading)
                if parser.replies != replies or parser.garbage != garbage:
                    waiting_since = None  # answered (even if with noise): poll again on time
                if parser.replies != replies:
                    last_good = time.monotonic()
                    if silent:
                        silent = False
                        self._report(DeviceStatus(DeviceState.CONNECTED, self._connected_detail()))
            if not silent and self.silence_s and time.monotonic() - last_good > self.silence_s:
                silent = True
                self._emit(ScaleReading(parser.last_grams, False, ScaleState.OFFLINE))
                self._report(DeviceStatus(DeviceState.ERROR, self._silence_detail(parser)))

    def _silence_detail(self, parser: ScaleParser) -> str:
        if parser.garbage or parser.pending:
            return (
                f"unparseable data from the scale ({parser.garbage} bad replies): "
                f"check protocol {self.protocol.name} and {self.active_settings.describe()}"
            )
        return f"no reply from the scale for {self.silence_s:g} s (is it on?)"

    def _emit(self, reading: ScaleReading) -> None:
        self.readings += 1
        try:
            self.on_reading(reading)
        except Exception:
            log.exception("scale reading callback failed")

    def _on_lost(self) -> None:
        if self._parser is not None:  # the weight on screen is no longer true
            self._emit(ScaleReading(self._parser.last_grams, False, ScaleState.OFFLINE))
