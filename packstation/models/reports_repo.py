"""Lead reports: delivery times against the promise, and what each packer did in a shift.

Counts and sums are aggregated in SQL, grouped as the report is. Delivery-time
percentiles are computed in Python: one query streams two timestamps per
delivered parcel of the window (SQLite has no percentile function), so memory
grows with the parcels delivered in the window, not with the table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from packstation.models.orders import OrderLine
from packstation.models.packing import Defect, Event, PackSession, Parcel
from packstation.models.people import Operator

__all__ = [
    "DEFECT_KINDS",
    "DeliveryRow",
    "ShiftReport",
    "ShiftRow",
    "delivery_report",
    "percentile",
    "shift_report",
]

DEFECT_KINDS = ("missing", "damaged", "wrong_item", "expired", "other")
#: Parcel statuses that mean "handed to the carrier" (labelled and void never left).
HANDED = ("confirmed", "shipped", "delivered", "delivery_failed", "returned")
ALL = "ALL"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont); sorted input."""
    if not values:
        return None
    pos = (len(values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --------------------------------------------------------------------------- deliveries


@dataclass(slots=True)
class DeliveryRow:
    """One carrier + tariff (or ALL/ALL for the floor), over parcels handed over in the window."""

    carrier: str
    tariff: str
    #: Parcels handed to the carrier in the window (confirmed_at, else printed_at).
    parcels: int = 0
    in_transit: int = 0
    delivered: int = 0
    failed: int = 0
    returned: int = 0
    #: Delivered parcels that have a promise, and those delivered after it.
    with_promise: int = 0
    late: int = 0
    damaged: int = 0
    #: Hours from handover to delivery, over delivered parcels.
    median_h: float | None = None
    p90_h: float | None = None

    @property
    def late_share(self) -> float | None:
        return _share(self.late, self.with_promise)

    @property
    def failed_share(self) -> float | None:
        """Failed or returned, of the parcels the carrier has finished with."""
        return _share(self.failed + self.returned, self.delivered + self.failed + self.returned)

    @property
    def damaged_share(self) -> float | None:
        return _share(self.damaged, self.delivered)

    def as_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "tariff": self.tariff,
            "parcels": self.parcels,
            "in_transit": self.in_transit,
            "delivered": self.delivered,
            "failed": self.failed,
            "returned": self.returned,
            "median_h": self.median_h,
            "p90_h": self.p90_h,
            "with_promise": self.with_promise,
            "late": self.late,
            "late_share": self.late_share,
            "failed_share": self.failed_share,
            "damaged": self.damaged,
            "damaged_share": self.damaged_share,
        }


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def delivery_report(
    session: Session, since: datetime, until: datetime | None = None
) -> list[DeliveryRow]:
    """Rows per carrier and tariff (sorted), then the ALL/ALL total row.

    The window selects parcels by handover time (confirmed_at, else printed_at)
    in ``[since, until)``; every figure is about that cohort. Late = delivered
    after `promised_by` (parcels without a promise are left out of the late
    share); damaged = condition on arrival ``damaged``.
    """
    handed_at = func.coalesce(Parcel.confirmed_at, Parcel.printed_at)
    window = [handed_at >= since, Parcel.status.in_(HANDED)]
    if until is not None:
        window.append(handed_at < until)
    delivered = Parcel.status == "delivered"
    stmt = (
        select(
            Parcel.carrier,
            Parcel.tariff,
            func.count(),
            _count(Parcel.status.in_(("confirmed", "shipped"))),
            _count(delivered),
            _count(Parcel.status == "delivery_failed"),
            _count(Parcel.status == "returned"),
            _count(and_(delivered, Parcel.promised_by.is_not(None))),
            _count(and_(delivered, Parcel.delivered_at > Parcel.promised_by)),
            _count(and_(delivered, Parcel.condition == "damaged")),
        )
        .where(*window)
        .group_by(Parcel.carrier, Parcel.tariff)
        .order_by(Parcel.carrier, Parcel.tariff)
    )
    rows: dict[tuple[str, str], DeliveryRow] = {}
    total = DeliveryRow(ALL, ALL)
    for carrier, tariff, *counts in session.execute(stmt):
        row = DeliveryRow(carrier, tariff, *(int(c) for c in counts))
        rows[(carrier, tariff)] = row
        for name in ("parcels", "in_transit", "delivered", "failed", "returned"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.with_promise += row.with_promise
        total.late += row.late
        total.damaged += row.damaged

    hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    times = select(Parcel.carrier, Parcel.tariff, handed_at, Parcel.delivered_at).where(
        *window, delivered, Parcel.delivered_at.is_not(None)
    )
    for carrier, tariff, start, end in session.execute(times):
        if start is None or end is None:
            continue
        hours[(carrier, tariff)].append((end - start).total_seconds() / 3600)
    everything: list[float] = []
    for key, values in hours.items():
        values.sort()
        everything.extend(values)
        rows[key].median_h = percentile(values, 0.5)
        rows[key].p90_h = percentile(values, 0.9)
    everything.sort()
    total.median_h = percentile(everything, 0.5)
    total.p90_h = percentile(everything, 0.9)
    return [*rows.values(), total]


# --------------------------------------------------------------------------- shift


@dataclass(slots=True)
class ShiftRow:
    """One packer at one station (station None and packer "ALL" for the floor total)."""

    station_id: str | None
    operator_id: int | None
    packer: str = ""
    #: Pack sessions closed as packed in the window.
    orders: int = 0
    #: Order lines and units (sum of qty) of those orders.
    lines: int = 0
    units: int = 0
    pack_seconds: float = 0.0
    defects: dict[str, int] = field(default_factory=dict)
    #: Weight, carrier and box overrides, skipped checks and lead actions (events
    #: override.weight, override.carrier, override.box, override.check and lead.*).
    overrides: int = 0
    #: Boxes (parcels of the packed orders): those the station suggested a box for, those
    #: packed in it, in a larger one, in a smaller one (a lead's override); cm3 saved
    #: (the packer's first pick was larger than the box used) and still over (used
    #: larger than suggested).
    boxes: BoxFigures = field(default_factory=lambda: BoxFigures())

    @property
    def volume_saved_l(self) -> float:
        return self.boxes.saved_cm3 / 1000

    @property
    def volume_over_l(self) -> float:
        return self.boxes.over_cm3 / 1000

    @property
    def avg_minutes(self) -> float | None:
        return self.pack_seconds / self.orders / 60 if self.orders else None

    @property
    def defects_total(self) -> int:
        return sum(self.defects.values())

    def defect_rate(self, kind: str | None = None) -> float | None:
        """Defects per 100 packed orders (all kinds when kind is None)."""
        count = self.defects_total if kind is None else self.defects.get(kind, 0)
        return 100 * count / self.orders if self.orders else None


@dataclass(slots=True)
class BoxFigures:
    """Boxes used vs suggested (`ShiftRow.boxes`)."""

    suggested: int = 0
    as_suggested: int = 0
    larger: int = 0
    smaller: int = 0
    saved_cm3: int = 0
    over_cm3: int = 0

    def add(self, other: BoxFigures) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ShiftReport:
    rows: list[ShiftRow]
    total: ShiftRow
    #: Defect kinds to show, standard ones first, then any others seen.
    kinds: tuple[str, ...]


def _box_figures(packed: list[ColumnElement[bool]]) -> Any:
    """Per (station, packer): `BoxFigures` of the parcels of the orders packed."""
    hinted = Parcel.suggested_box.is_not(None)
    larger = and_(hinted, Parcel.box_cm3 > Parcel.suggested_cm3)
    saved = and_(hinted, Parcel.first_box_cm3 > Parcel.box_cm3)
    return (
        select(
            PackSession.station_id,
            PackSession.operator_id,
            _count(hinted),
            _count(and_(hinted, Parcel.box_code == Parcel.suggested_box)),
            _count(larger),
            _count(and_(hinted, Parcel.box_cm3 < Parcel.suggested_cm3)),
            func.coalesce(
                func.sum(case((saved, Parcel.first_box_cm3 - Parcel.box_cm3), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((larger, Parcel.box_cm3 - Parcel.suggested_cm3), else_=0)), 0
            ),
        )
        .join(Parcel, Parcel.order_id == PackSession.order_id)
        .where(*packed, Parcel.status != "void")
        .group_by(PackSession.station_id, PackSession.operator_id)
    )


def _seconds(session: Session, end: Any, start: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[float], func.extract("epoch", end - start))
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def shift_report(
    session: Session,
    since: datetime,
    until: datetime | None = None,
    station: str | None = None,
) -> ShiftReport:
    """Per (station, packer): packed orders (by the pack session's end), lines, units, time,
    defects (by the defect's time) and overrides (by the event's time), all in ``[since, until)``.

    Work is attributed to the station and operator recorded on each row: a lead's
    action from the queue screen (no station) makes its own row.
    """
    ended = PackSession.ended_at
    packed = [PackSession.outcome == "packed", ended >= since]
    defects = [Defect.at >= since]
    events = [
        Event.at >= since,
        or_(
            Event.kind.in_(
                ("override.weight", "override.check", "override.carrier", "override.box")
            ),
            Event.kind.like("lead.%"),
        ),
    ]
    if until is not None:
        packed.append(ended < until)
        defects.append(Defect.at < until)
        events.append(Event.at < until)
    if station is not None:
        packed.append(PackSession.station_id == station)
        defects.append(Defect.station_id == station)
        events.append(Event.station_id == station)

    rows: dict[tuple[str | None, int | None], ShiftRow] = {}

    def row(station_id: str | None, operator_id: int | None) -> ShiftRow:
        key = (station_id, operator_id)
        if key not in rows:
            rows[key] = ShiftRow(station_id, operator_id)
        return rows[key]

    sessions = (
        select(
            PackSession.station_id,
            PackSession.operator_id,
            func.count(),
            func.coalesce(func.sum(_seconds(session, ended, PackSession.started_at)), 0),
        )
        .where(*packed)
        .group_by(PackSession.station_id, PackSession.operator_id)
    )
    for station_id, operator_id, count, seconds in session.execute(sessions):
        r = row(station_id, operator_id)
        r.orders, r.pack_seconds = int(count), float(seconds)
    lines = (
        select(
            PackSession.station_id,
            PackSession.operator_id,
            func.count(OrderLine.id),
            func.coalesce(func.sum(OrderLine.qty), 0),
        )
        .join(OrderLine, OrderLine.order_id == PackSession.order_id)
        .where(*packed)
        .group_by(PackSession.station_id, PackSession.operator_id)
    )
    for station_id, operator_id, count, units in session.execute(lines):
        r = row(station_id, operator_id)
        r.lines, r.units = int(count), int(units)
    by_kind = (
        select(Defect.station_id, Defect.operator_id, Defect.kind, func.count())
        .where(*defects)
        .group_by(Defect.station_id, Defect.operator_id, Defect.kind)
    )
    seen_kinds: set[str] = set()
    for d_station, d_operator, kind, count in session.execute(by_kind):
        row(d_station, d_operator).defects[kind] = int(count)
        seen_kinds.add(kind)
    overrides = (
        select(Event.station_id, Event.operator_id, func.count())
        .where(*events)
        .group_by(Event.station_id, Event.operator_id)
    )
    for e_station, e_operator, count in session.execute(overrides):
        row(e_station, e_operator).overrides = int(count)
    for b_station, b_operator, *figures in session.execute(_box_figures(packed)):
        row(b_station, b_operator).boxes = BoxFigures(*(int(f) for f in figures))

    ids = {r.operator_id for r in rows.values() if r.operator_id is not None}
    names: dict[int, str] = {}
    if ids:
        query = select(Operator.id, Operator.name).where(Operator.id.in_(ids))
        names = {oid: name for oid, name in session.execute(query)}
    total = ShiftRow(None, None, ALL)
    for r in rows.values():
        r.packer = names.get(r.operator_id, f"#{r.operator_id}") if r.operator_id else "-"
        total.orders += r.orders
        total.lines += r.lines
        total.units += r.units
        total.pack_seconds += r.pack_seconds
        total.overrides += r.overrides
        total.boxes.add(r.boxes)
        for kind, count in r.defects.items():
            total.defects[kind] = total.defects.get(kind, 0) + count
    ordered = sorted(rows.values(), key=lambda r: (r.station_id or "\uffff", r.packer))
    kinds = DEFECT_KINDS + tuple(sorted(seen_kinds - set(DEFECT_KINDS)))
    return ShiftReport(ordered, total, kinds)
