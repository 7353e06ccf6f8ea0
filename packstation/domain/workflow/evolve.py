"""Folding records into the state: the only place the state changes.

``evolve`` trusts its records (``decide`` validated them before they were
committed) and never consults config or the database, so ``replay`` of a
station's stored records rebuilds exactly the state it had.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from msgspec.structs import replace

from packstation.domain.workflow.facts import (
    AcceptedScan,
    BoxChoice,
    CarrierOverride,
    DefectEntry,
    Parcel,
    SealedBox,
    SkippedCheck,
    Verdict,
    WeightCheck,
)
from packstation.domain.workflow.records import (
    BoxChosen,
    BoxOverridden,
    BoxSealed,
    BoxSplit,
    CarrierNoFit,
    CarrierOverridden,
    CheckConfirmed,
    CheckSkipped,
    DefectRecorded,
    DocumentConfirmed,
    LabelConfirmed,
    LabelPrinted,
    MarketplaceLabelReady,
    MarkRejected,
    NotificationQueued,
    OrderClaimed,
    OrderHeld,
    OrderPacked,
    OrderReleased,
    OverrideDenied,
    Record,
    ScanAccepted,
    ScanRejected,
    ScanUndone,
    SerialCaptured,
    SessionLogin,
    SessionLogout,
    WeightAccepted,
    WeightOverridden,
    WeightRejected,
)
from packstation.domain.workflow.state import PackState
from packstation.domain.workflow.units import unit_to_remove

__all__ = ["evolve", "replay"]


def replay(records: Iterable[Record], state: PackState | None = None) -> PackState:
    """The state after ``records``, starting logged out (or from ``state``)."""
    current = state if state is not None else PackState()
    for record in records:
        current = evolve(current, record)
    return current


def _without_order(state: PackState, **changes: Any) -> PackState:
    """No order open, and ``changes``: one copy of the state (a claim's, a sign-in's)."""
    cleared: dict[str, Any] = {
        "order": None,
        "checks": (),
        "documents": (),
        "instructions": (),
        "scans": (),
        "box": None,
        "weight": None,
        "checks_done": frozenset(),
        "checks_skipped": (),
        "documents_done": frozenset(),
        "defects": (),
        "parcels": (),
        "sealed": (),
        "splitting": False,
        "no_fit": None,
        "carrier_override": None,
    }
    return replace(state, **(cleared | changes))


def evolve(state: PackState, record: Record) -> PackState:
    at = record.at
    # Each record sets the time of the last activity. The records of every scan and
    # claim set it in the one copy of the state they make (the worker's Python per scan
    # competes with the screen's for the interpreter); the rest in a copy of their own.
    match record:
        case ScanAccepted():
            scan = AcceptedScan(
                record.line_id, record.code, record.gtin, record.identity, record.lot,
                record.expiry, record.serial, record.ask,
            )  # fmt: skip
            return replace(state, last_activity=at, scans=(*state.scans, scan))
        case OrderClaimed(order=order, checks=checks, documents=documents):
            return _without_order(
                state,
                last_activity=at,
                order=order,
                checks=checks,
                documents=documents,
                instructions=record.instructions,
                closed_order=None,
            )
        case SessionLogin(operator=operator):
            return _without_order(state, last_activity=at, operator=operator, closed_order=None)
        case SessionLogout():
            return _without_order(state, last_activity=at, operator=None, closed_order=None)
    state = replace(state, last_activity=at)
    match record:
        case SerialCaptured():
            due = state.serial_due
            if due is None or due.line_id != record.line_id:
                return state  # pragma: no cover - decide asks only for the last unit's
            return replace(state, scans=(*state.scans[:-1], replace(due, serial=record.serial)))
        case ScanUndone():
            return replace(state, scans=state.scans[:-1], parcels=(), no_fit=None)
        case (
            BoxChosen(code=code, name=name, tare_g=tare_g)
            | BoxOverridden(code=code, name=name, tare_g=tare_g)
        ):
            first = state.box.first if state.box is not None else code
            box = BoxChoice(code, name, tare_g, first or code)
            return replace(state, box=box, parcels=(), no_fit=None)
        case BoxSplit():
            return replace(state, splitting=True, parcels=(), no_fit=None)
        case BoxSealed():
            if state.box is None or state.weight is None:
                return state  # pragma: no cover - decide seals only a weighed box
            sealed = SealedBox(state.box, state.weight, len(state.scans))
            return replace(
                state,
                sealed=(*state.sealed, sealed),
                box=None,
                weight=None,
                splitting=False,
                parcels=(),
                no_fit=None,
            )
        case WeightAccepted() | WeightRejected():
            verdict = Verdict.ACCEPTED if isinstance(record, WeightAccepted) else Verdict.REJECTED
            check = WeightCheck(
                record.actual_g, record.expected_g, record.tolerance_g, record.box_code, verdict
            )
            return replace(state, weight=check, parcels=(), no_fit=None)
        case WeightOverridden():
            check = WeightCheck(
                record.actual_g,
                record.expected_g,
                record.tolerance_g,
                record.box_code,
                Verdict.OVERRIDDEN,
                lead_id=record.lead_id,
                reason=record.reason,
            )
            return replace(state, weight=check, parcels=(), no_fit=None)
        case CheckConfirmed(index=index):
            return replace(state, checks_done=state.checks_done | {index})
        case CheckSkipped(index=index):
            skipped = SkippedCheck(index, record.lead_name, record.reason)
            return replace(
                state,
                checks_done=state.checks_done | {index},
                checks_skipped=(*state.checks_skipped, skipped),
            )
        case DocumentConfirmed(document=document):
            return replace(state, documents_done=state.documents_done | {document})
        case DefectRecorded():
            return _defect(state, record)
        case LabelPrinted():
            parcel = Parcel(
                record.parcel_id,
                record.carrier,
                record.tariff,
                record.cost,
                record.days,
                record.weight_g,
                seq=record.seq,
                count=record.parcel_count,
                choice=record.choice,
                override_by=record.override_by,
                override_reason=record.override_reason,
                override_note=record.override_note,
            )
            kept = (
                p for p in state.parcels if p.seq != record.seq and p.seq <= record.parcel_count
            )
            parcels = tuple(sorted((*kept, parcel), key=lambda p: p.seq))
            return replace(state, parcels=parcels, no_fit=None)
        case LabelConfirmed(parcel_id=parcel_id):
            parcels = tuple(
                replace(p, confirmed=True) if p.parcel_id == parcel_id else p for p in state.parcels
            )
            return replace(state, parcels=parcels)
        case CarrierNoFit(result=result):
            return replace(state, no_fit=result)
        case CarrierOverridden():
            override = CarrierOverride(
                record.carrier,
                record.tariff,
                record.lead_id,
                record.lead_name,
                record.reason,
                record.note,
            )
            return replace(state, carrier_override=override, parcels=(), no_fit=None)
        case OrderPacked(order_id=order_id):
            return _without_order(state, closed_order=order_id)
        case OrderReleased() | OrderHeld():
            return _without_order(state, closed_order=None)
        case MarketplaceLabelReady(parcel_id=parcel_id, barcode=barcode, codes=codes):
            parcels = tuple(
                replace(p, barcode=barcode, extra_codes=codes) if p.parcel_id == parcel_id else p
                for p in state.parcels
            )
            return replace(state, parcels=parcels)
        case MarkRejected():
            return _mark_rejected(state, record)
        case ScanRejected() | OverrideDenied() | NotificationQueued():
            return state  # audit and side effects only: no count changes
    return state


def _mark_rejected(state: PackState, record: MarkRejected) -> PackState:
    """The unit with the refused code is out; a box sealed after it holds one unit fewer."""
    index = next((i for i, s in enumerate(state.scans) if s.identity == record.identity), None)
    if index is None:
        return state
    scans = state.scans[:index] + state.scans[index + 1 :]
    sealed = tuple(
        replace(box, upto=box.upto - 1) if box.upto > index else box for box in state.sealed
    )
    return replace(state, scans=scans, sealed=sealed, parcels=(), no_fit=None)


def _defect(state: PackState, record: DefectRecorded) -> PackState:
    entry = DefectEntry(record.line_id, record.defect, record.qty, record.resolution)
    scans = state.scans
    if record.unit_removed:
        # The unit taken out is the line's one with the defect's serial, else its most
        # recent scan (in the open box: decide refuses to short-ship one in a sealed box).
        out = unit_to_remove(scans, record.line_id, record.serial)
        if out is not None:
            scans = scans[: out[0]] + scans[out[0] + 1 :]
    state = replace(state, scans=scans, defects=(*state.defects, entry), parcels=(), no_fit=None)
    if state.splitting and not state.open_units:
        state = replace(state, splitting=False)  # the box to close has nothing left in it
    return state
