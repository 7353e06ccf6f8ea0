"""The training station's printer: labels go to the screen, never to paper or a folder.

The runner renders a practice label exactly as on the floor (ZPL through the same code)
and hands it here. What a printer would print is read back out of the ZPL (its `^FD`
fields, `^FH` escapes decoded), so the screen shows the label as printed: carrier, sender,
ship-to, order, "parcel n of m", handling marks and the barcode's text
(`widgets/training.LabelPreview`); the barcode itself is drawn large in the coach's pane to
be scanned off the screen. Thread-safe: the runner's worker sends, the UI reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["PreviewJob", "PreviewPrinter", "zpl_fields"]

#: Jobs kept for the screen and tests (a lesson prints a handful).
KEEP = 50


@dataclass(frozen=True, slots=True)
class PreviewJob:
    name: str
    size: int
    #: The label's printed text fields, top to bottom (not the barcode's).
    lines: tuple[str, ...] = ()
    #: What the label's barcode carries (the parcel id), "" when it has none.
    barcode: str = ""

    def is_for(self, parcel_id: str) -> bool:
        """Whether this is the label of `parcel_id` (the runner names it `<parcel>.<fmt>`)."""
        return self.name.rpartition(".")[0] == parcel_id


def _unescape(value: str, indicator: str) -> str:
    """`^FH` hex escapes (`_5E` for ^) back to text; bytes in a row are one UTF-8 text."""
    out = bytearray()
    i = 0
    while i < len(value):
        if value[i] == indicator and _hex(value[i + 1 : i + 3]):
            out += bytes.fromhex(value[i + 1 : i + 3])
            i += 3
        else:
            out += value[i].encode("utf-8")
            i += 1
    return out.decode("utf-8", "replace")


def _hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def zpl_fields(zpl: str) -> tuple[tuple[str, ...], str]:
    """The text fields of a ZPL label in print order, and the barcode's data ("" if none)."""
    lines: list[str] = []
    barcode = ""
    for chunk in zpl.split("^FS"):
        commands, found, data = chunk.partition("^FD")
        if not found:
            continue
        at = commands.rfind("^FH")
        if at >= 0:
            indicator = commands[at + 3 : at + 4]
            data = _unescape(data, indicator if indicator and indicator != "^" else "_")
        if "^BC" in commands or "^BX" in commands:
            barcode = barcode or data
        else:
            lines.append(data)
    return tuple(lines), barcode


class PreviewPrinter:
    """A `devices.base.Printer` that keeps what it was sent, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[PreviewJob] = []

    @property
    def target(self) -> str:
        return "preview:screen"

    def send(self, data: bytes, name: str) -> None:
        lines: tuple[str, ...] = ()
        barcode = ""
        if name.lower().endswith(".zpl"):  # a PNG label (label_format png) shows its name only
            lines, barcode = zpl_fields(data.decode("utf-8", "replace"))
        job = PreviewJob(name, len(data), lines, barcode)
        with self._lock:
            self._jobs = [*self._jobs[-(KEEP - 1) :], job]

    @property
    def jobs(self) -> tuple[PreviewJob, ...]:
        with self._lock:
            return tuple(self._jobs)

    def label_of(self, parcel_id: str) -> PreviewJob | None:
        """The newest label printed for `parcel_id`."""
        with self._lock:
            return next((j for j in reversed(self._jobs) if j.is_for(parcel_id)), None)
