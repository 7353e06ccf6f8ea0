"""The CSV reader's fast paths read what the careful paths read, and errors still come in
file order: the text is decoded ahead of the csv reader, and long lines are found before
anything is decoded, yet a malformed record above them is what the file is refused for."""

from __future__ import annotations

from dataclasses import astuple
from decimal import Decimal

import pytest

from packstation.domain.intake import CSV_COLUMNS, IntakeLimits, OrderFileError, read_orders_csv

HEADER = b"order_id,sku,qty\n"
#: More than the text decoder reads ahead at once (8 KiB): errors far below the first.
FILLER = b"".join(b"O%d,A,1\n" % i for i in range(3000))


def error(data: bytes, **limits: int) -> str:
    with pytest.raises(OrderFileError) as info:
        read_orders_csv(data, "orders.csv", IntakeLimits(**limits))
    return str(info.value)


@pytest.mark.parametrize(
    ("data", "limits", "expected"),
    [
        # A malformed record, then invalid UTF-8 in the same block of text or far below.
        (HEADER + b"O1,A,1,extra\nO2,\xff,1\n", {}, "line 2: expected 3 cells"),
        (HEADER + b"O1,A\n" + FILLER + b"O2,\xff,1\n", {}, "line 2: expected 3 cells"),
        # Invalid UTF-8 above a malformed record.
        (HEADER + b"O2,\xff,1\n" + b'O1,"A,1\n', {}, "line 2: invalid UTF-8 at byte offset 20"),
        # An unclosed quote swallows the rest: the bytes it swallows are still read as text.
        (HEADER + b'O1,"A,1\n' + FILLER + b"O2,\xff,1\n", {}, "line 3003: invalid UTF-8"),
        # A malformed record above a long line; a quoted record running into one.
        (
            HEADER + b"O1,A\nO2,A,1\nO3," + b"x" * 200 + b",1\n",
            {"max_csv_line_bytes": 100},
            "line 2: expected 3 cells",
        ),
        (
            HEADER + b'O1,"A\n' + b"x" * 200 + b'",1\n',
            {"max_csv_line_bytes": 100},
            "line 3: the line is longer than 100 bytes",
        ),
        (HEADER + b'O1,"A\n\xff",1\n', {}, "line 3: invalid UTF-8 at byte offset 23"),
        # The header itself.
        (b"order_id,sku,qty" + b"x" * 200 + b"\n", {"max_csv_line_bytes": 100}, "line 1: the line"),
        (b"\xef\xbb\xbforder_id,sku,qty\xff\n", {}, "line 1: invalid UTF-8 at byte offset 19"),
        # A long line above a malformed record, and one after a multi-line cell.
        (
            HEADER + b"O3," + b"x" * 200 + b",1\nO1,A\n",
            {"max_csv_line_bytes": 100},
            "line 2: the line is longer than 100 bytes",
        ),
        (
            HEADER + b'O1,A,"1\n2"\n' + b"O3," + b"x" * 200 + b",1\n",
            {"max_csv_line_bytes": 100},
            "line 4: the line is longer than 100 bytes",
        ),
    ],
)
def test_the_first_error_in_the_file_is_the_one_reported(
    data: bytes, limits: dict[str, int], expected: str
) -> None:
    assert error(data, **limits).startswith(expected)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_a_line_of_exactly_the_limit_is_read_anywhere_in_a_long_file(line_end: bytes) -> None:
    long_row = b"O9,A," + b"1" * 95  # 100 bytes: qty 1111...: a type error, not a length one
    data = (HEADER + FILLER + long_row + b"\n" + FILLER).replace(b"\n", line_end)
    assert error(data, max_csv_line_bytes=100).startswith("line 3002, column qty")
    assert error(data.replace(b"O9,A,", b"O9,AA,"), max_csv_line_bytes=100) == (
        "line 3002: the line is longer than 100 bytes (the limit for one CSV line)"
    )


