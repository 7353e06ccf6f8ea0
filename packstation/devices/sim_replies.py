"""What a simulated scale answers, per protocol, given its current state.

Written from DEVICES.md independently of the parsers, so simulator and parser
disagreeing shows up as a failing test rather than a shared mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from packstation.devices.base import ScaleState
from packstation.devices.scales.common import GRAMS_PER_UNIT

DECIMALS = {"g": 2, "kg": 3, "lb": 3, "oz": 2, "mg": 0}
# What a scale at the wrong baud rate looks like; contains every protocol's frame end.
GARBAGE = b"\x8f\xf0#\xfe@\x8c~\r\n\x03"


@dataclass(frozen=True)
class SimState:
    grams: Decimal  # net of zero and tare
    stable: bool
    state: ScaleState
    unit: str

    @property
    def shown(self) -> ScaleState:
        """MOTION when OK but not stable."""
        if self.state is ScaleState.OK and not self.stable:
            return ScaleState.MOTION
        return self.state

    def value(self, width: int = 0) -> str:
        """The weight in `unit`, rounded like a display, right-aligned in `width`."""
        places = Decimal(1).scaleb(-DECIMALS.get(self.unit.lower(), 3))
        value = (self.grams / GRAMS_PER_UNIT[self.unit.lower()]).quantize(places, ROUND_HALF_UP)
        return str(value).rjust(width)


class Replies:
    """Turns request bytes into answer bytes; `stream` for scales that talk unasked."""

    streams = False

    def __init__(self) -> None:
        self._buf = bytearray()

    def answer(self, data: bytes, state: SimState) -> tuple[bytes, list[str]]:
        """Answer bytes, and the commands seen (so the simulator can zero/tare)."""
        return b"", []

    def stream(self, state: SimState) -> bytes:
        return b""

    def _lines(self, data: bytes) -> list[str]:
        self._buf += data
        out = []
        while (end := next((i for i, b in enumerate(self._buf) if b in b"\r\n"), -1)) != -1:
            line = bytes(self._buf[:end]).decode("ascii", "replace").strip()
            del self._buf[: end + 1]
            if line:
                out.append(line)
        return out


class MtSicsReplies(Replies):
    def answer(self, data: bytes, state: SimState) -> tuple[bytes, list[str]]:
        out, seen = [], []
        for command in self._lines(data):
            command = command.upper()
            seen.append(command)
            out.append(self._one(command, state))
        return "".join(line + "\r\n" for line in out if line).encode(), seen

    @staticmethod
    def _one(command: str, state: SimState) -> str:
        shown = state.shown
        if command in ("S", "SI"):
            if shown is ScaleState.OVERLOAD:
                return "S +"
            if shown is ScaleState.UNDERLOAD:
                return "S -"
            if shown is ScaleState.ERROR:
                return "EL"
            if shown is ScaleState.MOTION:
                return f"S D {state.value(10)} {state.unit}" if command == "SI" else "S I"
            return f"S S {state.value(10)} {state.unit}"
        if command == "Z":
            return "Z +" if shown is ScaleState.ZERO_ERROR else "Z A"
        if command == "T":
            return f"T S {state.value(10)} {state.unit}"
        if command in ("@", "I4"):
            return 'I4 A "SIM0001"'
        return "ES"


class ToledoReplies(Replies):
    STATUS = {
        ScaleState.MOTION: 0x01,
        ScaleState.OVERLOAD: 0x02,
        ScaleState.UNDERLOAD: 0x04,
        ScaleState.ZERO_ERROR: 0x08,
    }

    def __init__(self, repeat_as_status: bool = False) -> None:
        super().__init__()
        self.repeat_as_status = repeat_as_status
        self._sent: str | None = None
        self._echo = False
        self.repeats = 0  # status-only answers sent for an unchanged weight

    def answer(self, data: bytes, state: SimState) -> tuple[bytes, list[str]]:
        out, seen = bytearray(), []
        for byte in data:
            char = chr(byte)
            if char in "WZTC":
                self._echo = False
                seen.append(char)
                if char == "W":
                    out += self._weight(state)
            elif char == "E":  # the Odoo probe `Ehello` expects STX E CR, then its echo
                self._echo = True
                out += b"\x02E\r"
            elif self._echo:
                out.append(byte)
        return bytes(out), seen

    def _weight(self, state: SimState) -> bytes:
        shown = state.shown
        if shown is ScaleState.ERROR:  # no such reply in this protocol: stay silent
            return b""
        if shown is not ScaleState.OK:
            self._sent = None
            # bits 5 and 6 set, as on the models that always set them
            return b"\x02?" + bytes([0x60 | self.STATUS[shown]]) + b"\r"
        text = state.value().zfill(6)
        if self.repeat_as_status and self._sent == text:
            self.repeats += 1
            return b"\x02?\x60\r"  # no error bits: same weight as before
        self._sent = text
        return b"\x02" + text.encode() + b"\r"


class NciReplies(Replies):
    FIELD = {ScaleState.OVERLOAD: "^", ScaleState.UNDERLOAD: "_", ScaleState.ZERO_ERROR: "-"}

    def answer(self, data: bytes, state: SimState) -> tuple[bytes, list[str]]:
        out, seen = bytearray(), []
        for command in self._lines(data):
            command = command.upper()
            seen.append(command)
            if command == "W":
                out += b"\n" + self._field(state).encode() + b"\r\n"
                out += self._status(state) + b"\r\x03"
            elif command in ("S", "Z"):
                out += b"\n" + self._status(state) + b"\r\x03"
            else:
                out += b"\n?\r\x03"
        return bytes(out), seen

    def _field(self, state: SimState) -> str:
        if state.shown in self.FIELD:
            return self.FIELD[state.shown] * 7
        return state.value().zfill(7) + state.unit.upper()

    @staticmethod
    def _status(state: SimState) -> bytes:
        s1 = s2 = 0x30
        shown = state.shown
        if shown is ScaleState.MOTION:
            s1 |= 0x01
        elif shown is ScaleState.ERROR:
            s1 |= 0x04  # RAM error
        elif shown is ScaleState.UNDERLOAD:
            s2 |= 0x01
        elif shown is ScaleState.OVERLOAD:
            s2 |= 0x02
        if state.grams == 0:
            s1 |= 0x02  # at zero
        return bytes([s1, s2])


class ContinuousReplies(Replies):
    streams = True
    CAS_HEAD = {
        ScaleState.OK: "ST",
        ScaleState.MOTION: "US",
        ScaleState.OVERLOAD: "OL",
        ScaleState.UNDERLOAD: "UL",
    }

    def __init__(self, variant: str = "cas") -> None:
        super().__init__()
        if variant not in ("cas", "ohaus"):
            raise ValueError(f"unknown continuous variant {variant!r}: use cas or ohaus")
        self.variant = variant

    def stream(self, state: SimState) -> bytes:
        shown = state.shown
        if self.variant == "ohaus":
            if shown not in (ScaleState.OK, ScaleState.MOTION):
                return b""
            mark = " ?" if shown is ScaleState.MOTION else ""
            return f"{state.value(10)} {state.unit}{mark}\r\n".encode()
        if shown not in self.CAS_HEAD:
            return b""
        value = state.value()
        sign = "-" if value.startswith("-") else "+"
        return f"{self.CAS_HEAD[shown]},GS,{sign}{value.lstrip('-'):>7}{state.unit}\r\n".encode()


def replies_for(protocol: str, *, variant: str = "cas", repeat_as_status: bool = False) -> Replies:
    if protocol == "mt-sics":
        return MtSicsReplies()
    if protocol.startswith("toledo"):
        return ToledoReplies(repeat_as_status)
    if protocol == "nci":
        return NciReplies()
    if protocol == "continuous":
        return ContinuousReplies(variant)
    raise ValueError(f"no simulator for scale protocol {protocol!r}")
