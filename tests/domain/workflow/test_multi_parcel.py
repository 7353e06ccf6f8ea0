"""Multi-parcel orders: CMD:NEWBOX closes a box, each box is weighed, one label per box."""

from __future__ import annotations

import json
from decimal import Decimal

from packstation.domain.rules import DefectPolicy
from packstation.domain.workflow import (
    Action,
    DefectKind,
    OverrideReason,
    PickKind,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
    record_from,
    replay,
)
from packstation.domain.workflow.records import (
    BoxSealed,
    BoxSplit,
    LabelPrinted,
    OrderPacked,
    WeightAccepted,
)
from packstation.i18n import t

from .conftest import LEAD, MUG, SPOON, TEA, Station
from .test_replay import stored

# ORD-1001: two mugs (320 g each, fragile) in box 1, tea (110 g) and spoons (95 g) in box 2.
BOX1_G = Decimal(2 * 320 + 120)  # BOX:S tare 120
BOX2_G = Decimal(110 + 95 + 120)


def assert_replays(st: Station) -> None:
    assert replay(stored(st.records)) == st.state.durable()


def split_first_box(st: Station) -> None:
    assert st.scan(MUG).ok and st.scan(MUG).ok
    out = st.scan("CMD:NEWBOX")
    assert out.ok and out.message.key == "box.split" and out.message.params["units"] == 2
    assert isinstance(st.new_records[0], BoxSplit)
    assert st.state.step is Step.BOX and st.state.splitting
    assert t(out.next_hint) == "No box suggestion (no item sizes). Box 1: BOX:S, BOX:M, BOX:BAG"


def pack_two_boxes(st: Station) -> None:
    split_first_box(st)
    assert st.scan("BOX:S").ok and st.state.step is Step.WEIGHT
    assert st.state.expected_weight_g == BOX1_G
    out = st.do(ScaleReading(BOX1_G + 5, stable=True))
    assert out.ok and out.message.key == "box.sealed"
    assert [type(r) for r in st.new_records] == [WeightAccepted, BoxSealed]
    assert st.state.step is Step.ITEMS and st.state.box is None and len(st.state.sealed) == 1
    assert_replays(st)
    assert st.scan(TEA).ok and st.scan(SPOON).ok
    assert st.state.step is Step.BOX and st.state.open_units == 2
    assert st.scan("BOX:S").ok
    assert st.state.expected_weight_g == BOX2_G  # only the open box's items and tare
    assert st.do(ScaleReading(BOX2_G, stable=True)).message.key == "weight.accepted"
    assert st.state.step is Step.CHECKS  # checks and documents once, for the order
    while st.state.next_check is not None:
        assert st.scan("CMD:OK").ok
    assert st.scan("DOC:INVOICE:ORD-1001").ok


def test_two_boxes_two_labels_parcel_n_of_m(ord1001: Station) -> None:
    st = ord1001
    pack_two_boxes(st)
    labels = [r for r in st.new_records if isinstance(r, LabelPrinted)]
    assert [(r.parcel_id, r.seq, r.parcel_count, r.units) for r in labels] == [
        ("PCL-ORD-1001-1", 1, 2, 2),
        ("PCL-ORD-1001-2", 2, 2, 2),
    ]
    assert [r.weight_g for r in labels] == [BOX1_G + 5, BOX2_G]
    assert [r.expected_g for r in labels] == [BOX1_G, BOX2_G]
    assert all(r.choice is not None and r.tariff == "EXPRESS" for r in labels)
    assert st.state.step is Step.LABEL
    assert t(st.last.outcome.next_hint) == (  # type: ignore[union-attr]
        "Stick label 1 of 2 on box 1 and scan it (PCL-ORD-1001-1)"
    )
    assert_replays(st)
    # Labels in any order; the last one packs the order.
    out = st.scan("PCL-ORD-1001-2")
    assert out.ok and t(out.message) == (
        "Parcel 2 of 2 ✓ PCL-ORD-1001-2; next label: PCL-ORD-1001-1"
    )
    assert st.kinds() == ["label.confirmed"] and st.state.step is Step.LABEL
    assert_replays(st)
    assert st.scan("PCL-ORD-1001-2").message.key == "label.already" and st.kinds() == []
    assert st.scan("PCL-ORD-1003-1").message.key == "label.wrong"
    # Once a label is on its box, the parcels stay as they are.
    assert st.key(Action.DEFECT).message.key == "label.finish_first"
    assert st.scan("TARIFF:OZON-COURIER:STANDARD").message.key == "label.finish_first"
    out = st.scan("PCL-ORD-1001-1")
    assert out.ok and t(out.message) == "ORD-1001 packed: 2 parcels"
    packed = st.new_records[-1]
    assert isinstance(packed, OrderPacked)
    assert packed.parcel_ids == ("PCL-ORD-1001-1", "PCL-ORD-1001-2")
    assert st.state.step is Step.CLOSED
    assert_replays(st)


def test_reprint_sends_the_unconfirmed_labels_again(ord1001: Station) -> None:
    st = ord1001
    pack_two_boxes(st)
    st.scan("PCL-ORD-1001-1")
    out = st.key(Action.REPRINT)
    assert out.ok and out.message.params["parcel"] == "PCL-ORD-1001-2"
    (label,) = st.new_records
    assert isinstance(label, LabelPrinted) and label.reprint
    assert (label.seq, label.parcel_count, label.units, label.weight_g) == (2, 2, 2, BOX2_G)
    assert st.scan("PCL-ORD-1001-2").message.key == "order.packed_parcels"


