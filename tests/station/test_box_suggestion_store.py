"""Box suggestion through the real station runner (issue 12 part 3), on SQLite and
PostgreSQL: a box too small for the items is refused red, a lead overrides it (CMD:LEAD,
badge, PIN, reason 13/14 typed as at the station), and the parcel rows keep the box used,
the suggested one and their volumes; the ``override.box`` event names both people."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from packstation.cli.orders_cmd import validate
from packstation.domain.intake import read_orders
from packstation.domain.workflow import Action, Key, PinEntry, ScaleReading, Step
from packstation.i18n import t
from packstation.models import Event, Order, Parcel
from packstation.models.audit_repo import audit_entries
from packstation.models.db import Database
from packstation.models.orders_repo import import_orders
from packstation.station.input import command_for_text
from packstation.station.results import RunResult
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner

MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"
ORDER = "ORD-2001"

#: ORD-1001's items with sizes: 2 mugs, tea and spoons are 1.9 l; BOX:S (3 l) is the
#: smallest box they fit in, the courier bag (0.875 l) is too small by volume. The
#: spoons' 14.2 mm are read as 15 mm.
SIZED_ORDER = {
    "id": ORDER,
    "priority": 0,
    "ship_by": "2026-11-27T12:00:00+03:00",
    "customer": {"name": "Анна Петрова", "phone": "+79161234567",
                 "email": "anna.petrova@example.ru", "locale": "ru"},
    "address": {"country": "RU", "region": "Москва", "city": "Москва", "postcode": "125009",
                "line1": "ул. Тверская, д. 7, кв. 12"},
    "lines": [
        {"sku": "MUG-CER-350", "name": "Кружка керамическая 350 мл", "barcodes": [MUG],
         "qty": 2, "unit_weight_g": 320, "fragile": True,
         "length_mm": 100, "width_mm": 80, "height_mm": 90},
        {"sku": "TEA-GRN-100", "name": "Чай зелёный 100 г", "barcodes": [TEA], "qty": 1,
         "unit_weight_g": 110, "length_mm": 120, "width_mm": 60, "height_mm": 50},
        {"sku": "SPOON-SET", "name": "Set of tea spoons", "barcodes": [SPOON], "qty": 1,
         "unit_weight_g": 95, "length_mm": 150, "width_mm": 30, "height_mm": 14.2},
    ],
}  # fmt: skip


def _add_sized_order(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sized-orders.json"
    path.write_text(json.dumps({"orders": [SIZED_ORDER]}, ensure_ascii=False), encoding="utf-8")
    with db.unit_of_work() as session:
        import_orders(session, read_orders(path), validate)


def _typed(st: SyncRunner, text: str) -> RunResult:
    """Text typed at the station, read as the station reads it (a reason number, a PIN...)."""
    return st.do(command_for_text(st.results[-1].state, text))


def _all_in(st: SyncRunner) -> RunResult:
    st.scan(PACKER)
    assert st.scan(ORDER).state.order is not None
    for code in (MUG, MUG, TEA, SPOON):
        result = st.scan(code)
    assert result.state.step is Step.BOX
    return result


def _to_label(st: SyncRunner) -> RunResult:
    state = st.results[-1].state
    result = st.do(ScaleReading(state.expected_weight_g, stable=True))
    assert result.outcome is not None and result.outcome.ok, result.outcome
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        else:
            result = st.scan(f"DOC:{result.state.next_document}:{ORDER}")
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.step is Step.LABEL, result.state.step
    return result


def test_a_too_small_box_is_refused_and_a_lead_overrides_it(
    station: SyncRunner, station_db: Database, tmp_path: Path
) -> None:
    _add_sized_order(station_db, tmp_path)
    box_step = _all_in(station)
    assert box_step.outcome is not None
    assert t(box_step.outcome.next_hint).startswith("Box BOX:S fits (Small 20x15x10):")

    refused = station.scan("BOX:BAG")
    assert refused.outcome is not None and not refused.outcome.ok
    assert refused.outcome.message.key == "box.too_small"
    assert t(refused.outcome.message) == (
        "BOX:BAG IS TOO SMALL: the items do not fit by volume. Use BOX:S"
    )
    assert refused.state.step is Step.BOX and refused.state.box is None

    started = station.scan("CMD:LEAD")
    assert started.outcome is not None and started.outcome.message.key == "box.override_started"
    assert station.scan(LEAD).state.step is Step.OVERRIDE_PIN
    assert _typed(station, LEAD_PIN).state.step is Step.OVERRIDE_REASON
    weight_reason = _typed(station, "3")  # the scale: a weight reason, not offered here
    assert weight_reason.outcome is not None and not weight_reason.outcome.ok
    assert weight_reason.state.step is Step.OVERRIDE_REASON
    approved = _typed(station, "14")  # fits anyway
    assert approved.outcome is not None and approved.outcome.ok
    assert t(approved.outcome.message) == "Box BOX:BAG approved by Мария Л."
    assert approved.state.box is not None and approved.state.box.code == "BOX:BAG"
    assert approved.state.step is Step.WEIGHT

    label = _to_label(station)
    [parcel_id] = [p.parcel_id for p in label.state.parcels]
    assert station.scan(parcel_id).state.step is Step.CLOSED

    with station_db.sessions() as s:
        parcel = s.scalars(select(Parcel).where(Parcel.order_id == ORDER)).one()
        packer_id = s.scalar(
            select(Event.operator_id).where(Event.kind == "order.claimed", Event.order_id == ORDER)
        )
        operator_id, payload = s.execute(
            select(Event.operator_id, Event.payload).where(Event.kind == "override.box")
        ).one()
        rejected = s.scalars(
            select(Event.payload).where(Event.kind == "scan.rejected", Event.order_id == ORDER)
        ).all()
        [entry] = [e for e in audit_entries(s) if e.kind == "override.box"]
        order = s.get(Order, ORDER)
    assert (parcel.box_code, parcel.suggested_box) == ("BOX:BAG", "BOX:S")
    assert (parcel.box_cm3, parcel.suggested_cm3, parcel.first_box_cm3) == (875, 3000, 875)
    assert parcel.status == "confirmed"
    assert order is not None and order.status == "packed"
    assert (payload["code"], payload["why"], payload["suggested"]) == ("BOX:BAG", "volume", "BOX:S")
    assert payload["reason"] == "fits_anyway" and payload["note"] == ""
    assert (payload["lead_name"], payload["packer_name"]) == ("Мария Л.", "Анна К.")
    assert payload["lead_id"] != payload["packer_id"]
    assert packer_id is not None and operator_id == payload["packer_id"] == packer_id
    assert len(rejected) == 1
    assert entry.order_id == ORDER and entry.lead is not None and entry.lead.badge == LEAD
    assert entry.reason == "fits_anyway (box BOX:BAG too small by volume, suggested BOX:S)"


def test_catalogue_sizes_wrong_with_a_note_and_a_larger_box_first(
    station: SyncRunner, station_db: Database, tmp_path: Path
) -> None:
    """Reason 13 (catalogue sizes wrong); before it the packer took a larger box, which
    is taken with the suggestion named, and the first pick stays on the parcel row."""
    _add_sized_order(station_db, tmp_path)
    _all_in(station)
    larger = station.scan("BOX:M")
    assert larger.outcome is not None and larger.outcome.ok
    assert larger.outcome.message.key == "box.chosen_larger"
    assert not station.scan("BOX:BAG").outcome.ok  # type: ignore[union-attr]
    station.do(Key(Action.LEAD))
    station.scan(LEAD)
    station.do(PinEntry(LEAD_PIN))
    approved = _typed(station, "13 mugs are smaller than listed")
    assert approved.outcome is not None and approved.outcome.ok, approved.outcome
    assert approved.state.box is not None
    assert (approved.state.box.code, approved.state.box.first) == ("BOX:BAG", "BOX:M")
    _to_label(station)
    with station_db.sessions() as s:
        parcel = s.scalars(select(Parcel).where(Parcel.order_id == ORDER)).one()
        payload = s.scalars(select(Event.payload).where(Event.kind == "override.box")).one()
    assert (parcel.box_code, parcel.suggested_box) == ("BOX:BAG", "BOX:S")
    assert parcel.status == "labelled"
    assert (parcel.box_cm3, parcel.suggested_cm3, parcel.first_box_cm3) == (875, 3000, 11250)
    assert payload["reason"] == "catalog_size"
    assert payload["note"] == "mugs are smaller than listed"


def test_an_order_without_sizes_stores_no_suggestion(
    station: SyncRunner, station_db: Database
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1003")
    for code in ("4609998887776", "4601112223330"):
        result = station.scan(code)
    assert result.outcome is not None
    assert t(result.outcome.next_hint).startswith("No box suggestion (no item sizes).")
    assert station.scan("BOX:BAG").outcome.ok  # type: ignore[union-attr]
    with station_db.sessions() as s:
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1003")).all()
    assert "scan.rejected" not in kinds and "override.box" not in kinds
