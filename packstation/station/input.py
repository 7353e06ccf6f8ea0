"""What a line of scanner (or typed) text means in the current step.

A scan is a scan, except inside the keyboard dialogs: a number picks a line,
a defect kind, an override reason (followed by a space and a note, if any) or a
checklist item, and in the PIN step the text is the PIN (never echoed, never stored).
"""

from __future__ import annotations

from msgspec import Struct

from packstation.domain.codes import parse_code
from packstation.domain.workflow import (
    Command,
    ConfirmCheck,
    DefectKind,
    OverrideReason,
    PackState,
    PickKind,
    PickLine,
    PickReason,
    PinEntry,
    Scan,
    Step,
)

DEFECT_KINDS = tuple(DefectKind)
OVERRIDE_REASONS = tuple(OverrideReason)


def _number(text: str, limit: int) -> int | None:
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= limit:
        return int(text)
    return None


class TextInput(Struct, frozen=True):
    """A scanned or typed line on its way to the worker, read there as a command
    (`command_for_text`) in the state it is taken in."""

    text: str


def command_for_text(state: PackState, text: str) -> Command:
    step = state.step
    if step is Step.OVERRIDE_PIN:
        return PinEntry(text.strip())
    if step is Step.DEFECT_PICK_LINE and state.order:
        n = _number(text, len(state.order.lines))
        if n is not None:
            return PickLine(n)
    if step is Step.DEFECT_PICK_KIND:
        n = _number(text, len(DEFECT_KINDS))
        if n is not None:
            return PickKind(DEFECT_KINDS[n - 1])
    if step is Step.OVERRIDE_REASON:
        # "4" picks reason 4; "4 no tape at this bench" adds the note OTHER needs.
        number, _, note = text.strip().partition(" ")
        n = _number(number, len(OVERRIDE_REASONS))
        if n is not None:
            return PickReason(OVERRIDE_REASONS[n - 1], note.strip())
    if step is Step.CHECKS and len(text.strip()) <= 2:
        n = _number(text, len(state.checks))
        if n is not None:
            return ConfirmCheck(n)
    return Scan(parse_code(text))


def masked(state: PackState, text: str) -> str:
    """What the typing line shows: the PIN as dots."""
    return "•" * len(text) if state.step is Step.OVERRIDE_PIN else text