def test_newbox_needs_something_in_the_box_and_items_left(ord1001: Station) -> None:
    st = ord1001
    assert st.scan("CMD:NEWBOX").message.key == "box.split_empty"
    st.scan(MUG)
    out = st.scan("BOX:S")  # a box scan mid-items is still refused, but says how to split
    assert out.message.key == "box.items_first" and out.next_hint.key == "hint.newbox"
    assert st.scan("CMD:NEWBOX").ok
    assert st.scan("CMD:NEWBOX").message.key == "box.split_already"
    # The closed box's content is fixed: the next item waits for the next box.
    out = st.scan(MUG)
    assert t(out.message) == (
        "Box 1 is closed: box and weigh it before MUG-CER-350 goes into the next box"
    )
    assert st.state.units_packed == 1 and st.state.step is Step.BOX


def test_newbox_after_all_items_is_refused(boxed_1001: Station) -> None:
    assert boxed_1001.scan("CMD:NEWBOX").message.key == "box.split_nothing_left"
    assert boxed_1001.kinds() == ["scan.rejected"]


def test_undo_cannot_reach_into_a_closed_box(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    st.scan("CMD:NEWBOX")
    assert st.scan("CMD:UNDO").message.key == "undo.box_closed"
    st.scan("BOX:S")
    st.do(ScaleReading(Decimal(440), stable=True))  # 320 + 120
    assert len(st.state.sealed) == 1
    out = st.scan("CMD:UNDO")
    assert t(out.message) == "Box 1 is closed: use CMD:DEFECT or CMD:CANCEL"
    st.scan(TEA)
    assert st.scan("CMD:UNDO").ok and st.state.units_packed == 1


def test_a_box_out_of_tolerance_needs_the_lead_then_is_sealed(ord1001: Station) -> None:
    st = ord1001
    split_first_box(st)
    st.scan("BOX:S")
    st.do(ScaleReading(Decimal(1500), stable=True))
    assert st.state.weight_blocked and not st.state.sealed
    st.key(Action.LEAD)
    st.scan(LEAD.badge)
    st.do(PinEntry("4321"))
    out = st.do(PickReason(OverrideReason.SCALE))
    assert out.ok and st.kinds() == ["override.weight", "box.sealed"]
    assert len(st.state.sealed) == 1 and st.state.step is Step.ITEMS
    assert st.state.sealed[0].weight.actual_g == Decimal(1500)
    assert_replays(st)


def test_a_short_shipped_unit_must_come_from_the_open_box(ord1001: Station) -> None:
    st = ord1001.with_policy(DefectPolicy.SHIP_SHORT)
    split_first_box(st)
    st.scan("BOX:S")
    st.do(ScaleReading(BOX1_G, stable=True))
    st.scan(TEA)
    st.key(Action.DEFECT)
    st.scan(MUG)  # both mugs are in the sealed box
    out = st.do(PickKind(DefectKind.DAMAGED))
    assert out.message.key == "defect.sealed" and st.state.flow is None
    assert st.state.units_packed == 3
    # A unit in the open box can still come out.
    st.key(Action.DEFECT)
    st.scan(TEA)
    assert st.do(PickKind(DefectKind.DAMAGED)).message.key == "defect.short_removed"
    assert st.state.open_units == 0
    assert_replays(st)


def test_last_box_emptied_by_a_short_line_ships_the_sealed_boxes(ord1001: Station) -> None:
    st = ord1001.with_policy(DefectPolicy.SHIP_SHORT)
    for code in (MUG, MUG, TEA):
        st.scan(code)
    st.scan("CMD:NEWBOX")
    st.scan("BOX:M")
    st.do(ScaleReading(Decimal(640 + 110 + 210), stable=True))
    # The spoons are missing: the order ships short, and nothing is left for a second box.
    st.key(Action.DEFECT)
    st.scan(SPOON)
    st.do(PickKind(DefectKind.MISSING))
    assert st.state.open_box_empty and st.state.step is Step.CHECKS
    while st.state.next_check is not None:
        st.scan("CMD:OK")
    st.scan("DOC:INVOICE:ORD-1001")
    labels = [r for r in st.new_records if isinstance(r, LabelPrinted)]
    assert [(r.seq, r.parcel_count, r.units) for r in labels] == [(1, 1, 3)]
    assert st.scan(labels[0].parcel_id).message.key == "order.packed"


def test_single_box_flow_keeps_its_records(weighed_1001: Station) -> None:
    st = weighed_1001
    while st.state.next_check is not None:
        st.scan("CMD:OK")
    st.scan("DOC:INVOICE:ORD-1001")
    (label,) = [r for r in st.new_records if isinstance(r, LabelPrinted)]
    assert (label.seq, label.parcel_count, label.units) == (1, 1, 4)
    out = st.scan(label.parcel_id)
    assert t(out.message) == "ORD-1001 packed, parcel PCL-ORD-1001-1"
    packed = st.new_records[-1]
    assert isinstance(packed, OrderPacked) and packed.parcel_ids == ()


def test_records_stored_before_multi_parcel_still_read() -> None:
    old_label = {
        "at": "2026-11-26T10:00:00+03:00", "order_id": "ORD-1001", "parcel_id": "PCL-1",
        "carrier": "OZON-COURIER", "tariff": "EXPRESS", "cost": "291.40", "days": 1,
        "weight_g": "1060", "expected_g": "1055", "box_code": "BOX:M", "reprint": False,
    }  # fmt: skip
    label = record_from("label.printed", json.loads(json.dumps(old_label)))
    assert isinstance(label, LabelPrinted)
    assert (label.seq, label.parcel_count, label.units, label.choice) == (1, 1, 0, None)
    assert label.override_by == "" and label.choice_note() == ""
    packed = record_from(
        "order.packed", {"at": old_label["at"], "order_id": "ORD-1001", "parcel_id": "PCL-1"}
    )
    assert isinstance(packed, OrderPacked) and packed.parcel_ids == ()
