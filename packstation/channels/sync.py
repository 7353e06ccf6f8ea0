"""`channels sync`: marketplace postings in as orders, cancellations out to the stations.

Idempotent by construction: a posting's order id is derived from its marketplace id
(and `orders (channel, channel_ref)` is unique), the import skips what did not change,
and only orders the marketplace no longer lists as "to pack" are asked about. Network
calls run outside any database transaction; each step commits on its own, so a
marketplace failure half-way loses nothing already stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from packstation.channels.base import CallRecord, ChannelError, Marketplace, PostingState
from packstation.channels.orders import channel_extra, order_id, to_order, validator
from packstation.channels.settings import ChannelSettings
from packstation.clock import Clock

if TYPE_CHECKING:
    from packstation.models.db import Database

#: Call records older than this are pruned by each sync.
KEEP_CALLS = timedelta(days=14)


@dataclass(slots=True)
class SyncReport:
    channel: str
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    needs_correction: int = 0
    cancelled: int = 0
    #: Stations whose order was taken away by a cancellation.
    stations: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "seen": self.seen,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "needs_correction": self.needs_correction,
            "cancelled": self.cancelled,
            "refused": self.refused,
            "errors": self.errors,
        }

    def __str__(self) -> str:
        text = (
            f"{self.channel}: {self.seen} to pack, {self.new} new, {self.updated} changed, "
            f"{self.unchanged} unchanged, {self.needs_correction} need correction, "
            f"{self.cancelled} cancelled"
        )
        for line in self.refused + self.errors:
            text += f"\n  {line}"
        return text


def make_marketplace(
    settings: ChannelSettings,
    *,
    now: Clock,
    recorder: Callable[[CallRecord], None] | None = None,
    **options: Any,
) -> Marketplace:
    """The client for one `[[channels]]` table (the key is read here, never kept elsewhere)."""
    if settings.kind == "ozon":
        from packstation.channels.ozon import OzonMarketplace

        return OzonMarketplace(settings, recorder=recorder, now=now, **options)
    from packstation.channels.wildberries import WildberriesMarketplace

    return WildberriesMarketplace(settings, recorder=recorder, now=now, **options)


def sync_channel(
    db: Database,
    marketplace: Marketplace,
    settings: ChannelSettings,
    *,
    now: Clock,
    calls: list[CallRecord],
) -> SyncReport:
    """One pass for one channel; `calls` (filled by the client's recorder) are stored."""
    from packstation.domain.check_digits import barcode_problem
    from packstation.models import channel_repo
    from packstation.models.orders_repo import import_orders

    report = SyncReport(settings.name)
    try:
        postings = list(marketplace.postings_to_pack())
    except ChannelError as exc:
        report.errors.append(f"postings not read: {exc}")
        postings = []
        listed = False
    else:
        listed = True
    report.seen = len(postings)
    orders = [to_order(settings.kind, settings.name, p) for p in postings]
    check = validator(functools.lru_cache(maxsize=2**14)(barcode_problem))
    if orders:
        with db.unit_of_work() as session:
            owners = channel_repo.owners(session, [o.id for o in orders])
            mine = []
            for order, posting in zip(orders, postings, strict=True):
                owner = owners.get(order.id)
                if owner is not None and owner != (settings.name, posting.ref):
                    where = f"channel {owner[0]}" if owner[0] else "an order file"
                    report.refused.append(f"{order.id}: an order with this id came from {where}")
                    continue
                mine.append((order, posting))
            result = import_orders(
                session, [o for o, _ in mine], check, now=now(), source=f"channel {settings.name}"
            )
            channel_repo.attach(
                session,
                ((o.id, settings.name, p.ref, channel_extra(settings.kind, p)) for o, p in mine),
                now(),
            )
        report.new = result.ready + result.needs_correction - result.updated
        report.updated = result.updated
        report.unchanged = result.unchanged
        report.needs_correction = result.needs_correction
        report.refused.extend(f"{oid}: {why}" for oid, why in result.refused)
    if listed:
        _cancellations(db, marketplace, settings, {p.ref for p in postings}, now, report)
    with db.unit_of_work() as session:
        channel_repo.record_calls(session, calls, now())
        channel_repo.prune_calls(session, now() - KEEP_CALLS)
    calls.clear()
    return report


def _cancellations(
    db: Database,
    marketplace: Marketplace,
    settings: ChannelSettings,
    to_pack: set[str],
    now: Clock,
    report: SyncReport,
) -> None:
    """Ask only about open orders the marketplace no longer lists as to pack."""
    from packstation.models import channel_repo

    with db.unit_of_work() as session:
        unlisted = [
            o for o in channel_repo.open_orders(session, settings.name) if o.ref not in to_pack
        ]
    if not unlisted:
        return
    try:
        states = marketplace.states([o.ref for o in unlisted])
    except ChannelError as exc:
        report.errors.append(f"cancellations not checked: {exc}")
        return
    gone = [o for o in unlisted if states.get(o.ref) is PostingState.CANCELLED]
    if not gone:
        return
    with db.unit_of_work() as session:
        for order in gone:
            station = channel_repo.cancel(session, order, settings.name, now())
            report.cancelled += 1
            if station:
                report.stations.append(station)


__all__ = ["SyncReport", "make_marketplace", "order_id", "sync_channel"]
