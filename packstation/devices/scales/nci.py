"""NCI / Weigh-Tronix SCP-01 (also Avery, Brecknell, Adam): `W<CR>` answered by
`LF weight unit CR LF status CR ETX`.

Frames end at ETX; whatever precedes the first LF of a frame is noise. Two
status bytes follow every weight (bits 4 and 5 are always set, so they are
ASCII `0`..`?`); `S<CR>` and `Z<CR>` answer with the status bytes alone.
"""

from __future__ import annotations

import re

from packstation.devices.base import ScaleReading, ScaleState, SerialSettings
from packstation.devices.scales.common import (
    ScaleParser,
    ScaleProtocol,
    Unparseable,
    parse_number,
    to_grams,
)

ETX, LF = 0x03, 0x0A
# status byte 1
S1_MOTION, S1_AT_ZERO, S1_RAM, S1_EEPROM = 0x01, 0x02, 0x04, 0x08
# status byte 2
S2_UNDER, S2_OVER, S2_ROM, S2_CALIBRATION = 0x01, 0x02, 0x04, 0x08

_WEIGHT = re.compile(r"([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)")
_FIELD_STATE = {"^": ScaleState.OVERLOAD, "_": ScaleState.UNDERLOAD, "-": ScaleState.ZERO_ERROR}
_FIELD = re.compile(r"([\^_-])\1{2,}\s*[A-Za-z]*")  # ^^^^^^ / ______ / ------ instead of a weight
_STATUS = re.compile(r"[0-?]{2,3}")
_LINES = re.compile(rb"[\r\n]+")


def _status_state(status: str) -> ScaleState:
    s1, s2 = ord(status[0]), ord(status[1])
    if s1 & (S1_RAM | S1_EEPROM) or s2 & (S2_ROM | S2_CALIBRATION):
        return ScaleState.ERROR
    if s2 & S2_OVER:
        return ScaleState.OVERLOAD
    if s2 & S2_UNDER:
        return ScaleState.UNDERLOAD
    if s1 & S1_MOTION:
        return ScaleState.MOTION
    return ScaleState.OK


class NciParser(ScaleParser):
    def _parse(self, out: list[ScaleReading]) -> None:
        while (end := self._buf.find(ETX)) != -1:
            frame = bytes(self._buf[:end])
            del self._buf[: end + 1]
            start = frame.find(LF)
            if start == -1:
                self._garbage(frame)
                continue
            if frame[:start].strip():
                self._garbage(frame[:start])
            lines = [line.strip() for line in _LINES.split(frame[start:]) if line.strip()]
            try:
                reading = self._from_lines([line.decode("ascii") for line in lines])
            except (Unparseable, UnicodeDecodeError):
                self._garbage(frame[start:])
                continue
            self.replies += 1
            if reading is not None:
                out.append(reading)

    def _from_lines(self, lines: list[str]) -> ScaleReading | None:
        if lines == ["?"]:  # "unknown command": a valid NCI answer, not a reading
            return None
        if not lines or not _STATUS.fullmatch(lines[-1]):
            raise Unparseable(lines)
        state = _status_state(lines[-1])
        if len(lines) == 1:  # answer to S or Z: status only
            return None if state is ScaleState.OK else self._status(state)
        if len(lines) > 2:
            self._garbage(" ".join(lines[:-2]).encode())  # noise that contained an LF
        weight = lines[-2]
        if field := _FIELD.fullmatch(weight):
            return self._status(
                state if state is ScaleState.ERROR else _FIELD_STATE[field.group(1)]
            )
        match = _WEIGHT.fullmatch(weight)
        if match is None:
            raise Unparseable(weight)
        sign, digits, unit = match.groups()
        grams = to_grams(parse_number(sign, digits), unit)
        return self._weight(grams, state is ScaleState.OK, state, unit)


PROTOCOL = ScaleProtocol(
    name="nci",
    title="NCI / Weigh-Tronix SCP-01",
    # 9600 baud per DEVICES.md; 7E1 is the usual factory setting (unverified: override it)
    settings=SerialSettings(9600, 7, "E", 1),
    parser=NciParser,
    poll=b"W\r",
    zero=b"Z\r",
    probe=b"\rW\r",  # the CR ends anything an earlier probe left; W only reads
)
