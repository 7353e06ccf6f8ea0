"""Reading order files: the fixtures, encodings, and every way a file can be unreadable."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.intake import (
    OrderFileError,
    iter_orders_csv,
    iter_orders_json,
    normalise_locale,
    read_orders,
    read_orders_csv,
    read_orders_json,
)

# Byte-identical copies of shared/fixtures, shipped in the package for `demo`.
FIXTURES = Path(__file__).resolve().parents[2] / "packstation" / "data"
MSK = timezone(timedelta(hours=3))

CSV_HEADER = "order_id,customer_name,sku,name,barcodes,qty,unit_weight_g,fragile"


def one_order(**overrides: Any) -> dict[str, Any]:
    """A minimal well-typed JSON order; tests break one thing at a time."""
    order: dict[str, Any] = {
        "id": "ORD-1",
        "ship_by": "2026-11-27T12:00:00+03:00",
        "customer": {"name": "Анна", "phone": "+79161234567"},
        "address": {"country": "RU", "city": "Москва", "postcode": "125009", "line1": "ул. 1"},
        "lines": [{"sku": "A", "name": "Item", "barcodes": ["4601234567893"], "qty": 1}],
    }
    order.update(overrides)
    return order


def json_bytes(*orders: Any) -> bytes:
    return json.dumps({"orders": list(orders)}, ensure_ascii=False).encode()


def json_error(data: bytes) -> str:
    with pytest.raises(OrderFileError) as info:
        read_orders_json(data, "orders.json")
    return str(info.value)


def csv_error(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(OrderFileError) as info:
        read_orders_csv(data, "orders.csv")
    return str(info.value)


# --------------------------------------------------------------------------- fixtures


def test_json_fixture_reads_all_five_orders_with_their_values() -> None:
    orders = read_orders(FIXTURES / "orders-sample.json")

    assert [o.id for o in orders] == ["ORD-1001", "ORD-1002", "ORD-1003", "ORD-1004", "ORD-1005"]
    assert [len(o.lines) for o in orders] == [3, 1, 2, 1, 2]
    assert [o.source for o in orders] == [f"orders[{i}]" for i in range(5)]
    assert [o.priority for o in orders] == [0, 1, 0, 0, 2]

    first = orders[0]
    assert first.tote == "TOTE-017"
    assert first.ship_by == datetime(2026, 11, 27, 12, 0, tzinfo=MSK)
    assert first.customer.name == "Анна Петрова"
    assert first.customer.phone == "+79161234567"
    assert first.customer.email == "anna.petrova@example.ru"
    assert first.address.line1 == "ул. Тверская, д. 7, кв. 12"
    assert first.address.region == "Москва"
    assert first.carrier == ""  # null in the file means "not chosen yet"
    mug = first.lines[0]
    assert (mug.sku, mug.name, mug.qty) == ("MUG-CER-350", "Кружка керамическая 350 мл", 2)
    assert mug.barcodes == ["4601234567893"]
    assert mug.unit_weight_g == Decimal(320)
    assert (mug.fragile, mug.liquid, mug.marked) == (True, False, False)
    assert first.lines[2].barcodes == ["046000001234"]

    assert orders[1].lines[0].marked is True
    kz = orders[2]
    assert kz.address.country == "KZ"
    assert kz.declared_value == Decimal("5490.00")
    assert kz.currency == "RUB"
    assert kz.lines[0].barcodes == ["4609998887776", "14601234567890"]
    assert [ln.hs_code for ln in kz.lines] == ["851830", "420292"]
    bad = orders[3]
    assert (bad.customer.phone, bad.customer.email) == ("", "not-an-email")
    assert (bad.address.postcode, bad.address.line1) == ("42", "")
    last = orders[4]
    assert last.customer.locale == "en"
    assert last.lines[0].liquid is True
    assert last.lines[0].qty == 3


def test_csv_fixture_groups_rows_into_one_order() -> None:
    orders = read_orders(FIXTURES / "orders-sample.csv")

    assert len(orders) == 1
    order = orders[0]
    assert order.id == "ORD-2001"
    assert order.source == "line 2"
    assert order.tote == "TOTE-101"
    assert order.ship_by == datetime(2026, 11, 27, 12, 0, tzinfo=MSK)
    assert order.customer.name == "Мария Кузнецова"
    assert order.customer.locale == "ru"
    assert order.address.city == "Москва"
    assert order.address.line1 == "ул. Арбат, д. 1"  # the quoted comma stays in the cell
    assert [ln.sku for ln in order.lines] == ["CABLE-USB-C", "CHRG-20W"]
    assert order.lines[0].qty == 2
    assert order.lines[0].unit_weight_g == Decimal(45)
    assert order.lines[1].barcodes == ["4607001002017", "4607001002024"]
    assert all(not (ln.fragile or ln.liquid or ln.marked) for ln in order.lines)
    assert all(ln.hs_code == "" for ln in order.lines)


# ----------------------------------------------------------------- format choice, encodings


def test_format_is_chosen_by_suffix_case_insensitively_else_sniffed(tmp_path: Path) -> None:
    json_data = (FIXTURES / "orders-sample.json").read_bytes()
    csv_data = (FIXTURES / "orders-sample.csv").read_bytes()
    (tmp_path / "a.JSON").write_bytes(json_data)
    (tmp_path / "b.Csv").write_bytes(csv_data)
    (tmp_path / "c.txt").write_bytes(b"\n  " + json_data)
    (tmp_path / "d").write_bytes(csv_data)

    assert len(read_orders(tmp_path / "a.JSON")) == 5
    assert [o.id for o in read_orders(tmp_path / "b.Csv")] == ["ORD-2001"]
    assert len(read_orders(tmp_path / "c.txt")) == 5
    assert [o.id for o in read_orders(tmp_path / "d")] == ["ORD-2001"]


def test_unreadable_path_is_an_order_file_error(tmp_path: Path) -> None:
    with pytest.raises(OrderFileError, match="cannot read the file") as info:
        read_orders(tmp_path / "missing.json")
    assert info.value.file.endswith("missing.json")


def test_bom_is_accepted_in_json_and_csv() -> None:
    bom = codecs.BOM_UTF8
    assert [o.id for o in read_orders_json(bom + json_bytes(one_order()))] == ["ORD-1"]
    orders = read_orders_csv(bom + (FIXTURES / "orders-sample.csv").read_bytes())
    assert orders[0].id == "ORD-2001"  # the BOM did not become part of "order_id"


def test_crlf_line_endings_work_and_keep_line_numbers() -> None:
    data = (FIXTURES / "orders-sample.csv").read_bytes().replace(b"\n", b"\r\n")
    order = read_orders_csv(data)[0]
    assert order.lines[1].hs_code == ""  # no stray "\r" in the last cell
    assert order.lines[1].barcodes == ["4607001002017", "4607001002024"]

    crlf_json = json.dumps({"orders": [one_order()]}, indent=2).replace("\n", "\r\n")
    assert read_orders_json(crlf_json.encode())[0].lines[0].qty == 1
    broken = f"{CSV_HEADER}\r\nO1,N,A,Item,,1,5,false\r\nO1,N,B,Item,,two,5,false\r\n"
    assert csv_error(broken) == "line 3, column qty: expected a whole number, got 'two'"


@pytest.mark.parametrize("reader", [read_orders_json, read_orders_csv])
def test_invalid_utf8_names_line_and_byte_offset(reader: Any) -> None:
    data = b'{"orders": []}\n' if reader is read_orders_json else b"order_id,sku,qty\n"
    data += b"O1,\xff\n"
    with pytest.raises(OrderFileError) as info:
        reader(data, "f")
    offset = data.index(b"\xff")
    assert str(info.value) == f"line 2: invalid UTF-8 at byte offset {offset} (byte 0xff)"


@pytest.mark.parametrize("data", [b"", b"  \n\r\n", codecs.BOM_UTF8])
@pytest.mark.parametrize("reader", [read_orders_json, read_orders_csv])
def test_empty_file_is_an_error(reader: Any, data: bytes) -> None:
    with pytest.raises(OrderFileError, match="the file is empty"):
        reader(data)


# --------------------------------------------------------------------------- JSON structure


def test_broken_json_names_line_and_column() -> None:
    data = b'{"orders": [\n  {"id": "ORD-1",\n   "qty": }\n]}'
    assert json_error(data) == "line 3 column 11: Expecting value"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"orders": [] } x', "line 1 column 17: Extra data"),
        (b'{"orders": [{"id": "A"} {"id": "B"}]}', "line 1 column 25: Expecting ',' delimiter"),
        (b'{"orders": [{"id": "A"},]}', "line 1 column 25: Expecting value"),
        (b'{"orders" []}', "line 1 column 11: Expecting ':' delimiter"),
        (b"{orders: []}", "line 1 column 2: Expecting property name enclosed in double quotes"),
        (b'{"orders": [', "line 1 column 13: Expecting value"),
    ],
)
def test_json_syntax_errors_anywhere_are_located(data: bytes, message: str) -> None:
    assert json_error(data) == message


def test_bare_list_and_unknown_top_level_keys_are_accepted() -> None:
    assert [o.id for o in read_orders_json(json.dumps([one_order()]).encode())] == ["ORD-1"]
    doc = {"version": 3, "meta": {"x": [1, 2]}, "orders": [one_order()], "after": None}
    assert [o.id for o in read_orders_json(json.dumps(doc).encode())] == ["ORD-1"]
    assert read_orders_json(b'{"orders": []}') == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"orders": {"id": "A"}}', "orders: expected a list, got an object"),
        (b'{"orders": null}', "orders: expected a list, got null"),
        (b'{"order": []}', 'top level: expected an object with an "orders" list'),
        (b"42", 'top level: expected an object with an "orders" list'),
        (b'{"orders": [], "orders": []}', 'orders: the "orders" key appears twice'),
    ],
)
def test_top_level_structure_errors(data: bytes, message: str) -> None:
    assert json_error(data).startswith(message)


def test_unknown_fields_are_ignored_at_every_level() -> None:
    order = one_order(gift_wrap=True, customer={"name": "A", "vip": {"level": 3}})
    order["lines"][0]["colour"] = "red"
    order["address"]["floor"] = 4
    [read] = read_orders_json(json_bytes(order))
    assert read.customer.name == "A"
    assert read.lines[0].sku == "A"
    assert read.address.city == "Москва"


def test_missing_fields_get_defaults_for_validation_to_report() -> None:
    [order] = read_orders_json(b'{"orders": [{"id": "ORD-9", "lines": [{}]}]}')
    assert order.ship_by is None
    assert (order.customer.name, order.customer.locale, order.address.country) == ("", "ru", "")
    line = order.lines[0]
    assert (line.sku, line.qty, line.unit_weight_g, line.barcodes) == ("", 0, None, [])
    assert line.unit_price is None
    [no_lines] = read_orders_json(b'[{"id": "ORD-9", "customer": null, "lines": null}]')
    assert no_lines.lines == []


def test_values_are_normalised_but_not_judged() -> None:
    order = one_order(currency="rub", declared_value=" 12.50 ")
    order["customer"]["locale"] = "EN-gb"
    order["address"]["country"] = " kz "
    order["lines"][0].update({"qty": -3, "price": "99.90", "barcodes": [" 123 ", ""]})
    [read] = read_orders_json(json_bytes(order))
    assert read.customer.locale == "en"
    assert read.address.country == "KZ"
    assert (read.declared_value, read.currency) == (Decimal("12.50"), "RUB")
    assert read.lines[0].qty == -3  # a value problem: validation's job
    assert read.lines[0].unit_price == Decimal("99.90")
    assert read.lines[0].barcodes == ["123"]


def test_whole_number_written_as_float_is_accepted() -> None:
    order = one_order(priority=1.0)
    order["lines"][0]["qty"] = 2.0
    [read] = read_orders_json(json_bytes(order))
    assert (read.priority, read.lines[0].qty) == (1, 2)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("lines", 0, "qty"), "two", 'lines[0].qty: expected a whole number, got "two"'),
        (("lines", 0, "qty"), 1.5, "lines[0].qty: expected a whole number, got 1.5"),
        (("lines", 0, "qty"), True, "lines[0].qty: expected a whole number, got true"),
        (("priority",), "1", 'priority: expected a whole number, got "1"'),
        (("lines", 0, "unit_weight_g"), "heavy", 'unit_weight_g: expected a number, got "heavy"'),
        (("lines", 0, "unit_weight_g"), False, "unit_weight_g: expected a number, got false"),
        (("lines", 0, "barcodes"), "4601234567893", "lines[0].barcodes: expected a list"),
        (("lines", 0, "barcodes"), [4601234567893], "barcodes[0]: expected a string, got 4601"),
        (("lines", 0, "fragile"), "yes", 'lines[0].fragile: expected true or false, got "yes"'),
        (("lines", 0, "marked"), 1, "lines[0].marked: expected true or false, got 1"),
        (("lines", 0, "price"), "free", 'lines[0].price: expected an amount, got "free"'),
        (
            ("ship_by",),
            "tomorrow",
            'ship_by: expected an ISO-8601 date-time with a timezone, got "',
        ),
        (("ship_by",), "2026-11-27T12:00:00", "ship_by: expected an ISO-8601 date-time with a"),
        (("ship_by",), 1764234000, "ship_by: expected an ISO-8601 date-time with a timezone, got"),
        (("customer",), "Анна", 'customer: expected an object, got "Анна"'),
        (("customer", "phone"), 79161234567, "customer.phone: expected a string, got 7916"),
        (("address", "postcode"), 125009, "address.postcode: expected a string, got 125009"),
        (("lines",), {"sku": "A"}, "lines: expected a list, got an object"),
        (("lines", 0), "A x1", 'lines[0]: expected an object, got "A x1"'),
        (("declared_value",), "lots", 'declared_value: expected an amount, got "lots"'),
        (("declared_value",), {"amount": True}, "declared_value.amount: expected an amount"),
        (("id",), 17, "id: expected a string, got 17"),
    ],
)
def test_type_errors_name_the_json_path(path: tuple[Any, ...], value: Any, message: str) -> None:
    second = one_order(id="ORD-2")
    target: Any = second
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    error = json_error(json_bytes(one_order(), second))
    assert error.startswith("orders[1].")
    assert message in error
    assert "\n" not in error


def test_non_finite_numbers_are_type_errors() -> None:
    data = json_bytes(one_order()).replace(b'"qty": 1', b'"qty": 1, "unit_weight_g": NaN')
    assert json_error(data) == "orders[0].lines[0].unit_weight_g: expected a number, got NaN"


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (b"10" * 10, "orders[0].lines[0].qty: expected a whole number, got 1010"),
        (b"1e999999999", "orders[0].lines[0].qty: expected a whole number, got 1E+999999999"),
        (b"9" * 5000, "unreadable JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_absurd_numbers_are_file_errors_not_huge_ints(literal: bytes, message: str) -> None:
    error = json_error(json_bytes(one_order()).replace(b'"qty": 1', b'"qty": ' + literal))
    assert error.startswith(message)
    assert len(error) < 200
    assert "expected a number, got 1E+99" in json_error(
        json_bytes(one_order()).replace(b'"qty": 1', b'"qty": 1, "unit_weight_g": 1e99')
    )
    assert csv_error(b"order_id,sku,qty\nO1,A,1e999999999\n").startswith(
        "line 2, column qty: expected a whole number"
    )


def test_order_that_is_not_an_object() -> None:
    assert json_error(json_bytes(one_order(), "ORD-2")) == (
        'orders[1]: expected an object, got "ORD-2"'
    )


@pytest.mark.parametrize(
    ("order_id", "message"),
    [(None, "order id is missing"), ("", "order id is empty"), ("   ", "order id is empty")],
)
def test_order_without_id_cannot_be_read(order_id: str | None, message: str) -> None:
    assert json_error(json_bytes(one_order(id=order_id))) == f"orders[0].id: {message}"
    no_key = one_order()
    del no_key["id"]
    assert json_error(json_bytes(no_key)) == "orders[0].id: order id is missing"


def test_duplicate_order_id_names_both_positions() -> None:
    data = json_bytes(one_order(id="A"), one_order(id="B"), one_order(id=" A"))
    assert json_error(data) == 'orders[2].id: duplicate order id "A" (first at orders[0])'


def test_json_orders_are_yielded_before_a_later_error() -> None:
    data = json_bytes(one_order(id="A"), one_order(id="B", priority="high"))
    orders = iter_orders_json(data)
    assert next(orders).id == "A"
    with pytest.raises(OrderFileError, match=r"^orders\[1\]\.priority"):
        next(orders)


def test_long_values_are_shortened_in_messages() -> None:
    error = json_error(json_bytes(one_order(priority="x" * 500)))
    assert len(error) < 120
    assert error.endswith('…"')


# --------------------------------------------------------------------------- CSV structure


def test_csv_missing_required_columns_are_named() -> None:
    assert (
        csv_error("order_id,name,barcodes\nO1,Item,123\n") == "line 1: missing column(s): sku, qty"
    )


def test_csv_duplicate_known_column_is_an_error() -> None:
    assert csv_error("order_id,sku,qty,qty\nO1,A,1,2\n") == "line 1: duplicate column(s): qty"


def test_csv_header_only_gives_no_orders_and_header_is_case_insensitive() -> None:
    assert read_orders_csv(b"order_id,sku,qty\n") == []
    [order] = read_orders_csv(b" Order_ID , SKU ,Qty,Colour\nO1,A,2,red\n")
    assert (order.id, order.lines[0].sku, order.lines[0].qty) == ("O1", "A", 2)


def test_csv_wrong_cell_count_names_the_line() -> None:
    text = f"{CSV_HEADER}\nO1,N,A,Item,,1,5,false\nO1,N,B,Item,,1,5\n"
    assert csv_error(text) == "line 3: expected 8 cells as in the header, got 7"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("O1,N,A,Item,,two,5,false", "line 3, column qty: expected a whole number, got 'two'"),
        ("O1,N,A,Item,,1.5,5,false", "line 3, column qty: expected a whole number, got '1.5'"),
        ("O1,N,A,Item,,1,5g,false", "line 3, column unit_weight_g: expected a number, got '5g'"),
        ("O1,N,A,Item,,1,NaN,false", "line 3, column unit_weight_g: expected a number, got 'NaN'"),
        ("O1,N,A,Item,,1,5,maybe", "line 3, column fragile: expected true/false, yes/no or 1/0"),
        (",N,A,Item,,1,5,false", "line 3, column order_id: order id is empty"),
    ],
)
def test_csv_type_errors_name_line_and_column(cells: str, message: str) -> None:
    text = f"{CSV_HEADER}\nO0,N,A,Item,,1,5,false\n{cells}\n"
    assert csv_error(text).startswith(message)


def test_csv_ship_by_must_have_a_timezone() -> None:
    text = "order_id,sku,qty,ship_by\nO1,A,1,2026-11-27 12:00\n"
    assert csv_error(text).startswith("line 2, column ship_by: expected an ISO-8601 date-time")
    [order] = read_orders_csv(b"order_id,sku,qty,ship_by\nO1,A,1,2026-11-27T09:00:00Z\n")
    assert order.ship_by == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("TRUE", True), ("Yes", True), ("1", True)]
    + [("false", False), ("No", False), ("0", False), ("", False)],
)
def test_csv_booleans(cell: str, expected: bool) -> None:
    [order] = read_orders_csv(f"{CSV_HEADER}\nO1,N,A,Item,,1,5,{cell}\n".encode())
    assert order.lines[0].fragile is expected


def test_csv_rows_of_an_order_anywhere_in_the_file_are_grouped() -> None:
    text = (
        "order_id,customer_name,priority,sku,qty\n"
        "O2,Second,1,X,1\n"
        "\n"
        "O1,First,0,A,1\n"
        ",,,,\n"
        "O2,Other name,2,Y,3\n"
    )
    orders = read_orders_csv(text.encode())
    assert [o.id for o in orders] == ["O2", "O1"]  # first-seen order
    second = orders[0]
    assert [ln.sku for ln in second.lines] == ["X", "Y"]
    assert (second.customer.name, second.priority) == ("Second", 1)  # first row wins
    assert [o.source for o in orders] == ["line 2", "line 4"]


def test_csv_orders_stream_in_first_seen_order() -> None:
    text = "order_id,sku,qty\nO1,A,1\nO2,B,1\nO1,C,1\nO3,D,two\n"
    orders = iter_orders_csv(text.encode())
    # O1 completes at line 4 and O2 is already complete, both come before line 5 fails.
    assert [next(orders).id, next(orders).id] == ["O1", "O2"]
    with pytest.raises(OrderFileError, match="^line 5, column qty"):
        next(orders)


def test_csv_structural_errors_come_before_any_order() -> None:
    orders = iter_orders_csv(b"order_id,sku,qty\nO1,A,1\nO2,B\n")
    with pytest.raises(OrderFileError, match="^line 3: expected 3 cells"):
        next(orders)


def test_csv_multiline_cell_keeps_physical_line_numbers() -> None:
    text = 'order_id,sku,qty,line1\nO1,A,1,"flat 2\nentrance 3"\nO1,B,x,\n'
    assert csv_error(text) == "line 4, column qty: expected a whole number, got 'x'"
    [order] = read_orders_csv(text.replace(",x,", ",1,").encode())
    assert order.address.line1 == "flat 2\nentrance 3"


def test_csv_unclosed_quote_is_an_error_not_a_swallowed_file() -> None:
    error = csv_error('order_id,sku,qty\nO1,A,1\nO2,"B,1\nO3,C,1\n')
    assert error.startswith("line 3: malformed CSV")


def test_csv_optional_columns_and_semicolon_delimiter() -> None:
    text = (
        "order_id;sku;qty;price;declared_value;currency;carrier;locale;country\n"
        "O1;A;1;99.90;1000;rub;OZON-COURIER;de;by\n"
    )
    [order] = read_orders_csv(text.encode())
    assert order.lines[0].unit_price == Decimal("99.90")
    assert (order.declared_value, order.currency) == (Decimal(1000), "RUB")
    assert order.carrier == "OZON-COURIER"
    assert (order.customer.locale, order.address.country) == ("ru", "BY")


def test_csv_barcodes_split_on_pipe_ignoring_blanks() -> None:
    [order] = read_orders_csv(b"order_id,sku,qty,barcodes\nO1,A,1, 111 || 222 |\n")
    assert order.lines[0].barcodes == ["111", "222"]


# --------------------------------------------------------------------------- helpers, robustness


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ru", "ru"), ("EN", "en"), ("en_GB", "en"), ("ru-RU", "ru"), ("", "ru"), ("kk", "ru")],
)
def test_normalise_locale(value: str, expected: str) -> None:
    assert normalise_locale(value) == expected


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_either_read_or_raise_order_file_error(data: bytes) -> None:
    for reader in (read_orders_json, read_orders_csv):
        try:
            orders = reader(data, "x")
        except OrderFileError as e:
            assert str(e)
            assert "\n" not in str(e)
        else:
            assert all(o.id for o in orders)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
order_keys = st.sampled_from(["id", "priority", "ship_by", "customer", "address", "lines"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(order_keys, json_values), max_size=3))
def test_any_json_document_either_reads_or_raises_order_file_error(orders: list[Any]) -> None:
    try:
        result = read_orders_json(json.dumps({"orders": orders}).encode())
    except OrderFileError as e:
        assert "\n" not in str(e)
    else:
        assert len(result) == len(orders)
