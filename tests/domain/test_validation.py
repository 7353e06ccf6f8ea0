"""Intake validation: the fixture orders, then each rule on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.intake import read_orders
from packstation.domain.orders import Address, Customer, LineData, OrderData, Problem
from packstation.domain.validation import normalise_phone, validate_order

FIXTURES = Path(__file__).resolve().parents[2] / "packstation" / "data"


def gtin_problem(code: str) -> str | None:
    """A stand-in for check_digits.barcode_problem: GTIN-8/12/13/14 check digits, else fine."""
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13, 14):
        return None
    body = [int(d) for d in reversed(code[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    expected = (10 - total % 10) % 10
    if expected != int(code[-1]):
        return f"bad check digit: expected {expected}, got {code[-1]}"
    return None


def check(order: OrderData) -> list[Problem]:
    return validate_order(order, gtin_problem)


def fields(order: OrderData) -> set[str]:
    return {p.field for p in check(order)}


def good_order() -> OrderData:
    return OrderData(
        id="ORD-1",
        priority=0,
        ship_by=datetime(2026, 11, 27, 12, tzinfo=timezone(timedelta(hours=3))),
        customer=Customer(name="Анна Петрова", phone="+79161234567", email="anna@example.ru"),
        address=Address(country="RU", city="Москва", postcode="125009", line1="ул. Тверская, 7"),
        lines=[
            LineData(
                sku="MUG",
                name="Кружка",
                barcodes=["4601234567893"],
                qty=2,
                unit_weight_g=Decimal(320),
            ),
            LineData(
                sku="TEA", name="Чай", barcodes=["4607654321015"], qty=1, unit_weight_g=Decimal(110)
            ),
        ],
    )


def only(order: OrderData) -> Problem:
    problems = check(order)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- the fixtures


def test_gtin_fake_agrees_with_known_codes() -> None:
    assert gtin_problem("4006381333931") is None  # a published EAN-13
    assert gtin_problem("4006381333932") == "bad check digit: expected 1, got 2"
    assert gtin_problem("SKU-1") is None


def test_every_fixture_barcode_has_a_valid_check_digit() -> None:
    codes = [
        code
        for name in ("orders-sample.json", "orders-sample.csv")
        for order in read_orders(FIXTURES / name)
        for line in order.lines
        for code in line.barcodes
    ]
    assert len(codes) == 13
    assert [c for c in codes if gtin_problem(c) is not None] == []


def test_fixture_order_1004_has_exactly_its_contact_and_address_problems() -> None:
    orders = {o.id: o for o in read_orders(FIXTURES / "orders-sample.json")}
    problems = check(orders["ORD-1004"])
    assert {p.field for p in problems} == {
        "customer.email",
        "customer",
        "address.postcode",
        "address.line1",
    }
    assert Problem("address.postcode", "must be 6 digits for RU, got '42'") in problems
    assert Problem("customer", "a phone or an email is required") in problems


@pytest.mark.parametrize("order_id", ["ORD-1001", "ORD-1002", "ORD-1003", "ORD-1005"])
def test_fixture_orders_are_valid(order_id: str) -> None:
    orders = {o.id: o for o in read_orders(FIXTURES / "orders-sample.json")}
    assert check(orders[order_id]) == []


def test_csv_fixture_order_is_valid() -> None:
    [order] = read_orders(FIXTURES / "orders-sample.csv")
    assert check(order) == []


def test_good_order_is_valid_and_problems_are_all_reported_at_once() -> None:
    assert check(good_order()) == []
    order = good_order()
    order.customer.name = ""
    order.address.city = " "
    order.lines[0].qty = 0
    order.lines[1].barcodes = ["4607654321010"]
    assert fields(order) == {
        "customer.name",
        "address.city",
        "lines[0].qty",
        "lines[1].barcodes[0]",
    }


# --------------------------------------------------------------------------- customer


def test_customer_name_required() -> None:
    order = good_order()
    order.customer.name = "  "
    assert only(order) == Problem("customer.name", "required")


@pytest.mark.parametrize(
    "phone",
    ["+79161234567", "+7 (916) 123-45-67", "+1-202-555-0143", " +4930 1234567 ", "+1234567"],
)
def test_phone_accepted(phone: str) -> None:
    order = good_order()
    order.customer = Customer(name="A", phone=phone)
    assert check(order) == []


@pytest.mark.parametrize(
    "phone", ["89161234567", "+7916", "+7 916 abc 45 67", "+1234567890123456", "++79161234567"]
)
def test_phone_rejected_even_when_email_is_fine(phone: str) -> None:
    order = good_order()
    order.customer.phone = phone
    problem = only(order)
    assert problem.field == "customer.phone"
    assert problem.message == f"must be + and 7 to 15 digits, got {phone!r}"


@pytest.mark.parametrize("email", ["a@b.cc", "anna.petrova+shop@mail.example.ru", "ivan@пример.рф"])
def test_email_accepted(email: str) -> None:
    order = good_order()
    order.customer = Customer(name="A", email=email)
    assert check(order) == []


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "a b@c.de", "a@b@c.de", "@c.de", "a@.de", "a@c.d", "a@c..de"]
)
def test_email_rejected_even_when_phone_is_fine(email: str) -> None:
    order = good_order()
    order.customer.email = email
    assert only(order) == Problem("customer.email", f"not a valid email address: {email!r}")


def test_no_contact_at_all_is_one_problem() -> None:
    order = good_order()
    order.customer = Customer(name="A", phone=" ", email="")
    assert only(order) == Problem("customer", "a phone or an email is required")


def test_only_malformed_contacts_report_both_fields_and_the_missing_contact() -> None:
    order = good_order()
    order.customer = Customer(name="A", phone="12345", email="x@")
    assert fields(order) == {"customer.phone", "customer.email", "customer"}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+7 (916) 123-45-67", "+79161234567"),
        (" +7\u00a0916\t123.45.67 ", "+79161234567"),
        ("8 916 123 45 67", "89161234567"),  # no guessing of the country code
        ("", ""),
    ],
)
def test_normalise_phone(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised


def test_locale_is_not_judged() -> None:
    order = good_order()
    order.customer.locale = "klingon"
    assert check(order) == []


# --------------------------------------------------------------------------- address


@pytest.mark.parametrize(
    ("country", "postcode"), [("ru", "125009"), ("BY", "220030"), ("DE", "10115"), ("US", "A")]
)
def test_address_accepted(country: str, postcode: str) -> None:
    order = good_order()
    order.address.country = country
    order.address.postcode = postcode
    assert check(order) == []


@pytest.mark.parametrize(
    ("country", "problem"),
    [
        ("", Problem("address.country", "required")),
        ("UK", Problem("address.country", "must be an ISO 3166 two-letter country code, got 'UK'")),
        (
            "RUS",
            Problem("address.country", "must be an ISO 3166 two-letter country code, got 'RUS'"),
        ),
        ("R1", Problem("address.country", "must be an ISO 3166 two-letter country code, got 'R1'")),
    ],
)
def test_country_rejected(country: str, problem: Problem) -> None:
    order = good_order()
    order.address.country = country
    order.address.postcode = "X1"  # only non-empty is required outside RU/KZ/BY
    assert only(order) == problem


@pytest.mark.parametrize(
    ("country", "postcode", "message"),
    [
        ("RU", "42", "must be 6 digits for RU, got '42'"),
        ("KZ", "05000", "must be 6 digits for KZ, got '05000'"),
        ("BY", "220 030", "must be 6 digits for BY, got '220 030'"),
        ("RU", "12345a", "must be 6 digits for RU, got '12345a'"),
        ("RU", "", "required (6 digits for RU)"),
        ("DE", " ", "required"),
    ],
)
def test_postcode_rejected(country: str, postcode: str, message: str) -> None:
    order = good_order()
    order.address.country = country
    order.address.postcode = postcode
    assert only(order) == Problem("address.postcode", message)


@pytest.mark.parametrize("field", ["city", "line1"])
def test_address_city_and_line1_required(field: str) -> None:
    order = good_order()
    order.address = replace(order.address, **{field: ""})
    assert only(order) == Problem(f"address.{field}", "required")


def test_address_region_and_line2_optional() -> None:
    order = good_order()
    order.address.region = ""
    order.address.line2 = ""
    assert check(order) == []


# --------------------------------------------------------------------------- order fields


def test_ship_by_required() -> None:
    order = good_order()
    order.ship_by = None
    assert only(order) == Problem("ship_by", "required")


def test_priority_not_negative() -> None:
    order = good_order()
    order.priority = -1
    assert only(order) == Problem("priority", "must be 0 or more, got -1")


def test_declared_value_rules() -> None:
    order = good_order()
    order.declared_value = Decimal("5490.00")
    order.currency = "RUB"
    assert check(order) == []
    order.currency = ""
    assert only(order) == Problem("currency", "required with declared_value")
    order.currency = "руб"
    assert only(order) == Problem("currency", "must be a three-letter ISO 4217 code, got 'руб'")
    order.currency = "RUB"
    order.declared_value = Decimal("-1")
    assert only(order) == Problem("declared_value", "must be 0 or more, got -1")


# --------------------------------------------------------------------------- lines


def test_at_least_one_line() -> None:
    order = good_order()
    order.lines = []
    assert only(order) == Problem("lines", "at least one line is required")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sku": " "}, Problem("lines[1].sku", "required")),
        ({"sku": "MUG"}, Problem("lines[1].sku", "duplicate of lines[0] ('MUG')")),
        ({"name": ""}, Problem("lines[1].name", "required")),
        ({"qty": 0}, Problem("lines[1].qty", "must be more than 0, got 0")),
        ({"qty": -2}, Problem("lines[1].qty", "must be more than 0, got -2")),
        (
            {"unit_weight_g": Decimal("-0.5")},
            Problem("lines[1].unit_weight_g", "must be 0 or more, got -0.5"),
        ),
        (
            {"unit_weight_g": Decimal("NaN")},
            Problem("lines[1].unit_weight_g", "must be a number, got NaN"),
        ),
        (
            {"unit_price": Decimal(-10)},
            Problem("lines[1].unit_price", "must be 0 or more, got -10"),
        ),
        ({"hs_code": "85x"}, Problem("lines[1].hs_code", "must be 6 to 10 digits, got '85x'")),
        (
            {"barcodes": ["4607654321016"]},
            Problem("lines[1].barcodes[0]", "bad check digit: expected 5, got 6"),
        ),
        ({"barcodes": ["SKU-TEA", " "]}, Problem("lines[1].barcodes[1]", "empty barcode")),
    ],
)
def test_line_rules(change: dict[str, object], problem: Problem) -> None:
    order = good_order()
    order.lines[1] = replace(order.lines[1], **change)  # type: ignore[arg-type]
    assert only(order) == problem


@pytest.mark.parametrize(
    "change",
    [
        {"unit_weight_g": Decimal(0)},
        {"barcodes": []},
        {"hs_code": "8518.30"},
        {"hs_code": "8518300000"},
        {"unit_price": Decimal(0)},
    ],
)
def test_line_values_accepted(change: dict[str, object]) -> None:
    order = good_order()
    order.lines[1] = replace(order.lines[1], **change)  # type: ignore[arg-type]
    assert check(order) == []


def test_every_barcode_goes_through_the_given_checker() -> None:
    seen: list[str] = []

    def spy(code: str) -> str | None:
        seen.append(code)
        return "nope" if code == "B" else None

    order = good_order()
    order.lines[0].barcodes = ["A", " B "]
    problems = validate_order(order, spy)
    assert seen == ["A", "B", "4607654321015"]
    assert problems == [Problem("lines[0].barcodes[1]", "nope")]


# --------------------------------------------------------------------------- robustness

texts = st.text(max_size=20)
decimals = st.decimals(allow_nan=True, allow_infinity=True)
orders = st.builds(
    OrderData,
    id=texts,
    tote=texts,
    priority=st.integers(),
    ship_by=st.none() | st.datetimes(timezones=st.timezones() | st.none()),
    customer=st.builds(Customer, name=texts, phone=texts, email=texts, locale=texts),
    address=st.builds(
        Address,
        country=texts,
        region=texts,
        city=texts,
        postcode=texts,
        line1=texts,
        line2=texts,
    ),
    carrier=texts,
    declared_value=st.none() | decimals,
    currency=texts,
    lines=st.lists(
        st.builds(
            LineData,
            sku=texts,
            name=texts,
            barcodes=st.lists(texts | st.from_regex(r"[0-9]{8,14}", fullmatch=True), max_size=3),
            qty=st.integers(),
            unit_weight_g=decimals,
            hs_code=texts,
            unit_price=st.none() | decimals,
        ),
        max_size=4,
    ),
)
known_fields = (
    "customer",
    "address.",
    "ship_by",
    "priority",
    "declared_value",
    "currency",
    "lines",
)


@settings(max_examples=100, deadline=None)
@given(orders)
def test_validate_never_raises_and_problems_are_well_formed(order: OrderData) -> None:
    checker: Callable[[str], str | None] = gtin_problem
    problems = validate_order(order, checker)
    assert problems == validate_order(order, checker)  # deterministic
    for problem in problems:
        assert problem.field.startswith(known_fields)
        assert problem.message
        assert "\n" not in problem.message


def test_missing_unit_weight_is_a_problem() -> None:
    order = good_order()
    order.lines[1].unit_weight_g = None
    problem = only(order)
    assert problem.field == "lines[1].unit_weight_g" and "required" in problem.message
