"""Returns matched to the units shipped (issue 12 part 4): by serial, or by lot when every
shipped unit of the line had one; a unit this order did not ship is recorded as not ours."""

from __future__ import annotations

from decimal import Decimal

from packstation.domain.codes import GS
from packstation.domain.returns import (
    Condition,
    Decision,
    ReturnSession,
    ReturnView,
    close_plan,
    handle_text,
    return_line_view,
)
from packstation.domain.units import Mismatch, ShippedUnit, match_returned
from tests.domain.workflow.test_units import ean13, imei

PHONE, MILK = ean13("460777000001"), ean13("460777000002")
IMEI_A, IMEI_B, IMEI_C = imei("35693803564380"), imei("49015420323751"), imei("35391805393121")


def _view(*units: ShippedUnit, returned: int = 0) -> ReturnView:
    return ReturnView(
        order_id="ORD-1",
        order_status="delivered",
        currency="RUB",
        lines=(
            return_line_view(1, "PHONE-X", "Phone X", 2, returned, Decimal("19990"), [PHONE]),
            return_line_view(2, "MILK-1L", "Milk 1 l", 2, 0, Decimal("99"), [MILK]),
        ),
        units=units,
    )


SHIPPED = (
    ShippedUnit(1, IMEI_A),
    ShippedUnit(1, IMEI_B),
    ShippedUnit(2, lot="L1"),
    ShippedUnit(2, lot="L2"),
)


def _milk(lot: str) -> str:
    return f"]C101{MILK.zfill(14)}10{lot}"


def test_match_rules() -> None:
    assert match_returned(SHIPPED, 1, 2, IMEI_A, None) is None
    assert match_returned(SHIPPED, 1, 2, IMEI_C, None) is Mismatch.SERIAL
    assert match_returned(SHIPPED, 1, 2, None, None) is Mismatch.NO_SERIAL
    assert match_returned(SHIPPED, 2, 2, None, "L3") is Mismatch.LOT
    assert match_returned(SHIPPED, 2, 2, None, None) is None  # a lot is no identity
    # Three units out but only two with a serial: the third may be any; nothing is judged.
    assert match_returned(SHIPPED, 1, 3, IMEI_C, None) is None
    assert match_returned(SHIPPED, 1, 3, None, None) is None


def test_a_serial_label_names_the_unit_and_a_foreign_one_is_not_ours() -> None:
    session = ReturnSession(view=_view(*SHIPPED))
    session, out = handle_text(session, PHONE)
    assert out.ok is False and out.message.key == "returns.serial_needed"
    assert not session.items
    session, out = handle_text(session, IMEI_B)
    assert out.ok and out.message.key == "returns.item_ok"
    assert (session.items[-1].line_id, session.items[-1].serial) == (1, IMEI_B)
    for text in ("1", "F"):
        session, out = handle_text(session, text)
    session, out = handle_text(session, IMEI_B)
    assert out.message.key == "returns.serial_repeat"
    # Its own GS1 code with another phone's serial: not the unit shipped.
    session, out = handle_text(session, f"]C101{PHONE.zfill(14)}21{IMEI_C}")
    assert out.ok is False and out.message.key == "returns.serial_foreign"
    last = session.items[-1]
    assert (last.condition, last.decision, last.reason) == (
        Condition.NOT_OURS, Decision.NONE, "serial_mismatch",
    )  # fmt: skip
    plan = close_plan(session)
    assert plan.serials_back == (IMEI_B,)  # the foreign one frees nothing
    assert [(u.line_id, u.serial) for u in plan.returned_units] == [(1, IMEI_B), (1, IMEI_C)]
    assert plan.refund == Decimal("19990.00")


def test_a_lot_this_order_did_not_ship_is_not_ours() -> None:
    session = ReturnSession(view=_view(*SHIPPED))
    session, out = handle_text(session, _milk("L2"))
    assert out.ok and session.items[-1].lot == "L2"
    for text in ("1", "N", "1"):
        session, out = handle_text(session, text)
    session, out = handle_text(session, _milk("L9"))
    assert out.ok is False and out.message.key == "returns.lot_foreign"
    assert out.message.params["lot"] == "L9" and session.items[-1].reason == "lot_mismatch"
    assert [u.lot for u in close_plan(session).returned_units] == ["L2", "L9"]


def test_orders_without_captured_units_return_as_before() -> None:
    session = ReturnSession(view=_view())
    session, out = handle_text(session, PHONE)
    assert out.ok and session.items[-1].serial is None
    for text in ("1", "F", f"]C101{MILK.zfill(14)}10L7{GS}"):
        session, out = handle_text(session, text)
        assert out.ok, (text, out.message)
    assert session.items[-1].lot == "L7" and session.items[-1].condition is None
