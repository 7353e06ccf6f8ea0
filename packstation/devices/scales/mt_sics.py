"""Mettler Toledo MT-SICS (level 0/1): poll `SI`, reply `S S|D <value> <unit>` or a code.

`SI` (weight now) is polled rather than `S` (wait for stable) so the driver
never blocks for seconds; `S D` replies still show the packer the live weight.
"""

from __future__ import annotations

import re

from packstation.devices.base import ScaleReading, ScaleState, SerialSettings
from packstation.devices.scales.common import (
    LineParser,
    ScaleProtocol,
    Unparseable,
    parse_number,
    to_grams,
)

_WEIGHT = re.compile(r"S\s+([SD])\s+([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)")
_NO_WEIGHT = {
    "S I": ScaleState.MOTION,  # busy / no stable value in time
    "S +": ScaleState.OVERLOAD,
    "S -": ScaleState.UNDERLOAD,
    "ES": ScaleState.ERROR,  # syntax error
    "ET": ScaleState.ERROR,  # transmission error
    "EL": ScaleState.ERROR,  # logical error
    "Z I": ScaleState.ZERO_ERROR,
    "Z +": ScaleState.ZERO_ERROR,
    "Z -": ScaleState.ZERO_ERROR,
    "T I": ScaleState.ERROR,  # tare not possible
    "T +": ScaleState.ERROR,
    "T -": ScaleState.ERROR,
}
# Known replies that are not readings: zero done, tare value, identification (answer to @).
_ACK = re.compile(r"Z A|T S .+|I\d+ [A-Z](?: .*)?")


class MtSicsParser(LineParser):
    def parse_line(self, line: str) -> ScaleReading | None:
        text = " ".join(line.split())
        if match := _WEIGHT.fullmatch(text):
            kind, sign, digits, unit = match.groups()
            grams = to_grams(parse_number(sign, digits), unit)
            stable = kind == "S"
            return self._weight(grams, stable, ScaleState.OK if stable else ScaleState.MOTION, unit)
        if text in _NO_WEIGHT:
            return self._status(_NO_WEIGHT[text])
        if _ACK.fullmatch(text):
            return None
        raise Unparseable(text)


PROTOCOL = ScaleProtocol(
    name="mt-sics",
    title="Mettler Toledo MT-SICS",
    settings=SerialSettings(9600, 8, "N", 1),
    parser=MtSicsParser,
    poll=b"SI\r\n",
    zero=b"Z\r\n",
    tare=b"T\r\n",
    # The leading CRLF ends whatever an earlier probe of another protocol left
    # in the scale's command buffer; `SI` only reads.
    probe=b"\r\nSI\r\n",
)
