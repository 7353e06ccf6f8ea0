"""What happens at a station: pack sessions, the event log, marking codes, defects, parcels,
and the lot, expiry and serial of packed units."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType
from packstation.models.orders import set_only

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class PackSession(Base):
    """One operator packing one order at one station, from claim to close or release."""

    __tablename__ = "pack_sessions"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), default=None)
    step: Mapped[str] = mapped_column(String(32), default="items")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    #: packed | released | held | None while open.
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)


class Event(Base):
    """Append-only log of everything that happened (database triggers refuse edits).

    kind is dotted: scan.accepted, scan.rejected, check.confirmed, defect.recorded,
    override.weight, order.status, order.imported, ...; payload holds the details.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_order_at", "order_id", "id"),
        # Recovery reads one station's records since its last logout. Only events of a
        # station: an imported order's event has none (migration 0012).
        set_only("ix_events_station", "station_id", "id"),
        # Audit and shift reports select overrides and logins by kind over a period.
        Index("ix_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    station_id: Mapped[str | None] = mapped_column(String(64), default=None)
    operator_id: Mapped[int | None] = mapped_column(default=None)
    #: Not indexed (migration 0011): nothing looks events up by it, and every index is one
    #: more entry (on SQLite one more page) in each event's commit.
    session_id: Mapped[int | None] = mapped_column(BigIntKey, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class MarkingCode(Base):
    """A Chestny ZNAK unit identity, unique across every order ever packed."""

    __tablename__ = "marking_codes"

    identity: Mapped[str] = mapped_column(String(128), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    crypto_tail: Mapped[str] = mapped_column(String(512), default="")
    event_id: Mapped[int | None] = mapped_column(BigIntKey, default=None)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Defect(Base):
    __tablename__ = "defects"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"), default=None)
    #: missing | damaged | wrong_item | expired | other
    kind: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(String(1000), default="")
    #: What happens to the order: ship_short | hold | refund | wait
    resolution: Mapped[str] = mapped_column(String(16), default="hold")
    station_id: Mapped[str | None] = mapped_column(String(64), default=None)
    operator_id: Mapped[int | None] = mapped_column(default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The faulty unit's lot (GS1 AI 10), expiry (AI 17) and serial, when captured.
    lot: Mapped[str | None] = mapped_column(String(20), default=None)
    expiry: Mapped[date | None] = mapped_column(default=None)
    serial: Mapped[str | None] = mapped_column(String(64), default=None)


class PackedUnit(Base):
    """A packed unit whose lot, expiry or serial was captured (written with ``order.packed``).

    A returned unit, once matched by its serial at the returns desk, gets ``returned_at``:
    its serial may then leave again in another order.
    """

    __tablename__ = "packed_units"
    # A serial leaves once: unique within its scope (SKU, or "IMEI") among the units not
    # returned. Migration 0008 makes the index with WHERE returned_at IS NULL on both
    # databases; here without it, as a per-dialect WHERE would import the PostgreSQL
    # dialect into every station on SQLite at start-up.
    __table_args__ = (Index("uq_packed_units_serial", "serial_scope", "serial", unique=True),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    parcel_id: Mapped[str] = mapped_column(String(64), default="")
    gtin: Mapped[str | None] = mapped_column(String(14), default=None)
    lot: Mapped[str | None] = mapped_column(String(20), default=None)
    expiry: Mapped[date | None] = mapped_column(default=None)
    serial: Mapped[str | None] = mapped_column(String(64), default=None)
    #: Where the serial is unique: the line's SKU, or "IMEI" (None without a serial).
    serial_scope: Mapped[str | None] = mapped_column(String(100), default=None)
    packed_at: Mapped[datetime] = mapped_column(default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(default=None)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), default=None)


class Parcel(Base):
    __tablename__ = "parcels"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    tariff: Mapped[str] = mapped_column(String(64))
    box_code: Mapped[str] = mapped_column(String(64), default="")
    weight_g: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), default=None)
    expected_weight_g: Mapped[Decimal | None] = mapped_column(Numeric(12, 3), default=None)
    #: labelled | confirmed | shipped | delivered | delivery_failed | returned
    status: Mapped[str] = mapped_column(String(24), default="labelled")
    printed_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    promised_by: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    condition: Mapped[str | None] = mapped_column(String(32), default=None)
    #: The carrier handoff batch that took the parcel (set when the manifest is closed).
    manifest_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    #: Parcel n of an order's parcels (multi-box orders), counted from 1.
    seq: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Why this carrier and tariff (shown on the label step, asked for by leads).
    choice_note: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    #: The box the station suggested for this parcel's items (None: no suggestion), and
    #: inner volumes in cm3 of the box used, the suggested one and the packer's first pick
    #: (`report shift`: boxes used vs suggested, volume saved). None when not known.
    suggested_box: Mapped[str | None] = mapped_column(String(64), default=None)
    box_cm3: Mapped[int | None] = mapped_column(default=None)
    suggested_cm3: Mapped[int | None] = mapped_column(default=None)
    first_box_cm3: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
