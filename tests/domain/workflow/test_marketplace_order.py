"""A marketplace order in the pure workflow: no tariff to choose, the marketplace's label
barcode is what the scan-back checks, a refused marking code takes its unit out, the
packer may shelve it while the label has not come; late answers change nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from msgspec.structs import replace

from packstation.domain.workflow import (
    Action,
    MarketplaceLabel,
    MarksRejected,
    ScaleReading,
    Step,
    record_from,
    replay,
)
from packstation.domain.workflow.facts import MARKETPLACE_TARIFF
from packstation.domain.workflow.records import MarketplaceLabelReady, MarkRejected, OrderHeld

from .conftest import PACKER, FakeContext, Station, load_orders, marking

A, B = marking("SERIAL0000001"), marking("SERIAL0000002")


@pytest.fixture
def at_label() -> Station:
    orders = load_orders()
    orders["ORD-1002"] = replace(orders["ORD-1002"], channel="ozon-main", carrier="Ozon")
    st = Station(FakeContext(orders=orders))
    for text in (PACKER.badge, "ORD-1002", A, B, "BOX:M"):
        assert st.scan(text).ok
    assert st.do(ScaleReading(Decimal(2 * 780 + 140), stable=True)).ok
    while st.state.step is Step.CHECKS:
        if st.state.next_check is not None:
            assert st.key(Action.OK).ok
        else:
            assert st.scan(f"DOC:{st.state.next_document}:ORD-1002").ok
    assert st.state.step is Step.LABEL
    return st


def test_no_tariff_is_chosen_and_the_label_waits_for_the_marketplace(at_label: Station) -> None:
    [parcel] = at_label.state.parcels
    assert (parcel.carrier, parcel.tariff, parcel.barcode) == ("Ozon", MARKETPLACE_TARIFF, "")
    waiting = at_label.scan(parcel.parcel_id)  # nothing printed carries our id
    assert not waiting.ok and waiting.message.key == "label.waiting_marketplace"
    assert not waiting.bell  # told, not alarmed: the marketplace is slow, not the packer
    assert waiting.next_hint.key == "hint.marketplace_label"


def test_the_marketplace_barcode_is_what_packs_it(at_label: Station) -> None:
    [parcel] = at_label.state.parcels
    got = at_label.do(MarketplaceLabel("ORD-1002", parcel.parcel_id, "12345678-0001-1", "p1"))
    assert got.ok and got.message.key == "label.marketplace_printed"
    assert at_label.new_records == (
        MarketplaceLabelReady(at_label.ctx.clock, "ORD-1002", parcel.parcel_id,
                              "12345678-0001-1", "p1"),
    )  # fmt: skip
    wrong = at_label.scan(parcel.parcel_id)
    assert not wrong.ok and wrong.message.key == "label.wrong"
    assert wrong.message.params["parcel"] == "12345678-0001-1"
    done = at_label.scan("12345678-0001-1")
    assert done.ok and done.message.key == "order.packed"
    assert at_label.state.closed_order == "ORD-1002"


def test_a_refused_code_takes_its_unit_out(at_label: Station) -> None:
    identity = at_label.state.scans[1].identity
    assert identity is not None
    red = at_label.do(MarksRejected("ORD-1002", ((identity, "not in the registry"),)))
    assert not red.ok and red.message.key == "mark.rejected"
    assert red.message.params["reason"] == "not in the registry"
    [record] = at_label.new_records
    assert isinstance(record, MarkRejected) and record.identity == identity
    assert at_label.state.step is Step.ITEMS and at_label.state.units_packed == 1
    assert at_label.state.parcels == ()
    assert at_label.ctx.markings.get(identity) is None  # the code is free again
    again = at_label.scan(marking("SERIAL0000003"))  # same product: box and weight hold
    assert again.ok and at_label.state.step is Step.LABEL
    assert [p.tariff for p in at_label.state.parcels] == [MARKETPLACE_TARIFF]


def test_answers_about_an_order_that_left_change_nothing(at_label: Station) -> None:
    [parcel] = at_label.state.parcels
    held = at_label.key(Action.HOLD)
    assert held.ok and held.message.key == "label.held_marketplace"
    [record] = at_label.new_records
    assert isinstance(record, OrderHeld) and record.reason.startswith("marketplace_label")
    late = at_label.do(MarketplaceLabel("ORD-1002", parcel.parcel_id, "X", ""))
    assert late.quiet and at_label.new_records == ()
    late = at_label.do(MarksRejected("ORD-1002", (("whatever", "no"),)))
    assert late.quiet and at_label.new_records == ()


def test_new_records_replay_from_json(at_label: Station) -> None:
    [parcel] = at_label.state.parcels
    identity = at_label.state.scans[0].identity
    assert identity is not None
    at_label.do(MarksRejected("ORD-1002", ((identity, "refused"),)))
    at_label.scan(marking("SERIAL0000004"))
    [parcel] = at_label.state.parcels
    at_label.do(MarketplaceLabel("ORD-1002", parcel.parcel_id, "BAR-1", "p1"))
    kinds = {r.kind for r in at_label.records}
    assert {"mark.rejected", "label.marketplace"} <= kinds
    stored = [
        record_from(r.kind, json.loads(json.dumps(r.to_payload(), ensure_ascii=False)))
        for r in at_label.records
    ]
    assert stored == at_label.records
    assert replay(stored) == at_label.state.durable()


@pytest.mark.parametrize("scanned", ["%101%40112233", "401122330001"])
def test_either_ozon_label_barcode_confirms_the_parcel(at_label: Station, scanned: str) -> None:
    """Ozon's label carries the posting's upper and lower barcodes, maybe not its number."""
    [parcel] = at_label.state.parcels
    codes = ("%101%40112233", "401122330001")
    at_label.do(MarketplaceLabel("ORD-1002", parcel.parcel_id, "40112233-0001-1", "p1", codes))
    [record] = at_label.new_records
    assert isinstance(record, MarketplaceLabelReady) and record.codes == codes
    unrelated = at_label.scan("%101%99999999")
    assert not unrelated.ok and unrelated.message.key == "label.wrong"
    assert unrelated.message.params["parcel"] == "40112233-0001-1"
    assert at_label.state.closed_order is None
    done = at_label.scan(scanned)
    assert done.ok and done.message.key == "order.packed"


def test_label_records_with_and_without_barcodes_replay(at_label: Station) -> None:
    """A record stored before the label's other barcodes were kept replays as before."""
    [parcel] = at_label.state.parcels
    at_label.do(MarketplaceLabel("ORD-1002", parcel.parcel_id, "BAR-1", "p1", ("UP-1", "LOW-1")))
    stored = [
        record_from(r.kind, json.loads(json.dumps(r.to_payload(), ensure_ascii=False)))
        for r in at_label.records
    ]
    assert stored == at_label.records
    assert replay(stored).parcels[0].codes == ("BAR-1", "UP-1", "LOW-1")
    old = {k: v for k, v in at_label.records[-1].to_payload().items() if k != "codes"}
    before = [*stored[:-1], record_from("label.marketplace", old)]
    assert replay(before).parcels[0].codes == ("BAR-1",)
