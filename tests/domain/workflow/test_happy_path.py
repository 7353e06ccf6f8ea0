"""ORD-1001 from the fixture, scanner only: badge to packed."""

from __future__ import annotations

from decimal import Decimal

from packstation.domain.workflow import ScaleReading, Step
from packstation.domain.workflow.records import LabelPrinted
from packstation.i18n import t

from .conftest import MUG, PACKER, SPOON, TEA, Station


def test_ord_1001_scanner_only(station: Station) -> None:
    assert station.state.step is Step.LOGGED_OUT
    assert station.scan(PACKER.badge).ok
    assert station.kinds() == ["session.login"]
    assert station.state.step is Step.IDLE

    out = station.scan("ORD-1001")
    assert out.ok and station.kinds() == ["order.claimed"]
    assert station.state.step is Step.ITEMS
    assert station.state.units_required == 4
    assert t(out.next_hint) == "Next: scan MUG-CER-350, TEA-GRN-100, SPOON-SET"

    for code in (MUG, TEA, SPOON):
        out = station.scan(code)
        assert out.ok and station.kinds() == ["scan.accepted"]
        assert out.shown_code == code
    assert station.state.step is Step.ITEMS
    assert t(out.next_hint) == "Next: scan MUG-CER-350"
    assert station.scan(MUG).ok
    assert station.state.step is Step.BOX
    assert "BOX:S, BOX:M, BOX:BAG" in t(station.last.outcome.next_hint)  # type: ignore[union-attr]

    assert station.scan("BOX:M").ok and station.kinds() == ["box.chosen"]
    assert station.state.step is Step.WEIGHT
    assert station.state.expected_weight_g == Decimal(845 + 210)

    out = station.do(ScaleReading(Decimal("1068"), stable=True))
    assert out.ok and station.kinds() == ["weight.accepted"]
    assert station.state.step is Step.CHECKS
    # always (3) + fragile (2): the mug is fragile.
    assert [c.profile for c in station.state.checks] == ["always"] * 3 + ["fragile"] * 2
    assert station.state.documents == ("INVOICE",)

    for n in range(5):
        out = station.scan("CMD:OK")
        assert out.ok and station.kinds() == ["check.confirmed"]
        assert station.new_records[0].index == n  # type: ignore[attr-defined]
    assert station.state.step is Step.CHECKS
    assert t(out.next_hint) == "Put in the INVOICE and scan its barcode (DOC:INVOICE:ORD-1001)"

    out = station.scan("DOC:INVOICE:ORD-1001")
    # The last confirmation prints the label in the same decision.
    assert out.ok and station.kinds() == ["document.confirmed", "label.printed"]
    label = station.new_records[1]
    assert isinstance(label, LabelPrinted)
    assert (label.carrier, label.tariff, label.parcel_id) == (
        "OZON-COURIER",
        "EXPRESS",
        "PCL-ORD-1001-1",
    )
    assert label.weight_g == Decimal("1068") and label.expected_g == Decimal("1055")
    assert station.state.step is Step.LABEL
    assert t(out.next_hint) == "Stick the label on the parcel and scan it (PCL-ORD-1001-1)"

    out = station.scan("PCL-ORD-1001-1")
    assert out.ok and station.kinds() == ["label.confirmed", "order.packed"]
    assert station.state.step is Step.CLOSED
    assert station.state.order is None and station.state.closed_order == "ORD-1001"
    assert station.ctx.status["ORD-1001"] == "packed"
    assert t(out.next_hint, "ru").startswith("ORD-1001 готов.")


def test_closed_behaves_like_idle(weighed_1001: Station) -> None:
    st = weighed_1001
    for _ in range(5):
        assert st.scan("CMD:OK").ok
    st.scan("DOC:INVOICE:ORD-1001")
    st.scan(st.state.parcel.parcel_id)  # type: ignore[union-attr]
    assert st.state.step is Step.CLOSED
    out = st.scan("CMD:NEXT")
    # Priority 2 first: ORD-1005.
    assert out.ok and st.state.order is not None and st.state.order.id == "ORD-1005"
    assert st.new_records[0].via == "next"  # type: ignore[attr-defined]
