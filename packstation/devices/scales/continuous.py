"""Continuous ASCII output: the scale streams lines by itself, nothing is sent.

Two shapes are understood on the same port:
  CAS style   `ST,GS,+  1.234kg`  (ST stable, US unstable, OL overload; GS gross, NT net)
  Ohaus style `      0.01 g ?`    (a `?` after the unit means unstable)
`UL` (underload) is accepted as in some CAS clones.
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

_NUMBER = r"([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)"
_CAS = re.compile(
    r"(ST|US|OL|UL)\s*,\s*(?:(GS|NT|TR|GW|NW)\s*,\s*)?(?:" + _NUMBER + r"\s*([A-Za-z]+)|.*)"
)
_OHAUS = re.compile(_NUMBER + r"\s*([A-Za-z]+)\s*(\?)?\s*(?:G|N|NET|GROSS)?")
_CAS_STATE = {"OL": ScaleState.OVERLOAD, "UL": ScaleState.UNDERLOAD}


class ContinuousParser(LineParser):
    def parse_line(self, line: str) -> ScaleReading | None:
        text = line.strip()
        if match := _CAS.fullmatch(text):
            head, _gross_net, sign, digits, unit = match.groups()
            if head in _CAS_STATE:
                return self._status(_CAS_STATE[head])
            if digits is None:
                raise Unparseable(text)
            stable = head == "ST"
            grams = to_grams(parse_number(sign, digits), unit)
            return self._weight(grams, stable, ScaleState.OK if stable else ScaleState.MOTION, unit)
        if match := _OHAUS.fullmatch(text):
            sign, digits, unit, unstable = match.groups()
            grams = to_grams(parse_number(sign, digits), unit)
            state = ScaleState.MOTION if unstable else ScaleState.OK
            return self._weight(grams, not unstable, state, unit)
        raise Unparseable(text)


PROTOCOL = ScaleProtocol(
    name="continuous",
    title="Continuous ASCII output (CAS, Ohaus)",
    settings=SerialSettings(9600, 8, "N", 1),
    parser=ContinuousParser,
)
