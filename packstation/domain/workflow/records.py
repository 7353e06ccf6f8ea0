"""Every fact a station stores: one frozen record per ``events`` row.

``decide`` produces records, the app commits them (``kind`` + ``to_payload()``
as the event; some also feed ``marking_codes``, ``defects``, ``parcels``,
``notifications``), and only then shows the outcome. ``evolve`` folds them into
the state, so a restarted station replays its records and is back where it was.
Records carry everything replay needs (the order snapshot, the box tare, the
expected weight ...), never a PIN.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from msgspec import Struct, field

from packstation.domain.carriers import NOTE_LIMIT, Choice, NoFit
from packstation.domain.instructions import Instruction
from packstation.domain.units import UnitFacts
from packstation.domain.workflow.codec import CodecError, encode
from packstation.domain.workflow.model import (
    CheckItem,
    DefectKind,
    Operator,
    OrderView,
    OverrideReason,
)

__all__ = [
    "BoxChosen",
    "BoxSealed",
    "BoxSplit",
    "CarrierNoFit",
    "CarrierOverridden",
    "CheckConfirmed",
    "CheckSkipped",
    "CodecError",
    "DefectRecorded",
    "DocumentConfirmed",
    "BoxOverridden",
    "EvidenceMissing",
    "LabelConfirmed",
    "LabelPrinted",
    "MarkRejected",
    "MarketplaceLabelReady",
    "NotificationQueued",
    "OrderClaimed",
    "OrderHeld",
    "OrderPacked",
    "OrderReleased",
    "OverrideDenied",
    "Record",
    "ScanAccepted",
    "ScanRejected",
    "ScanUndone",
    "SerialCaptured",
    "SessionLogin",
    "SessionLogout",
    "WeightAccepted",
    "WeightOverridden",
    "WeightRejected",
]


class Record(Struct, frozen=True):
    kind: ClassVar[str] = ""
    at: datetime

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe dict (Decimals as strings, datetimes ISO); ``kind`` is stored beside it."""
        payload: dict[str, Any] = encode(self)
        return payload


class SessionLogin(Record, frozen=True):
    kind: ClassVar[str] = "session.login"
    operator: Operator


class SessionLogout(Record, frozen=True):
    kind: ClassVar[str] = "session.logout"
    operator_id: int
    #: "operator" (CMD:LOGOUT) or "idle" (idle timeout).
    reason: str = "operator"


class OrderClaimed(Record, frozen=True):
    """The station takes the order. The app commits it with a conditional update
    (status ready and no live station) and drops the decision if that fails."""

    kind: ClassVar[str] = "order.claimed"
    order: OrderView
    checks: tuple[CheckItem, ...]
    documents: tuple[str, ...]
    #: "id", "tote" or "next".
    via: str = "id"
    #: The pack instructions shown at their steps (`domain/instructions.py`).
    instructions: tuple[Instruction, ...] = ()


class ScanAccepted(Record, frozen=True):
    """A unit counted on a line; ``identity`` set for marking codes (marking_codes row).
    ``lot``, ``expiry`` and ``serial``: what its GS1 code carried (AI 10, 17, 21); ``ask``:
    the serial kind its line asks for when the code gave none (`serial.captured` follows)."""

    kind: ClassVar[str] = "scan.accepted"
    order_id: str
    line_id: int
    code: str
    gtin: str | None = None
    identity: str | None = None
    crypto_tail: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    ask: str = ""


class SerialCaptured(Record, frozen=True):
    """The serial number (``kind`` "serial") or IMEI asked for after the last unit."""

    kind: ClassVar[str] = "serial.captured"
    order_id: str
    line_id: int
    serial: str
    serial_kind: str


class ScanRejected(Record, frozen=True):
    """Audit only: a red scan. ``reason`` is the message key; no count changes."""

    kind: ClassVar[str] = "scan.rejected"
    order_id: str | None
    code: str
    reason: str
    other_order: str | None = None


class ScanUndone(Record, frozen=True):
    """CMD:UNDO: the last accepted scan no longer counts (its marking code is freed)."""

    kind: ClassVar[str] = "scan.undone"
    order_id: str
    line_id: int
    code: str
    identity: str | None = None


class BoxChosen(Record, frozen=True):
    kind: ClassVar[str] = "box.chosen"
    order_id: str
    code: str
    name: str
    tare_g: Decimal


class BoxSplit(Record, frozen=True):
    """CMD:NEWBOX: the units scanned since the last sealed box are box ``seq``'s content."""

    kind: ClassVar[str] = "box.split"
    order_id: str
    seq: int
    units: int


