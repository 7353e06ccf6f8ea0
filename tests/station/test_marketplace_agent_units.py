"""What the agent sends the marketplace of each unit: only what its line requires, from
what the station captured (marking code, IMEI from the serial step, GS1 GTIN and expiry);
a marketplace that wants an IMEI gets a line that asks for it."""

from __future__ import annotations

from datetime import date

from packstation.channels.base import MarkKind
from packstation.channels.orders import to_order
from packstation.station.marketplace_agent import Unit, unit_marks
from tests.channels.test_sync import item, posting

PHONE = Unit(
    "PHONE-1",
    "0104601234567893215XYZ",
    identity=None,
    serial="356938035643809",
    expiry=date(2027, 5, 1),
    gtin="04601234567893",
)


def test_only_what_the_line_requires_is_sent() -> None:
    assert unit_marks(PHONE, ()) == {}
    assert unit_marks(PHONE, ("imei",)) == {MarkKind.IMEI: "356938035643809"}
    assert unit_marks(PHONE, ("gtin", "expiration")) == {
        MarkKind.GTIN: "04601234567893",
        MarkKind.EXPIRATION: "2027-05-01",
    }
    assert unit_marks(PHONE, ("sgtin",)) == {}  # no marking code was scanned for it
    marked = Unit("SNK", "0104605550001116" + "21ABC", identity="0104605550001116" + "21ABC")
    assert unit_marks(marked, ("sgtin",)) == {MarkKind.SGTIN: marked.code}


def test_a_marketplace_imei_makes_the_line_ask_for_it() -> None:
    order = to_order(
        "wildberries",
        "wb",
        posting("1", item("PHONE-1", required=frozenset({MarkKind.IMEI})), item("CASE")),
    )
    assert [(ln.sku, ln.serial) for ln in order.lines] == [("PHONE-1", "imei"), ("CASE", "")]
