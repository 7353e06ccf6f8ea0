"""What the rest of the app sees of a device: states, readings, three small interfaces.

Drivers run in their own threads and report through plain callbacks; the
Textual app wraps those in `post_message`, so nothing in `devices/` knows about
the UI and serial I/O can never block its event loop.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class DeviceState(enum.Enum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    BUSY = "busy"  # the port is locked by another process (exclusive=True)
    ERROR = "error"  # open but unusable: no permission, no reply, unparseable data


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state is DeviceState.CONNECTED

    def __str__(self) -> str:
        return f"{self.state.value}: {self.detail}" if self.detail else self.state.value


PARITIES = ("N", "E", "O", "M", "S")
BYTESIZES = (5, 6, 7, 8)
STOPBITS = (1, 1.5, 2)


@dataclass(frozen=True)
class SerialSettings:
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "parity", self.parity.upper()[:1])
        if self.baudrate <= 0:
            raise ValueError(f"baud rate must be positive, not {self.baudrate}")
        if self.bytesize not in BYTESIZES:
            raise ValueError(f"bytesize must be one of 5, 6, 7, 8, not {self.bytesize}")
        if self.parity not in PARITIES:
            raise ValueError(f"parity must be one of {', '.join(PARITIES)}, not {self.parity!r}")
        if self.stopbits not in STOPBITS:
            raise ValueError(f"stopbits must be 1, 1.5 or 2, not {self.stopbits}")

    def describe(self) -> str:
        stop = int(self.stopbits) if self.stopbits != 1.5 else 1.5
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}"

    def replace(
        self,
        baudrate: int | None = None,
        bytesize: int | None = None,
        parity: str | None = None,
        stopbits: float | None = None,
    ) -> SerialSettings:
        """These settings with the given (non-None) overrides: protocol defaults + config."""
        return SerialSettings(
            baudrate if baudrate is not None else self.baudrate,
            bytesize if bytesize is not None else self.bytesize,
            parity if parity is not None else self.parity,
            stopbits if stopbits is not None else self.stopbits,
        )


class ScaleState(enum.Enum):
    OK = "ok"
    MOTION = "motion"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    ZERO_ERROR = "zero_error"
    OFFLINE = "offline"  # the port is gone or the scale stopped answering
    ERROR = "error"  # the scale reported an error (syntax, logical, hardware)


@dataclass(frozen=True)
class ScaleReading:
    """One reply of a scale, normalised to grams.

    A reply without a weight (overload, a Toledo status byte, ...) carries the
    last weight the scale reported and `stable=False`; only `usable` readings
    may be used to check a parcel.
    """

    grams: Decimal
    stable: bool
    state: ScaleState
    raw_unit: str = ""

    @property
    def usable(self) -> bool:
        return self.stable and self.state is ScaleState.OK


class PrintError(Exception):
    """A label was not handed to the printer; the message is one line for the packer."""


class DeviceCommandError(Exception):
    """A command (zero, tare) cannot be sent: unsupported by the protocol or not connected."""


CodeCallback = Callable[[str], None]
StatusCallback = Callable[[DeviceStatus], None]
ReadingCallback = Callable[[ScaleReading], None]


class Scanner(Protocol):
    on_code: CodeCallback
    on_status: StatusCallback

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Scale(Protocol):
    on_reading: ReadingCallback
    on_status: StatusCallback

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def zero(self) -> None: ...

    def tare(self) -> None: ...


class Printer(Protocol):
    @property
    def target(self) -> str: ...

    def send(self, data: bytes, name: str) -> None:
        """Hand `data` to the printer or raise PrintError; returning means it was accepted."""
        ...
