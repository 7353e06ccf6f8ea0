"""Closing a carrier's batch of packed parcels into a handoff manifest."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from packstation.domain.manifest import ManifestLine, ManifestView
from packstation.models import Event, Manifest, Order, Parcel
from packstation.models.outbox_repo import customer_channel, enqueue

_EVENTS = Event.metadata.tables["events"]


class ManifestError(ValueError):
    pass


def _lines(session: Session, *where: object) -> tuple[ManifestLine, ...]:
    rows = session.execute(
        select(Parcel, Order)
        .join(Order, Order.id == Parcel.order_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Parcel.id)
    ).all()
    return tuple(
        ManifestLine(
            parcel_id=p.id,
            order_id=o.id,
            tariff=p.tariff,
            weight_g=p.weight_g or Decimal(0),
            recipient=o.customer_name,
            city=o.city,
            postcode=o.postcode,
            country=o.country,
        )
        for p, o in rows
    )


def waiting_for_channel(session: Session, channel: str) -> dict[str, str]:
    """A marketplace channel's parcels waiting for the handoff: parcel id -> the
    marketplace's id of its package (from the label it printed), else the order's."""
    rows = session.execute(
        select(Parcel.id, Order.id, Order.channel_ref)
        .join(Order, Order.id == Parcel.order_id)
        .where(*_waiting_of(None, channel))
        .order_by(Parcel.id)
    ).all()
    refs = {parcel: ref or order for parcel, order, ref in rows}
    if refs:
        for payload in session.scalars(
            select(Event.payload).where(
                Event.kind == "label.marketplace",
                Event.order_id.in_(sorted({order for _, order, _ in rows})),
            )
        ):
            parcel = payload.get("parcel_id")
            if parcel in refs and payload.get("package_ref"):
                refs[parcel] = str(payload["package_ref"])
    return refs


def _waiting_of(carrier: str | None, channel: str | None) -> tuple[ColumnElement[bool], ...]:
    return (
        Order.channel == channel if channel is not None else Parcel.carrier == carrier,
        Parcel.status == "confirmed",
        Parcel.manifest_id.is_(None),
        Order.status == "packed",
    )


def close_manifest(
    session: Session, carrier: str, ship_date: date, now: datetime, *, channel: str | None = None
) -> ManifestView:
    """Every confirmed parcel of `carrier` (or of the marketplace `channel`, then named
    `carrier` in the manifest) not yet handed over goes into one new manifest.

    Parcels and their orders become `shipped`, an event per parcel is written and
    the customer is told (outbox; a marketplace tells its own buyers), all in the
    caller's transaction.
    """
    lines = _lines(session, *_waiting_of(carrier, channel))
    if not lines:
        raise ManifestError(f"no packed parcels of {carrier} are waiting for a manifest")
    same_day = session.scalar(
        select(func.count())
        .select_from(Manifest)
        .where(Manifest.carrier == carrier, Manifest.ship_date == ship_date)
    )
    manifest_id = f"MF-{carrier}-{ship_date:%Y%m%d}-{int(same_day or 0) + 1}"
    ids = [line.parcel_id for line in lines]
    session.add(
        Manifest(
            id=manifest_id,
            carrier=carrier,
            ship_date=ship_date,
            parcels=len(lines),
            weight_g=int(sum((line.weight_g for line in lines), Decimal(0))),
            created_at=now,
        )
    )
    session.execute(
        update(Parcel).where(Parcel.id.in_(ids)).values(status="shipped", manifest_id=manifest_id)
    )
    order_ids = sorted({line.order_id for line in lines})
    session.execute(
        update(Order)
        .where(Order.id.in_(order_ids))
        .values(status="shipped", status_changed_at=now, updated_at=now)
    )
    session.execute(
        insert(_EVENTS),
        [
            {
                "at": now,
                "kind": "parcel.shipped",
                "order_id": line.order_id,
                "payload": {
                    "parcel_id": line.parcel_id,
                    "manifest_id": manifest_id,
                    "carrier": carrier,
                    "tariff": line.tariff,
                },
            }
            for line in lines
        ],
    )
    for order in session.scalars(select(Order).where(Order.id.in_(order_ids))):
        if order.channel is not None:
            continue  # the marketplace tells its buyer it shipped
        to, recipient = customer_channel(
            order.email, order.phone, (p.get("field", "") for p in order.problems)
        )
        parcels = [line.parcel_id for line in lines if line.order_id == order.id]
        enqueue(
            session,
            key=f"parcel_shipped:{order.id}:{manifest_id}",
            template="parcel_shipped",
            channel=to,
            recipient=recipient,
            locale=order.locale,
            payload={
                "order_id": order.id,
                "customer_name": order.customer_name,
                "carrier": carrier,
                "parcels": parcels,
            },
            order_id=order.id,
            now=now,
        )
    return ManifestView(manifest_id, carrier, ship_date, now, lines)


def load_manifest(session: Session, manifest_id: str) -> ManifestView:
    manifest = session.get(Manifest, manifest_id)
    if manifest is None:
        raise ManifestError(f"no manifest {manifest_id}")
    lines = _lines(session, Parcel.manifest_id == manifest_id)
    return ManifestView(
        manifest.id, manifest.carrier, manifest.ship_date, manifest.created_at, lines
    )
