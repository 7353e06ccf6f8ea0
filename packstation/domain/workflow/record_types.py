"""Records by kind, as the event log stores them: the kind -> class table, a record read
back from (kind, payload), and the order a record belongs to (``events.order_id``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packstation.domain.workflow.codec import CodecError, decode
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
    EvidenceMissing,
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

__all__ = ["RECORD_TYPES", "order_id_of", "record_from"]

RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls
    for cls in (
        SessionLogin,
        SessionLogout,
        OrderClaimed,
        ScanAccepted,
        ScanRejected,
        ScanUndone,
        SerialCaptured,
        BoxChosen,
        BoxSplit,
        BoxSealed,
        BoxOverridden,
        WeightAccepted,
        WeightRejected,
        WeightOverridden,
        OverrideDenied,
        CheckConfirmed,
        CheckSkipped,
        DocumentConfirmed,
        DefectRecorded,
        NotificationQueued,
        LabelPrinted,
        CarrierNoFit,
        CarrierOverridden,
        LabelConfirmed,
        OrderPacked,
        OrderReleased,
        OrderHeld,
        EvidenceMissing,
        MarketplaceLabelReady,
        MarkRejected,
    )
}


def record_from(kind: str, payload: Mapping[str, Any]) -> Record:
    """The record stored as (kind, payload); raises CodecError for unknown or damaged ones."""
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise CodecError(f"unknown record kind {kind!r}")
    record: Record = decode(cls, dict(payload))
    return record


def records_from(rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Record]:
    """Stored (kind, payload) rows as records, in order (a station's recovery, through the
    models or the quick start); a damaged one is a CodecError that names its kind."""
    records = []
    for kind, payload in rows:
        try:
            records.append(record_from(kind, payload))
        except CodecError as exc:
            raise CodecError(f"stored {kind} record cannot be read: {exc}") from exc
    return records


def order_id_of(record: Record) -> str | None:
    """The order a record belongs to, for ``events.order_id``."""
    if isinstance(record, OrderClaimed):
        return record.order.id
    order_id = getattr(record, "order_id", None)
    return order_id if isinstance(order_id, str) else None
