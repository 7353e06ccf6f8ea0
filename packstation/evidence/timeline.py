"""What happened while an order was packed, from the `events` table: the clip's subtitles
and the sidecar's record.

The range is the claim that led to packing (the last `order.claimed` before the last
`order.packed`) to that `order.packed`, which the station commits with the last label
scan-back (`label.confirmed`). A multi-box order is one range, its boxes marked by
`box.split` / `box.sealed` entries. Events of the packing station without an order in
that range (a packer logging out and in) are part of it too. Payloads are read as plain
JSON, never decoded into records, so an old or foreign payload still gives a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from packstation.domain.text import printable
from packstation.evidence.files import EvidenceError
from packstation.models.orders import Order, OrderLine
from packstation.models.packing import Event
from packstation.models.people import Operator

__all__ = [
    "NeverPacked",
    "OrderTimeline",
    "OrderUnknown",
    "TimelineEntry",
    "describe",
    "order_timeline",
]

EVENTS = Event.__table__
ORDERS = Order.__table__
LINES = OrderLine.__table__
OPERATORS = Operator.__table__
CLAIMED, PACKED = "order.claimed", "order.packed"


class OrderUnknown(EvidenceError):
    pass


class NeverPacked(EvidenceError):
    pass


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    event_id: int


@dataclass(frozen=True, slots=True)
class OrderTimeline:
    order_id: str
    station_id: str
    packer_id: int | None
    packer: str
    start: datetime
    end: datetime
    entries: tuple[TimelineEntry, ...]

    def pairs(self) -> list[tuple[datetime, str]]:
        """(time, text) for `clips.cut_clip`."""
        return [(e.at, e.text) for e in self.entries]

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"at": e.at.isoformat(), "kind": e.kind, "text": e.text, "event_id": e.event_id}
            for e in self.entries
        ]


def order_timeline(conn: Connection, order_id: str) -> OrderTimeline:
    """The packing of `order_id` as timeline entries; OrderUnknown / NeverPacked otherwise."""
    if conn.execute(select(ORDERS.c.id).where(ORDERS.c.id == order_id)).first() is None:
        raise OrderUnknown(f"order {printable(order_id, limit=64)} is unknown")
    packed = conn.execute(
        select(EVENTS.c.id, EVENTS.c.at, EVENTS.c.station_id)
        .where(EVENTS.c.order_id == order_id, EVENTS.c.kind == PACKED)
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    ).first()
    if packed is None:
        raise NeverPacked(f"order {printable(order_id, limit=64)} was never packed")
    claim = conn.execute(
        select(EVENTS.c.id, EVENTS.c.at, EVENTS.c.station_id, EVENTS.c.operator_id)
        .where(EVENTS.c.order_id == order_id, EVENTS.c.kind == CLAIMED, EVENTS.c.id < packed.id)
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    ).first()
    if claim is None:
        raise NeverPacked(f"order {printable(order_id, limit=64)}: packed, but no claim recorded")
    station = claim.station_id or packed.station_id or ""
    rows = conn.execute(
        select(EVENTS.c.id, EVENTS.c.at, EVENTS.c.kind, EVENTS.c.operator_id, EVENTS.c.payload)
        .where(
            EVENTS.c.id.between(claim.id, packed.id),
            or_(
                EVENTS.c.order_id == order_id,
                and_(EVENTS.c.order_id.is_(None), EVENTS.c.station_id == station),
            ),
        )
        .order_by(EVENTS.c.id)
    ).all()
    names = _operator_names(conn, {r.operator_id for r in rows} | {claim.operator_id})
    skus = dict(
        conn.execute(select(LINES.c.id, LINES.c.sku).where(LINES.c.order_id == order_id)).all()
    )
    packer = names.get(claim.operator_id, "") if claim.operator_id is not None else ""
    entries = []
    for r in rows:
        payload = r.payload if isinstance(r.payload, Mapping) else {}
        text = describe(r.kind, payload, skus=skus, names=names, operator_id=r.operator_id)
        if r.kind == CLAIMED:
            who = f"{packer} (#{claim.operator_id})" if packer else "unknown packer"
            text = f"order {printable(order_id, limit=64)} · station {station} · packer {who}"
        entries.append(TimelineEntry(r.at, r.kind, text, r.id))
    return OrderTimeline(
        order_id=order_id,
        station_id=station,
        packer_id=claim.operator_id,
        packer=packer,
        start=claim.at,
        end=packed.at,
        entries=tuple(entries),
    )


def _operator_names(conn: Connection, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = conn.execute(select(OPERATORS.c.id, OPERATORS.c.name).where(OPERATORS.c.id.in_(wanted)))
    return {row.id: printable(row.name, limit=60) for row in rows}


def _g(value: object) -> str:
    """Grams as stored (a decimal string) without trailing zeros."""
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(
    kind: str,
    payload: Mapping[str, Any],
    *,
    skus: Mapping[int, str] | None = None,
    names: Mapping[int, str] | None = None,
    operator_id: int | None = None,
) -> str:
    """One line for one event, in English (it ends up in a marketplace dispute). Scanned
    codes are shown through `printable`: they are data, never markup."""
    p = payload
    skus = skus or {}

    def code() -> str:
        return printable(str(p.get("code", "")), limit=60)

    def line() -> str:
        line_id = p.get("line_id")
        sku = skus.get(line_id) if isinstance(line_id, int) else None
        return f" (line {printable(sku, limit=40)})" if sku else ""

    if kind == "scan.accepted":
        return f"scan {code()} accepted{line()}"
    if kind == "scan.rejected":
        return f"scan {code()} REJECTED: {p.get('reason', '')}"
    if kind == "scan.undone":
        return f"undo: scan {code()} no longer counts{line()}"
    if kind == "box.chosen":
        return f"box {printable(str(p.get('code', '')), limit=40)} {p.get('name', '')}".rstrip()
    if kind == "box.split":
        return f"BOX {p.get('seq')} closed with {p.get('units')} unit(s); next box"
    if kind == "box.sealed":
        return f"BOX {p.get('seq')} sealed: {p.get('units')} unit(s), {_g(p.get('actual_g'))} g"
    if kind in ("weight.accepted", "weight.rejected"):
        verdict = "accepted" if kind == "weight.accepted" else "REJECTED"
        return (
            f"weight {_g(p.get('actual_g'))} g {verdict} "
            f"(expected {_g(p.get('expected_g'))} ± {_g(p.get('tolerance_g'))} g)"
        )
    if kind.startswith("override."):
        lead = p.get("lead_name") or p.get("lead_id") or "?"
        return f"lead override {kind.removeprefix('override.')} by {lead}: {p.get('reason', '')}"
    if kind == "check.confirmed":
        return f"check confirmed: {printable(str(p.get('text', '')), limit=80)}"
    if kind == "document.confirmed":
        return f"document {p.get('document', '')} confirmed"
    if kind == "defect.recorded":
        return f"DEFECT {p.get('defect')} x{p.get('qty')}{line()}: {p.get('resolution', '')}"
    if kind == "label.printed":
        seq, count = p.get("seq", 1), p.get("parcel_count", 1)
        return f"label printed: parcel {p.get('parcel_id')} ({seq} of {count}), {p.get('carrier')}"
    if kind == "label.confirmed":
        return f"label scanned back: parcel {p.get('parcel_id')}"
    if kind == PACKED:
        parcels = p.get("parcel_ids") or [p.get("parcel_id")]
        return f"order packed: {len(parcels)} parcel(s)"
    if kind == "evidence.missing":
        return f"NO VIDEO at the claim: camera {p.get('camera', '?')}"
    if kind == "evidence.photo":
        name = str(p.get("file", "")).rpartition("/")[2]
        return f"photo {printable(name, limit=60)} sha256 {str(p.get('sha256', ''))[:16]}"
    if kind == "evidence.photo_missing":
        return f"no photo: {printable(str(p.get('error', '')), limit=80)}"
    if kind in ("session.login", "session.logout"):
        who = (names or {}).get(operator_id or -1) or f"operator #{operator_id}"
        return f"{who} {'logged in' if kind == 'session.login' else 'logged out'}"
    return kind
