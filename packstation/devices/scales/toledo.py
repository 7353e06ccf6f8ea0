"""Toledo 8213/8217 POS protocol: single-byte commands, `STX weight CR` or `STX ? status CR`.

The reply has no unit field: the unit is a setting of the scale, so it is a
parameter here (default kg). Status bits 5 and 6 mean different things on
different models and bit 7 is parity, so only bits 0-4 are read.
"""

from __future__ import annotations

import re
from decimal import Decimal

from packstation.devices.base import ScaleReading, ScaleState, SerialSettings
from packstation.devices.scales.common import (
    GRAMS_PER_UNIT,
    ScaleParser,
    ScaleProtocol,
    Unparseable,
    parse_number,
    to_grams,
)

STX, CR, QUERY = 0x02, 0x0D, ord("?")
MOTION, OVER, UNDER, OUTSIDE_ZERO, CENTRE_OF_ZERO = 0x01, 0x02, 0x04, 0x08, 0x10
ERROR_BITS = MOTION | OVER | UNDER | OUTSIDE_ZERO
MAX_FRAME = 32

_WEIGHT = re.compile(rb"\s*([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)\s*(N?)\s*([A-Za-z]*)\s*")


class ToledoParser(ScaleParser):
    def __init__(self, unit: str | None = None) -> None:
        super().__init__(unit or "kg")
        # The weight a later "no error bits" status refers to: some scales send a
        # weight once and then only status until it changes. Any error bit
        # (motion included) means the weight may have changed, so it is forgotten.
        self._steady: Decimal | None = None

    def _parse(self, out: list[ScaleReading]) -> None:
        buf = self._buf
        while buf:
            if buf[0] != STX:
                if not self._skip_noise():
                    return
                continue
            if len(buf) < 2:
                return
            if buf[1] == QUERY:  # fixed length: the status byte itself may be CR or STX
                if len(buf) < 4:
                    return
                if buf[3] != CR:
                    self._garbage(bytes(buf[:4]))
                    del buf[:1]
                    continue
                status = buf[2]
                del buf[:4]
                self.replies += 1
                reading = self._from_status(status)
                if reading is not None:
                    out.append(reading)
                continue
            end, restart = buf.find(CR, 1), buf.find(STX, 1)
            if restart != -1 and (end == -1 or restart < end):
                self._garbage(bytes(buf[:restart]))  # a frame cut short by a new one
                del buf[:restart]
                continue
            if end == -1:
                if len(buf) > MAX_FRAME:
                    self._garbage(bytes(buf))
                    buf.clear()
                return
            body = bytes(buf[1:end])
            del buf[: end + 1]
            try:
                reading = self._from_body(body)
            except Unparseable:
                self._garbage(body)
                continue
            self.replies += 1
            if reading is not None:
                out.append(reading)

    def _skip_noise(self) -> bool:
        """Drop bytes before the next STX (or through a CR); False means wait for more."""
        buf = self._buf
        start = buf.find(STX)
        if start == -1:
            end = buf.find(CR)
            if end == -1:
                return False  # endless noise is capped by ScaleParser.max_pending
            start = end + 1
        noise = bytes(buf[:start])
        del buf[:start]
        if noise.strip():
            self._garbage(noise)
        return True

    def _from_body(self, body: bytes) -> ScaleReading | None:
        if body.strip() == b"E":  # answer to the `Ehello` probe
            return None
        match = _WEIGHT.fullmatch(body)
        if match is None:
            raise Unparseable(body)
        sign, digits, _net, unit_b = match.groups()
        unit = unit_b.decode("ascii").lower() or (self.unit or "kg")
        if unit not in GRAMS_PER_UNIT:
            raise Unparseable(body)
        grams = to_grams(parse_number(sign.decode(), digits.decode()), unit)
        self._steady = grams
        return self._weight(grams, True, ScaleState.OK, unit)

    def _from_status(self, status: int) -> ScaleReading | None:
        if status & OVER:
            state = ScaleState.OVERLOAD
        elif status & UNDER:
            state = ScaleState.UNDERLOAD
        elif status & OUTSIDE_ZERO:
            state = ScaleState.ZERO_ERROR
        elif status & MOTION:
            state = ScaleState.MOTION
        else:
            unit = self.unit or "kg"
            if self._steady is not None:  # "same weight as before"
                return self._weight(self._steady, True, ScaleState.OK, unit)
            if status & CENTRE_OF_ZERO:
                return self._weight(Decimal(0), True, ScaleState.OK, unit)
            return None
        self._steady = None
        return self._status(state)


def _protocol(name: str, title: str) -> ScaleProtocol:
    return ScaleProtocol(
        name=name,
        title=title,
        settings=SerialSettings(9600, 7, "E", 1),
        parser=ToledoParser,
        poll=b"W",
        zero=b"Z",
        tare=b"T",
        probe=b"Ehello",  # as the Odoo IoT driver: the scale answers STX E CR
        default_unit="kg",
    )


PROTOCOL_8217 = _protocol("toledo-8217", "Mettler Toledo 8217")
PROTOCOL_8213 = _protocol("toledo-8213", "Mettler Toledo 8213")