class BoxSealed(Record, frozen=True):
    """Box ``seq`` of a multi-box order is closed: its content and weighing are final.

    Committed with the weighing (or the lead's weight override) that completes it;
    the next scans go into a new box."""

    kind: ClassVar[str] = "box.sealed"
    order_id: str
    seq: int
    units: int
    box_code: str
    actual_g: Decimal
    expected_g: Decimal


class BoxOverridden(Record, frozen=True):
    """A lead (badge + PIN + reason) let the packer use a box the station refused for the
    items' size (``why``: "volume" or "longest"; ``suggested``: the box it named, if any).
    Chooses the box as ``box.chosen`` does. Both identities are kept."""

    kind: ClassVar[str] = "override.box"
    order_id: str
    code: str
    name: str
    tare_g: Decimal
    why: str
    suggested: str
    lead_id: int
    lead_name: str
    reason: OverrideReason
    note: str = ""
    packer_id: int | None = None
    packer_name: str = ""


class WeightAccepted(Record, frozen=True):
    kind: ClassVar[str] = "weight.accepted"
    order_id: str
    actual_g: Decimal
    expected_g: Decimal
    tolerance_g: Decimal
    box_code: str


class WeightRejected(Record, frozen=True):
    """Out of tolerance: the order is blocked until a re-weigh or a lead override."""

    kind: ClassVar[str] = "weight.rejected"
    order_id: str
    actual_g: Decimal
    expected_g: Decimal
    tolerance_g: Decimal
    box_code: str


class WeightOverridden(Record, frozen=True):
    kind: ClassVar[str] = "override.weight"
    order_id: str
    actual_g: Decimal
    expected_g: Decimal
    tolerance_g: Decimal
    box_code: str
    lead_id: int
    lead_name: str
    reason: OverrideReason
    note: str = ""


class OverrideDenied(Record, frozen=True):
    """Audit of a refused lead approval (unknown badge, not a lead, wrong PIN)."""

    kind: ClassVar[str] = "override.denied"
    order_id: str | None
    #: A ``Purpose`` value: "weight", "cancel", "carrier" or "skip_check".
    purpose: str
    reason: str
    lead_id: int | None = None


class CheckConfirmed(Record, frozen=True):
    kind: ClassVar[str] = "check.confirmed"
    order_id: str
    #: Position in the order's checklist (0-based), fixed at claim.
    index: int
    profile: str
    text: str


class CheckSkipped(Record, frozen=True):
    """A lead (badge + PIN + reason) let the packer skip a packaging check: it counts as
    done. Documents are never skipped. Both identities are kept: the lead here, the packer
    here and on the event row."""

    kind: ClassVar[str] = "override.check"
    order_id: str
    #: Position in the order's checklist (0-based), fixed at claim.
    index: int
    profile: str
    text: str
    lead_id: int
    lead_name: str
    reason: OverrideReason
    note: str = ""
    packer_id: int | None = None
    packer_name: str = ""


class DocumentConfirmed(Record, frozen=True):
    kind: ClassVar[str] = "document.confirmed"
    order_id: str
    document: str
    code: str


class DefectRecorded(Record, frozen=True):
    """A ``defects`` row. ``unit_removed``: a counted unit was taken out of the parcel."""

    kind: ClassVar[str] = "defect.recorded"
    order_id: str
    line_id: int
    sku: str
    defect: DefectKind
    qty: int
    #: "hold" or "ship_short".
    resolution: str
    unit_removed: bool = False
    #: The unit's lot, expiry and serial, when they were captured (scanned in the defect
    #: dialog, or the counted unit taken out).
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None


class NotificationQueued(Record, frozen=True):
    """A customer notification for the outbox, written in the same transaction."""

    kind: ClassVar[str] = "notification.queued"
    order_id: str
    template: str
    #: Idempotency key of the outbox row.
    key: str
    params: dict[str, str] = field(default_factory=dict)


