"""Order files for issue 12 part 4: an order's ``deliver_by`` and a line's ``serial`` flag
(optional; clear errors naming the field), and hashes of files without them unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from packstation.domain.check_digits import barcode_problem
from packstation.domain.intake import OrderFileError, read_orders, read_orders_csv, read_orders_json
from packstation.domain.validation import validate_order
from packstation.models.orders_repo import content_hash

DATA = Path(__file__).resolve().parents[2] / "packstation" / "data"
HEADER = b"order_id,sku,qty,ship_by,deliver_by,serial\n"
SHIP_BY = b"2026-12-01T12:00:00+03:00"


def test_csv_deliver_by_and_serial_flags() -> None:
    rows = (
        b"A,PHONE,1," + SHIP_BY + b",2026-12-04,imei\n"
        b"A,CHARGER,1,,,Serial\n"
        b"A,CABLE,1,,,\n"
        b"B,X,1," + SHIP_BY + b",2026-12-05T10:00:00+05:00,\n"
    )
    a, b = read_orders_csv(HEADER + rows)
    assert a.deliver_by == date(2026, 12, 4)
    assert [line.serial for line in a.lines] == ["imei", "serial", ""]
    # A date-time gives its own calendar day (the customer's, as written).
    assert b.deliver_by == date(2026, 12, 5)


def test_json_deliver_by_and_serial_flags() -> None:
    data = (
        b'{"orders": [{"id": "A", "deliver_by": "2026-12-04", "lines": ['
        b'{"sku": "P", "serial": "IMEI"}, {"sku": "C", "serial": "serial"}, {"sku": "X"},'
        b'{"sku": "Y", "serial": ""}, {"sku": "Z", "serial": false}]},'
        b'{"id": "B", "lines": []}]}'
    )
    a, b = read_orders_json(data)
    assert a.deliver_by == date(2026, 12, 4) and b.deliver_by is None
    assert [line.serial for line in a.lines] == ["imei", "serial", "", "", ""]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b"A,X,1,,2026-13-01,", "line 2, column deliver_by: expected an ISO-8601 date"),
        (b"A,X,1,,2026-12-01T10:00,", "line 2, column deliver_by: expected an ISO-8601 date"),
        (
            b"A,X,1,,,yes",
            'line 2, column serial: expected "serial", "imei" or nothing, got \'yes\'',
        ),
    ],
)
def test_csv_bad_values_name_the_line_and_column(row: bytes, message: str) -> None:
    with pytest.raises(OrderFileError) as info:
        read_orders_csv(HEADER + row + b"\n")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (b'{"id": "A", "deliver_by": "soon"}', 'orders[0].deliver_by: expected an ISO-8601 date'),
        (b'{"id": "A", "deliver_by": 20261201}', "orders[0].deliver_by: expected an ISO-8601"),
        (b'{"id": "A", "lines": [{"sku": "X", "serial": "sn"}]}',
         'orders[0].lines[0].serial: expected "serial", "imei" or nothing, got "sn"'),
        (b'{"id": "A", "lines": [{"sku": "X", "serial": true}]}',
         'orders[0].lines[0].serial: expected "serial" or "imei", got true'),
    ],
)  # fmt: skip
def test_json_bad_values_name_the_field(order: bytes, message: str) -> None:
    with pytest.raises(OrderFileError) as info:
        read_orders_json(b'{"orders": [' + order + b"]}")
    assert message in str(info.value)


def test_deliver_by_before_ship_by_needs_correction() -> None:
    order = read_orders(DATA / "orders-sample.json")[0]
    assert order.ship_by is not None
    early = replace(order, deliver_by=order.ship_by.date().replace(day=1))
    late = replace(order, deliver_by=order.ship_by.date())
    problems = validate_order(early, barcode_problem)
    assert [p.field for p in problems] == ["deliver_by"]
    assert "before ship_by" in problems[0].message
    assert validate_order(late, barcode_problem) == []


def test_files_without_the_new_fields_hash_as_before() -> None:
    """Stored hashes must not change, or re-importing an old file would rewrite its orders:
    the sample's first order hashes to what the previous release stored for it."""
    order = read_orders(DATA / "orders-sample.json")[0]
    assert content_hash(order) == (
        "fd3382c8b5fd8173a5cfd87d781fee29d2d9d45ca87a92ed8223b92168878e38"
    )
    flagged = replace(order, lines=[replace(order.lines[0], serial="imei"), *order.lines[1:]])
    dated = replace(order, deliver_by=date(2026, 12, 24))
    assert len({content_hash(order), content_hash(flagged), content_hash(dated)}) == 3
