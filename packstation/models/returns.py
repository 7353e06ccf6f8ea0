"""Customer returns: the return itself, what came back (lines) and the money paid back.

A return is announced by the marketplace (`packstation returns import`) or
turns up unannounced at the returns screen; either way it is inspected at a
station and closed there, which writes its lines, its refund and its events
in one transaction (`models/returns_close.py`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    #: The marketplace's return number (RMA) of an announced return; None for a walk-in.
    rma: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    #: Barcode on the return parcel's label (the carrier's tracking number), if announced.
    label_code: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    announced: Mapped[bool] = mapped_column(default=False)
    #: announced | received | closed (see domain.returns.ReturnStatus).
    status: Mapped[str] = mapped_column(String(16), default="announced")
    #: What the customer said when asking for the return.
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: Items the announcement listed: [{"sku": ..., "qty": ...}]; empty when it did not say.
    announced_items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    announced_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    operator_id: Mapped[int | None] = mapped_column(default=None)
    station_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="ret", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )


class ReturnLine(Base):
    """Units of one order line that came back in one condition with one refund decision."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    qty: Mapped[int] = mapped_column()
    #: resellable | damaged | wrong_item | missing_parts | not_ours
    condition: Mapped[str] = mapped_column(String(16))
    #: full | partial | none
    decision: Mapped[str] = mapped_column(String(8))
    #: Money paid back for these units together (0 for `none`).
    refund_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    reason: Mapped[str] = mapped_column(String(500), default="")

    ret: Mapped[Return] = relationship(back_populates="lines")


class Refund(Base):
    """The money a closed return pays back (one per return, only when it is more than 0)."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), unique=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    #: issued (decided at the returns screen; the customer has been told).
    status: Mapped[str] = mapped_column(String(16), default="issued")
    operator_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
