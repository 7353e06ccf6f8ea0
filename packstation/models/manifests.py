"""Carrier handoff batches: the parcels one carrier takes away at once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from packstation.clock import utcnow
from packstation.models.base import Base


class Manifest(Base):
    __tablename__ = "manifests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    ship_date: Mapped[date] = mapped_column(Date)
    parcels: Mapped[int] = mapped_column(default=0)
    weight_g: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
