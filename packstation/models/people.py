"""Who packs and where: operators (badges) and stations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType


class Role(enum.StrEnum):
    PACKER = "packer"
    LEAD = "lead"
    ADMIN = "admin"
    RETURNS = "returns"
    #: Practice orders only (`run --training`) until a lead marks them ready (then packer).
    TRAINEE = "trainee"


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    badge: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.PACKER)
    #: scrypt hash in the form produced by packstation.domain.pins; never the PIN itself.
    pin_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    #: Wrong PINs in a row; reaching the limit sets locked_until (see operators_repo).
    failed_pins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    operator_id: Mapped[int | None] = mapped_column(default=None)
    current_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[str] = mapped_column(String(32), default="logged_out")
    #: Liveness lease: a station whose lease ran out no longer owns its order.
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    devices: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
