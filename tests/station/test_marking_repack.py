"""A marking code stored for an order that left the station (released, or held) and is
packed again: the same unit scanned again is recorded, its row taken over; the same code
in another order is refused by the workflow (`marking_used_in`) and, when two stations
race past that look-up, by the database (the store's conditional upsert). SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli.orders_cmd import validate
from packstation.domain.intake import read_orders
from packstation.domain.workflow import Action, Key, OverrideReason, PickReason, PinEntry
from packstation.models import Event, MarkingCode
from packstation.models.db import Database
from packstation.models.orders_repo import import_orders
from packstation.station.context import DbContext
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner

SERIAL = "AAAAAAAAAAAAA"
UNIT = "0104605550001116" + "21" + SERIAL + "\x1d91ABCD\x1d92" + "x" * 44
IDENTITY = "0104605550001116" + "21" + SERIAL


def release(st: SyncRunner) -> None:
    """CMD:CANCEL of a started order: the lead's badge, PIN and reason release it."""
    st.do(Key(Action.CANCEL))
    st.scan(LEAD)
    st.do(PinEntry(LEAD_PIN))
    result = st.do(PickReason(OverrideReason.OTHER, "packed again"))
    assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.order is None


def twin_of_ord_1002(db: Database, fixtures: Path, tmp_path: Path) -> str:
    """ORD-1099: the same marked sneakers as ORD-1002, another buyer's order."""
    sample = json.loads((fixtures / "orders-sample.json").read_text(encoding="utf-8"))
    [order] = [o for o in sample["orders"] if o["id"] == "ORD-1002"]
    path = tmp_path / "twin.json"
    path.write_text(json.dumps({"orders": [{**order, "id": "ORD-1099"}]}), encoding="utf-8")
    with db.unit_of_work() as session:
        import_orders(session, read_orders(path), validate)
    return "ORD-1099"


def stored(db: Database) -> list[tuple[str, str, object]]:
    with db.sessions() as s:
        rows = s.scalars(select(MarkingCode)).all()
        return [(r.identity, r.order_id, r.scanned_at) for r in rows]


def test_an_order_packed_again_records_its_code_again_and_no_other_order_takes_it(
    station: SyncRunner,
    station_db: Database,
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    twin = twin_of_ord_1002(station_db, fixtures_dir, tmp_path)
    assert station.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert station.scan("ORD-1002").state.order is not None
    assert station.scan(UNIT).outcome.ok  # type: ignore[union-attr]
    release(station)
    assert [(i, o) for i, o, _ in stored(station_db)] == [(IDENTITY, "ORD-1002")]

    assert station.scan("ORD-1002").state.order is not None  # claimed again
    again = station.scan(UNIT)  # the same unit, back in its box
    assert again.outcome is not None and again.outcome.ok, again.outcome
    assert again.state.units_packed == 1
    with station_db.sessions() as s:
        last_scan = s.scalars(
            select(Event.at).where(Event.kind == "scan.accepted").order_by(Event.id.desc())
        ).first()
    assert stored(station_db) == [(IDENTITY, "ORD-1002", last_scan)]  # the row taken over

    release(station)
    assert station.scan(twin).state.order is not None
    used = station.scan(UNIT)  # the workflow sees it is ORD-1002's
    assert used.outcome is not None and used.outcome.message.key == "scan.marking_used"
    # Another station stores it between this station's look-up and its write: the
    # database refuses it, the packer sees "not recorded" and nothing is counted.
    monkeypatch.setattr(DbContext, "marking_used_in", lambda self, identity: None)
    raced = station.scan(UNIT)
    assert raced.outcome is not None
    assert raced.outcome.message.key == "station.not_recorded_conflict"
    assert raced.state.order is not None and raced.state.units_packed == 0
    assert [(i, o) for i, o, _ in stored(station_db)] == [(IDENTITY, "ORD-1002")]
