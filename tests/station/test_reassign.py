"""A lead reassigns an order: only that station takes it, and takes it before its queue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, ClaimRefusal, Key, OrderView, RefusalReason
from packstation.models import Event, Order, Station
from packstation.models.db import Database
from packstation.models.lead_actions import LeadCredentials, reassign_order
from packstation.station.context import DbContext
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner


def _stations(db: Database, *ids: str) -> None:
    with db.unit_of_work() as s:
        for sid in ids:
            s.add(Station(id=sid, devices={}))


def _reassign(db: Database, order_id: str, station: str, pin: str = LEAD_PIN) -> tuple[bool, str]:
    with db.unit_of_work() as s:
        result = reassign_order(
            s, order_id, LeadCredentials(LEAD, pin), station, "PS-02 packs fragile goods",
            now=datetime.now(UTC),
        )  # fmt: skip
    return result.ok, result.message.key


def _next(db: Database, rules: PackRules, station: str) -> str | None:
    with db.sessions.begin() as s:
        view = DbContext(s, station, rules).next_order()
        return view.id if view is not None else None


def test_a_reassigned_order_is_claimed_first_and_only_by_its_station(
    station_db: Database, rules: PackRules
) -> None:
    _stations(station_db, "PS-01", "PS-02")
    with station_db.unit_of_work() as s:
        s.execute(update(Order).where(Order.id == "ORD-1005").values(priority=-5))
    head = _next(station_db, rules, "PS-01")
    assert head is not None and head != "ORD-1005"

    assert _reassign(station_db, "ORD-1005", "PS-02") == (True, "queue.reassign.done")
    assert _next(station_db, rules, "PS-02") == "ORD-1005", "before its queue, whatever priority"
    assert _next(station_db, rules, "PS-01") == head
    with station_db.sessions() as s:
        refused = DbContext(s, "PS-01", rules).find_order("ORD-1005")
        own = DbContext(s, "PS-02", rules).find_order("ORD-1005")
        [event] = s.scalars(select(Event).where(Event.kind == "lead.reassign")).all()
    assert isinstance(refused, ClaimRefusal) and refused.reason is RefusalReason.HELD_ELSEWHERE
    assert refused.station == "PS-02"
    assert isinstance(own, OrderView)
    assert event.payload["to"] == "PS-02" and event.payload["reason"]
    assert LEAD_PIN not in str(event.payload)

    # "-" lifts the reservation: any station again.
    assert _reassign(station_db, "ORD-1005", "-")[0]
    with station_db.sessions() as s:
        assert isinstance(DbContext(s, "PS-01", rules).find_order("ORD-1005"), OrderView)


def test_refusals(station_db: Database) -> None:
    _stations(station_db, "PS-02")
    assert _reassign(station_db, "ORD-1005", "PS-09") == (False, "queue.reassign.no_station")
    assert _reassign(station_db, "ORD-1005", "PS-02", pin="0000") == (False, "queue.denied.pin")
    assert _reassign(station_db, "NOPE", "PS-02") == (False, "queue.no_such_order")
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1005")
        assert order is not None and order.reserved_for is None


def test_an_order_being_packed_moves_to_the_other_station(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    """PS-01 is packing it: the lead's reassignment takes it off PS-01 (which drops it on
    its next scan) and PS-02 gets it on CMD:NEXT."""
    _stations(station_db, "PS-02")
    station.scan(PACKER)
    assert station.scan("ORD-1001").state.order is not None
    station.scan("4601234567893")
    assert _reassign(station_db, "ORD-1001", "PS-02")[0]
    dropped = station.scan("4601234567893")
    assert dropped.state.order is None and not dropped.recorded

    other = SyncRunner(station_db, rules, tmp_path / "spool2", station="PS-02")
    try:
        other.scan(PACKER)
        claimed = other.do(Key(Action.NEXT))
        assert claimed.state.order is not None and claimed.state.order.id == "ORD-1001"
    finally:
        other.stop()
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None
        assert (order.station_id, order.reserved_for, order.status) == ("PS-02", None, "packing")