def test_all_columns_or_a_few_read_the_same_values() -> None:
    values = {
        "order_id": "O1",
        "tote": "T-1",
        "priority": "2",
        "ship_by": "2026-11-27T12:00:00+03:00",
        "customer_name": "Анна",
        "phone": "+79161234567",
        "email": "a@example.ru",
        "locale": "en_GB",
        "country": "ru",
        "region": "Москва",
        "city": "Москва",
        "postcode": "125009",
        "line1": "ул. 1, кв. 2",
        "line2": "подъезд 3",
        "sku": "A",
        "name": 'Кружка "Утро"',
        "barcodes": "4601234567893| 4601234567886 |",
        "qty": "3",
        "unit_weight_g": "12.5",
        "fragile": "Yes",
        "liquid": "0",
        "marked": "TRUE",
        "hs_code": "6912002300",
        "unit_price": "",
        "price": "99.90",
        "carrier": "OZON-COURIER",
        "declared_value": "1000",
        "currency": "rub",
        "length_mm": "120",
        "width_mm": "80.5",
        "height_mm": "40",
        "deliver_by": "2026-11-30",
        "serial": "IMEI",
        "instructions": "Wrap it | Upright",
        "gift_note": "С днём рождения!",
    }
    assert set(values) == set(CSV_COLUMNS)

    def read(columns: list[str]) -> tuple[object, ...]:
        quoted = ['"' + values[c].replace('"', '""') + '"' for c in columns]
        text = ",".join(columns) + "\r\n" + ",".join(quoted) + "\r\n"
        [order] = read_orders_csv(text.encode())
        return astuple(order)

    every = read(list(reversed(CSV_COLUMNS)))
    assert every[0] == "O1"
    assert every == read(list(CSV_COLUMNS))
    few = read(["order_id", "sku", "qty"])
    assert few[0] == "O1" and few != every


@pytest.mark.parametrize(
    ("cell", "qty"),
    [
        ("1", 1),
        ("0012", 12),
        (" 7 ", 7),
        ("999999999999999999", 10**18 - 1),
        ("000000000000000000000001", 1),  # 24 characters, but a small number
        ("2.0", 2),
        ("-3", -3),
        ("", 0),
    ],
)
def test_whole_numbers(cell: str, qty: int) -> None:
    [order] = read_orders_csv(f"order_id,sku,qty,priority\nO1,A,{cell},{cell}\n".encode())
    assert order.lines[0].qty == qty and order.priority == qty


@pytest.mark.parametrize("cell", ["1000000000000000000", "٣", "1_000", "1.5", "1e999999999"])
def test_not_whole_numbers(cell: str) -> None:
    assert error(f"order_id,sku,qty\nO1,A,{cell}\n".encode()).startswith(
        "line 2, column qty: expected a whole number"
    )


@pytest.mark.parametrize(
    ("cell", "weight"),
    [("45", Decimal(45)), ("007", Decimal(7)), ("12.345", Decimal("12.345")), ("", None)],
)
def test_weights_stay_exact(cell: str, weight: Decimal | None) -> None:
    [order] = read_orders_csv(f"order_id,sku,qty,unit_weight_g\nO1,A,1,{cell}\n".encode())
    assert order.lines[0].unit_weight_g == weight
    if weight is not None:
        assert str(order.lines[0].unit_weight_g) == str(Decimal(cell))  # what the hash sees


@pytest.mark.parametrize("cell", ["1000000000000000000", "١٢", "NaN", "1e99"])
def test_not_weights(cell: str) -> None:
    assert error(f"order_id,sku,qty,unit_weight_g\nO1,A,1,{cell}\n".encode()).startswith(
        "line 2, column unit_weight_g: expected a number"
    )


def test_a_bad_cell_is_named_in_the_columns_order() -> None:
    row = "O1,A,x,5g,maybe,nope"
    text = f"order_id,sku,qty,unit_weight_g,fragile,liquid\n{row}\n"
    assert error(text.encode()).startswith("line 2, column unit_weight_g")
    assert error(text.replace("5g", "5").encode()).startswith("line 2, column qty")
    assert error(text.replace("5g", "5").replace(",x,", ",1,").encode()).startswith(
        "line 2, column fragile"
    )
