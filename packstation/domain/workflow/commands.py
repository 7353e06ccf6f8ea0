"""Inputs to the pack workflow, the lookups it needs, and what it decides.

Commands are what the app feeds in (scanner lines, keys, scale readings,
clock ticks, a lead's PIN). ``Context`` is the read-only view of the world the
app implements against its database; the machine never writes through it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from msgspec import Struct

from packstation.domain.codes import ScannedCode
from packstation.domain.evidence import CameraState
from packstation.domain.rules import PackRules
from packstation.domain.workflow.model import (
    ClaimRefusal,
    DefectKind,
    Operator,
    OrderView,
    OverrideReason,
)
from packstation.domain.workflow.records import Record
from packstation.domain.workflow.state import Flow, Outcome, PackState

__all__ = [
    "Action",
    "Command",
    "ConfirmCheck",
    "Context",
    "Decision",
    "Key",
    "PickKind",
    "PickLine",
    "PickReason",
    "PinEntry",
    "PinVerdict",
    "ScaleReading",
    "Scan",
    "Tick",
]


class Action(enum.StrEnum):
    """Keys and their ``CMD:<NAME>`` cards (the value is the card name)."""

    OK = "OK"
    UNDO = "UNDO"
    DEFECT = "DEFECT"
    CANCEL = "CANCEL"
    LOGOUT = "LOGOUT"
    NEXT = "NEXT"
    REPRINT = "REPRINT"
    #: Ask a lead to approve: a weight outside tolerance, or skipping the next packaging check.
    LEAD = "LEAD"
    #: Close the open box with the units scanned so far; the rest go into a new box.
    NEWBOX = "NEWBOX"
    #: Label step: how a lead picks another tariff (scan its TARIFF:<carrier>:<tariff> card).
    CARRIER = "CARRIER"
    #: No tariff fits: hand the order to a lead (status needs_correction, on hold).
    HOLD = "HOLD"


class Scan(Struct, frozen=True):
    code: ScannedCode


class Key(Struct, frozen=True):
    action: Action


class PickLine(Struct, frozen=True):
    """Defect sub-flow: the line by its number on screen (1-based)."""

    number: int


class PickKind(Struct, frozen=True):
    kind: DefectKind


class ConfirmCheck(Struct, frozen=True):
    """Checks step: confirm checklist item ``number`` (1-based) from the keyboard."""

    number: int


@dataclass(frozen=True, slots=True)
class PinEntry:
    """A lead's PIN, typed after their badge; never stored, never shown."""

    pin: str = field(repr=False)


class PickReason(Struct, frozen=True):
    reason: OverrideReason
    note: str = ""


class ScaleReading(Struct, frozen=True):
    grams: Decimal
    stable: bool


class Tick(Struct, frozen=True):
    """The clock, so idle sessions end without the machine reading a clock itself.

    ``active_at``: the last key or scan at the station that made no record (the
    returns desk, the lead's queue view): the person is there, so it counts as activity.
    """

    now: datetime
    active_at: datetime | None = None


class MarketplaceLabel(Struct, frozen=True):
    """The marketplace's label for one parcel was printed (a marketplace order's label is
    fetched and printed off the workflow, by the station's marketplace agent)."""

    order_id: str
    parcel_id: str
    barcode: str
    package_ref: str = ""
    #: The label's other barcodes that name this parcel (Ozon prints the posting's upper
    #: and lower barcode, maybe not its number): the scan-back takes any of them.
    codes: tuple[str, ...] = ()


class MarksRejected(Struct, frozen=True):
    """The marketplace refused these marking codes: (identity, its reason) each."""

    order_id: str
    rejected: tuple[tuple[str, str], ...]


Command = (
    Scan
    | Key
    | PickLine
    | PickKind
    | ConfirmCheck
    | PinEntry
    | PickReason
    | ScaleReading
    | Tick
    | MarketplaceLabel
    | MarksRejected
)


class PinVerdict(Struct, frozen=True):
    """What a PIN check says beyond yes/no: a locked badge (refused even with the right PIN,
    until ``locked_until``) and how many wrong PINs are left before it locks."""

    ok: bool
    locked_until: datetime | None = None
    attempts_left: int | None = None


class Context(Protocol):
    """Read-only lookups the app answers from its database and config.

    ``find_order``/``next_order`` only *propose* an order: the claim is the
    ``order.claimed`` record, which the app commits with an atomic conditional
    update (status ready and not held by a live station). If that update
    matches no row, the app discards the decision and keeps its old state, so
    two stations never hold one order. Marking-code uniqueness is enforced the
    same way by the ``marking_codes`` primary key, and a serial shipped once by the
    unique index of ``packed_units`` (written with ``order.packed``).
    """

    @property
    def rules(self) -> PackRules: ...

    def now(self) -> datetime:
        """Timezone-aware current time, stamped on every record."""
        ...

    def operator_by_badge(self, badge: str) -> Operator | None:
        """Active operator with this badge, else None."""
        ...

    def verify_pin(self, operator: Operator, pin: str) -> bool | PinVerdict:
        """Whether ``pin`` is the operator's; a ``PinVerdict`` when the badge is locked or
        the check counts wrong PINs (the database side keeps that count)."""
        ...

    def find_order(self, ref: str) -> OrderView | ClaimRefusal | None:
        """Order by id or tote barcode: the order if this station may claim it,
        a refusal saying why not, or None when ``ref`` names no order."""
        ...

    def next_order(self) -> OrderView | None:
        """The next ready order by priority, then earliest ship-by."""
        ...

    def marking_used_in(self, identity: str) -> str | None:
        """Order id a marking identity is already stored for, else None."""
        ...

    def serial_shipped_in(self, scope: str, serial: str) -> str | None:
        """Order id a unit with this serial (unique within ``scope``: a SKU, or "IMEI") was
        packed in and not returned from since, else None."""
        ...

    def order_of_code(self, code: ScannedCode) -> str | None:
        """Some other order containing this item code (for "belongs to ..."); None if unknown."""
        ...

    def new_parcel_id(self, order_id: str) -> str: ...

    @property
    def camera(self) -> CameraState | None:
        """This station's camera as last read (`domain.evidence`); None: no camera."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """What to commit (``records``, in order, in one transaction) and then show (``outcome``).

    ``flow`` is the dialog open after this decision (None: none). The app
    adopts the new state only after the commit succeeded.
    """

    records: tuple[Record, ...]
    outcome: Outcome
    flow: Flow | None = None
    #: The state ``decide`` folded ``records`` into, and the state it started from:
    #: ``apply`` on that same state reuses the fold instead of replaying it.
    folded: PackState | None = field(default=None, compare=False, repr=False)
    base: PackState | None = field(default=None, compare=False, repr=False)
