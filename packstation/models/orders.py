"""Orders, their lines and the barcodes that identify each line."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType

#: The partial indexes and their condition, for `name_postgresql_where`.
_PARTIAL: list[tuple[Index, Any]] = []


def set_only(name: str, column: str, *more: str) -> Index:
    """An index (on `column`, then `more`) of the rows where `column` is set (`column = x`
    implies it: both databases' planners use it for such lookups)."""
    where = text(f"{column} IS NOT NULL")
    index = Index(name, column, *more, sqlite_where=where)
    _PARTIAL.append((index, where))
    return index


def name_postgresql_where() -> None:
    """Give the partial indexes their PostgreSQL condition, once a PostgreSQL engine is made.

    Not at import: naming a `postgresql_` option loads SQLAlchemy's whole PostgreSQL
    package (every driver's module), 60 ms of a SQLite station's start. Only a comparison
    with the database (tests/models/test_migrations.py) reads it: migration 0010 made them."""
    for index, where in _PARTIAL:
        index.dialect_options["postgresql"]["where"] = where


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # The claim query: next ready order by priority, then earliest ship-by.
        Index("ix_orders_queue", "status", "priority", "ship_by"),
        # The queue screen's carrier filter and the manifest's batch. These four are
        # partial: an imported order has none of them set, and an index entry per NULL
        # would cost every import for lookups that never ask for NULL (migration 0010).
        set_only("ix_orders_carrier", "carrier"),
        set_only("ix_orders_tote", "tote"),
        set_only("ix_orders_station_id", "station_id"),
        set_only("ix_orders_reserved_for", "reserved_for"),
        # A marketplace posting is one order, however often the sync sees it.
        Index("uq_orders_channel_ref", "channel", "channel_ref", unique=True),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tote: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(24), default="new")
    priority: Mapped[int] = mapped_column(default=0)
    ship_by: Mapped[datetime | None] = mapped_column(default=None)
    #: The day the order must reach the customer (order files); units must not expire
    #: before it plus `[expiry] margin_days`. None: ship-by plus `[expiry] transit_days`.
    deliver_by: Mapped[date | None] = mapped_column(default=None)
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    country: Mapped[str] = mapped_column(String(2), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")
    line1: Mapped[str] = mapped_column(String(500), default="")
    line2: Mapped[str] = mapped_column(String(500), default="")
    carrier: Mapped[str | None] = mapped_column(String(64), default=None)
    tariff: Mapped[str | None] = mapped_column(String(64), default=None)
    declared_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="")
    #: Intake problems as [{"field": ..., "message": ...}]; empty when the order is valid.
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    #: Hash of the order as imported: re-importing identical content is a no-op.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    #: Station holding the order while it is packed; set by an atomic conditional update.
    station_id: Mapped[str | None] = mapped_column(String(64), default=None)
    #: A lead reassigned the order: only this station claims it, and it claims it first.
    reserved_for: Mapped[str | None] = mapped_column(String(64), default=None)
    operator_id: Mapped[int | None] = mapped_column(default=None)
    hold_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The `[[channels]]` name a marketplace order came from, and its id there (Ozon
    #: posting number, WB order id); both None for orders from files.
    channel: Mapped[str | None] = mapped_column(String(64), default=None)
    channel_ref: Mapped[str | None] = mapped_column(String(64), default=None)

    @property
    def address_lines(self) -> tuple[str, ...]:
        """The ship-to address as printed on labels and documents (blank parts left out)."""
        parts = (self.line1, self.line2, f"{self.postcode} {self.city}", self.region)
        return tuple(part for part in parts if part.strip())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderLine.position",
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    #: Its index (order_id first) also serves lookups and cascades by order_id: no index
    #: of order_id alone (one less entry per imported line, migration 0010).
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_order_lines_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500), default="")
    qty: Mapped[int] = mapped_column()
    unit_weight_g: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(0))
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    fragile: Mapped[bool] = mapped_column(default=False)
    liquid: Mapped[bool] = mapped_column(default=False)
    marked: Mapped[bool] = mapped_column(default=False)
    hs_code: Mapped[str] = mapped_column(String(16), default="")
    #: Item size in whole millimetres (all three or none; for the box suggestion).
    length_mm: Mapped[int | None] = mapped_column(default=None)
    width_mm: Mapped[int | None] = mapped_column(default=None)
    height_mm: Mapped[int | None] = mapped_column(default=None)
    #: "serial" or "imei": each unit's serial number is asked for at packing (None: not).
    serial: Mapped[str | None] = mapped_column(String(8), default=None)

    order: Mapped[Order] = relationship(back_populates="lines")
    barcodes: Mapped[list[Barcode]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="Barcode.id"
    )


class Barcode(Base):
    __tablename__ = "barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    #: Denormalised so "which order does this code belong to" is one indexed lookup.
    order_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(100), index=True)
    #: 14-digit GTIN when the code is one, so GS1/marking scans match by GTIN.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True, default=None)

    line: Mapped[OrderLine] = relationship(back_populates="barcodes")