class LabelPrinted(Record, frozen=True):
    """A ``parcels`` row and a label for the printer (rendering is the app's job).

    A new parcel id voids the order's earlier unconfirmed parcel of the same ``seq``
    (after a re-weigh). A multi-box order prints one per box in one decision, parcel
    ``seq`` of ``parcel_count``. Fields after ``reprint`` were added later: payloads
    stored before them read back with the defaults (one parcel, no explanation)."""

    kind: ClassVar[str] = "label.printed"
    order_id: str
    parcel_id: str
    carrier: str
    tariff: str
    cost: Decimal
    days: int
    weight_g: Decimal
    expected_g: Decimal
    box_code: str
    reprint: bool = False
    seq: int = 1
    parcel_count: int = 1
    #: Units in this parcel (0 on labels stored before parcels were counted).
    units: int = 0
    #: What the rules chose and why (None when nothing fit, or on old labels). With a
    #: lead's override it is what the rules would have chosen.
    choice: Choice | None = None
    #: A lead's override: who, the reason (an ``OverrideReason`` value) and the note.
    override_by: str = ""
    override_reason: str = ""
    override_note: str = ""
    #: The box suggested for this parcel's items (empty: none), and inner volumes in cm3
    #: of the box used, the suggested one and the packer's first pick (None: unknown).
    suggested_box: str = ""
    box_cm3: int | None = None
    suggested_cm3: int | None = None
    first_box_cm3: int | None = None

    def choice_note(self) -> str:
        """``parcels.choice_note``: compact and language-neutral (codes, ISO times)."""
        rules = self.choice.note() if self.choice is not None else ""
        if not self.override_by:
            return rules
        note = f"override by {self.override_by}: {self.override_reason}"
        note += f" ({self.override_note})" if self.override_note else ""
        note += f" | rules: {rules}" if rules else ""
        return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"


class CarrierNoFit(Record, frozen=True):
    """No tariff fits parcel ``seq``: the packer is told why; a lead overrides or holds."""

    kind: ClassVar[str] = "carrier.no_fit"
    order_id: str
    seq: int
    result: NoFit


class CarrierOverridden(Record, frozen=True):
    """A lead (badge + PIN + reason) chose the tariff for the rest of the order.

    Both identities are kept: the lead here, the packer here and on the event row."""

    kind: ClassVar[str] = "override.carrier"
    order_id: str
    carrier: str
    tariff: str
    lead_id: int
    lead_name: str
    reason: OverrideReason
    note: str = ""
    packer_id: int | None = None
    packer_name: str = ""
    #: What the rules had said (``Choice.note()`` or ``NoFit.note()``), for the audit.
    rules_note: str = ""


class LabelConfirmed(Record, frozen=True):
    kind: ClassVar[str] = "label.confirmed"
    order_id: str
    parcel_id: str


class OrderPacked(Record, frozen=True):
    """Every label of the order is confirmed; ``parcel_id`` is the last one scanned."""

    kind: ClassVar[str] = "order.packed"
    order_id: str
    parcel_id: str
    #: All parcels of the order, by seq (empty on records stored before multi-parcel).
    parcel_ids: tuple[str, ...] = ()
    #: The units with a lot, expiry or serial (``packed_units`` rows: serials shipped).
    units: tuple[UnitFacts, ...] = ()


class OrderReleased(Record, frozen=True):
    """Back to the queue (status ready, no station); ``approved_by`` when a lead allowed it.

    A cancel at the station approved by a lead carries the lead's ``reason`` and ``note``;
    a release from the queue screen keeps its reason on its own ``lead.release`` row.
    Records stored before reasons were asked read back without one."""

    kind: ClassVar[str] = "order.released"
    order_id: str
    approved_by: int | None = None
    reason: OverrideReason | None = None
    note: str = ""


class OrderHeld(Record, frozen=True):
    """Leaves the station for correction (defect under the hold policy, or no tariff fits
    and the packer hands the order to a lead with CMD:HOLD)."""

    kind: ClassVar[str] = "order.held"
    order_id: str
    reason: str
    line_id: int | None = None


class MarketplaceLabelReady(Record, frozen=True):
    """A marketplace order's parcel got the marketplace's label (printed by the station):
    its scan-back now checks ``barcode`` and ``codes``, the marketplace's, not our parcel id."""

    kind: ClassVar[str] = "label.marketplace"
    order_id: str
    parcel_id: str
    barcode: str
    #: The marketplace's id of this package (Ozon posting number, WB supply).
    package_ref: str = ""
    #: Other barcodes on the label the scan-back takes too (Ozon's upper and lower);
    #: records stored before it have none and replay as before.
    codes: tuple[str, ...] = ()


class MarkRejected(Record, frozen=True):
    """The marketplace refused a unit's marking code: that unit no longer counts (its code
    is freed) and the packer scans another unit; the labels are void until it is fixed."""

    kind: ClassVar[str] = "mark.rejected"
    order_id: str
    line_id: int
    code: str
    identity: str
    reason: str


class EvidenceMissing(Record, frozen=True):
    """The order was claimed while the camera recorded nothing (`[camera] required` is
    false): its packing has no video. ``camera`` is the recorder's state then."""

    kind: ClassVar[str] = "evidence.missing"
    order_id: str
    camera: str
    detail: str = ""
