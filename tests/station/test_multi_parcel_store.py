"""What a multi-parcel order and a carrier choice leave in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from msgspec.structs import replace
from sqlalchemy import select

from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    Action,
    Key,
    OverrideReason,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
)
from packstation.models import Event, Order, Parcel
from packstation.models.db import Database
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner

MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"


def _weigh(st: SyncRunner, grams: int) -> None:
    result = st.do(ScaleReading(Decimal(grams), stable=True))
    assert result.outcome is not None and result.outcome.ok, result.outcome


def _to_label(st: SyncRunner) -> None:
    result = st.results[-1]
    while result.state.step is Step.CHECKS and result.state.next_check is not None:
        result = st.do(Key(Action.OK))
    st.scan("DOC:INVOICE:ORD-1001")


def two_boxes_to_label(st: SyncRunner) -> None:
    """ORD-1001: the mugs in one box, tea and spoons in another."""
    st.scan(PACKER)
    st.scan("ORD-1001")
    st.scan(MUG)
    st.scan(MUG)
    assert st.scan("CMD:NEWBOX").state.step is Step.BOX
    st.scan("BOX:S")
    _weigh(st, 2 * 320 + 120)
    st.scan(TEA)
    st.scan(SPOON)
    st.scan("BOX:S")
    _weigh(st, 110 + 95 + 120 + 3)
    _to_label(st)


def test_parcels_of_one_order_get_seq_1_to_m(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    two_boxes_to_label(station)
    state = station.results[-1].state
    assert state.step is Step.LABEL and [p.seq for p in state.parcels] == [1, 2]
    ids = [p.parcel_id for p in state.parcels]
    assert ids == ["PCL-ORD-1001-1", "PCL-ORD-1001-2"]  # distinct, though counted in one commit
    for parcel_id in ids:  # both labels reached the printer
        assert (tmp_path / "spool" / f"{parcel_id}.zpl").exists()
    with station_db.sessions() as s:
        rows = s.scalars(select(Parcel).order_by(Parcel.seq)).all()
        assert [(r.id, r.order_id, r.seq, r.status) for r in rows] == [
            ("PCL-ORD-1001-1", "ORD-1001", 1, "labelled"),
            ("PCL-ORD-1001-2", "ORD-1001", 2, "labelled"),
        ]
        assert [r.weight_g for r in rows] == [Decimal(760), Decimal(328)]
        assert all(r.choice_note.startswith("OZON-COURIER/EXPRESS ") for r in rows)
    # A restart at the label step with one label scanned comes back exactly there.
    station.scan(ids[1])
    before = station.results[-1].state
    station.stop()
    again = SyncRunner(station_db, rules, tmp_path / "spool2")
    try:
        resumed = again.results[0].state
        assert resumed.durable() == before.durable()
        assert resumed.parcel is not None and resumed.parcel.parcel_id == ids[0]
        assert again.scan(ids[0]).state.step is Step.CLOSED
    finally:
        again.stop()
    with station_db.sessions() as s:
        statuses = s.scalars(select(Parcel.status).order_by(Parcel.seq)).all()
        order = s.get(Order, "ORD-1001")
        packed = s.scalars(select(Event.payload).where(Event.kind == "order.packed")).one()
    assert statuses == ["confirmed", "confirmed"]
    assert order is not None and order.status == "packed" and order.carrier == "OZON-COURIER"
    assert packed["parcel_ids"] == ids


def test_restart_between_boxes_restores_the_sealed_box(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1001")
    station.scan(MUG)
    station.scan(MUG)
    station.scan("CMD:NEWBOX")
    station.scan("BOX:S")
    _weigh(station, 760)
    station.scan(TEA)
    before = station.results[-1].state
    assert len(before.sealed) == 1 and before.open_units == 1
    station.stop()
    again = SyncRunner(station_db, rules, tmp_path / "spool2")
    try:
        resumed = again.results[0].state
        assert resumed.durable() == before.durable()
        assert again.scan(SPOON).state.step is Step.BOX
    finally:
        again.stop()


def test_no_fit_then_hold_is_visible_in_the_queue(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    strict = replace(
        rules, carrier_choice=replace(rules.carrier_choice, min_reliability=Decimal(1))
    )
    st = SyncRunner(station_db, strict, tmp_path / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        for code in (MUG, MUG, TEA, SPOON):
            st.scan(code)
        st.scan("BOX:M")
        _weigh(st, 1055)
        _to_label(st)
        result = st.results[-1]
        assert result.outcome is not None and result.outcome.message.key == "label.no_fit"
        assert result.printed is None and result.state.no_fit is not None
        held = st.do(Key(Action.HOLD))
        assert held.outcome is not None and held.outcome.ok and held.state.order is None
    finally:
        st.stop()
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "needs_correction"
        assert order.station_id is None
        assert order.hold_reason is not None and order.hold_reason.startswith("no_tariff: no fit")
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
        assert s.scalars(select(Parcel)).all() == []
    assert "carrier.no_fit" in kinds and kinds[-1] == "order.held"


def test_carrier_override_is_stored_with_both_identities(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    strict = replace(
        rules, carrier_choice=replace(rules.carrier_choice, min_reliability=Decimal(1))
    )
    st = SyncRunner(station_db, strict, tmp_path / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        for code in (MUG, MUG, TEA, SPOON):
            st.scan(code)
        st.scan("BOX:M")
        _weigh(st, 1055)
        _to_label(st)
        st.scan("TARIFF:OZON-COURIER:STANDARD")
        st.scan(LEAD)
        st.do(PinEntry(LEAD_PIN))
        result = st.do(PickReason(OverrideReason.CUSTOMER_REQUEST))
        assert result.printed is not None
        assert st.scan(result.printed).state.step is Step.CLOSED
    finally:
        st.stop()
    with station_db.sessions() as s:
        packer_id = s.scalar(select(Order.operator_id).where(Order.id == "ORD-1001"))
        event = s.execute(
            select(Event.operator_id, Event.payload).where(Event.kind == "override.carrier")
        ).one()
        parcel = s.scalars(select(Parcel).where(Parcel.status == "confirmed")).one()
        order = s.get(Order, "ORD-1001")
    assert packer_id is None  # the order is packed and free again
    operator_id, payload = event
    assert payload["lead_name"] == "Мария Л." and payload["packer_name"] == "Анна К."
    assert operator_id == payload["packer_id"] and payload["lead_id"] != payload["packer_id"]
    assert payload["reason"] == "customer_request"
    assert (parcel.carrier, parcel.tariff) == ("OZON-COURIER", "STANDARD")
    assert parcel.choice_note == "override by Мария Л.: customer_request"
    assert order is not None and order.tariff == "STANDARD"
