"""What the marketplace channels keep: their calls (for the audit and the lead's screen)
and the product facts the postings lack (weight, size, barcodes), cached per channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType


class ChannelCall(Base):
    """One HTTP call to a marketplace: endpoint, status, time taken; never a key or a body."""

    __tablename__ = "channel_calls"
    __table_args__ = (Index("ix_channel_calls_channel_at", "channel", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    endpoint: Mapped[str] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(default=None)
    duration_ms: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(String(200), default="")
    attempt: Mapped[int] = mapped_column(default=1)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelProduct(Base):
    """A marketplace product's facts as its product API gave them, so a sync of 10,000
    postings asks once per product, not once per posting."""

    __tablename__ = "channel_products"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
