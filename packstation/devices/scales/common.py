"""What every scale protocol shares: units, the incremental parser base, the protocol record.

Parsers are fed whatever a read returned (half a frame, three frames, line
noise) and never raise on bad input: a reply they cannot parse is counted in
`garbage` and logged, because a wrong baud rate must show up in the status bar,
not crash the station.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from packstation.devices.base import ScaleReading, ScaleState, SerialSettings

log = logging.getLogger(__name__)

GRAMS_PER_UNIT: dict[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "mg": Decimal("0.001"),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


class Unparseable(Exception):
    """Internal: this reply is not one the protocol sends."""


def to_grams(value: Decimal, unit: str) -> Decimal:
    try:
        return value * GRAMS_PER_UNIT[unit.lower()]
    except KeyError:
        raise Unparseable(f"unknown unit {unit!r}") from None


def parse_number(sign: str, digits: str) -> Decimal:
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise Unparseable(f"not a number: {digits!r}") from None
    if not value.is_finite():
        raise Unparseable(f"not a number: {digits!r}")
    return -value if sign == "-" else value


class ScaleParser(ABC):
    """Incremental parser: `feed(bytes) -> readings`; counts `replies` and `garbage`."""

    max_pending = 256  # bytes without a frame end: noise, not a reply

    def __init__(self, unit: str | None = None) -> None:
        if unit is not None and unit.lower() not in GRAMS_PER_UNIT:
            raise ValueError(f"unknown unit {unit!r}: use g, kg, lb or oz")
        self.unit = unit
        self.replies = 0
        self.garbage = 0
        self.last_grams = Decimal(0)
        self.quiet = False  # e.g. while probing a port for the wrong protocol on purpose
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes waiting for the end of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[ScaleReading]:
        self._buf += data
        out: list[ScaleReading] = []
        self._parse(out)
        if len(self._buf) > self.max_pending:
            self._garbage(bytes(self._buf))
            self._buf.clear()
        return out

    @abstractmethod
    def _parse(self, out: list[ScaleReading]) -> None:
        """Consume complete frames from `self._buf`, appending readings to `out`."""

    def _garbage(self, raw: bytes) -> None:
        self.garbage += 1
        n = self.garbage
        # Every reply at debug, but only 1, 2, 4, 8, ... at warning: a wrong baud
        # rate produces garbage five times a second.
        level = logging.WARNING if n & (n - 1) == 0 and not self.quiet else logging.DEBUG
        log.log(level, "%s: unparseable reply #%d: %r", type(self).__name__, n, raw[:64])

    def _weight(self, grams: Decimal, stable: bool, state: ScaleState, unit: str) -> ScaleReading:
        self.last_grams = grams
        return ScaleReading(grams, stable, state, unit)

    def _status(self, state: ScaleState) -> ScaleReading:
        """A reply without a weight: the last weight, never stable."""
        return ScaleReading(self.last_grams, False, state, "")


_EOL = re.compile(rb"[\r\n]")
_PRINTABLE_TAIL = re.compile(rb"[\x20-\x7e]+$")


class LineParser(ScaleParser):
    """Replies are text lines ending in CR, LF or CRLF."""

    def _parse(self, out: list[ScaleReading]) -> None:
        while (match := _EOL.search(self._buf)) is not None:
            raw = bytes(self._buf[: match.start()])
            del self._buf[: match.end()]
            if not raw.strip():
                continue
            try:
                reading = self._parse_raw(raw)
            except Unparseable:
                self._garbage(raw)
                continue
            self.replies += 1
            if reading is not None:
                out.append(reading)

    def _parse_raw(self, raw: bytes) -> ScaleReading | None:
        try:
            return self.parse_line(raw.decode("ascii"))
        except (Unparseable, UnicodeDecodeError):
            pass
        # Noise without a line end glues itself to the next reply: retry on the
        # printable tail, and count the noise in front of it.
        tail = _PRINTABLE_TAIL.search(raw)
        if tail is None or tail.start() == 0:
            raise Unparseable(raw)
        reading = self.parse_line(tail.group().decode("ascii"))
        self._garbage(raw[: tail.start()])
        return reading

    @abstractmethod
    def parse_line(self, line: str) -> ScaleReading | None:
        """One line to a reading; None for a known reply without one; Unparseable otherwise."""


@dataclass(frozen=True)
class ScaleProtocol:
    """A protocol's serial defaults, command bytes and parser factory."""

    name: str
    title: str
    settings: SerialSettings
    parser: Callable[[str | None], ScaleParser]
    poll: bytes | None = None  # None: the scale streams by itself
    zero: bytes | None = None
    tare: bytes | None = None
    probe: bytes | None = None  # read-only; None means listen only
    default_unit: str | None = None  # for replies without a unit field

    @property
    def polled(self) -> bool:
        return self.poll is not None

    def new_parser(self, unit: str | None = None) -> ScaleParser:
        return self.parser(unit or self.default_unit)

    def recognises(self, data: bytes) -> bool:
        """Does `data` (e.g. the answer to `probe`) contain a reply of this protocol?"""
        parser = self.new_parser()
        parser.quiet = True
        parser.feed(data)
        return parser.replies > 0
