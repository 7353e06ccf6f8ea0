"""The seed's first stage: can this order be packed and shipped as received?

Every problem is reported at once (not just the first), each on a dotted field
path (``customer.phone``, ``lines[1].barcodes[0]``), because an invalid order
goes back to the buyer for correction and one round trip must fix it all.
Pure and total: no I/O, and it never raises on odd data, since one bad order
must not abort an import of thousands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from packstation.domain.orders import Address, Customer, LineData, OrderData, Problem

__all__ = ["ISO_COUNTRIES", "SIX_DIGIT_POSTCODE_COUNTRIES", "normalise_phone", "validate_order"]

#: ISO 3166-1 alpha-2 codes officially assigned (249). A shape check alone would
#: let "UK" or "EN" through, and the carrier would then reject the label.
_ISO_COUNTRY_TABLE = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_COUNTRY_TABLE.split())

#: Countries whose postal codes are exactly six digits (Russia, Kazakhstan, Belarus).
SIX_DIGIT_POSTCODE_COUNTRIES = frozenset({"RU", "KZ", "BY"})

_PHONE = re.compile(r"\+[0-9]{7,15}")
# local@domain.tld: no spaces, control characters or second "@"; dotted domain with a
# 2+ character TLD. Deliberately not RFC 5322: it catches typos, not exotic addresses.
_EMAIL = re.compile(r"[^@\s\x00-\x1f]+@(?:[^@\s\x00-\x1f.]+\.)+[^@\s\x00-\x1f.]{2,}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_HS_CODE = re.compile(r"[0-9]{6,10}")
_PHONE_SEPARATORS = str.maketrans("", "", " \t\u00a0-().")
_HS_SEPARATORS = str.maketrans("", "", " .")
_SHOW_MAX = 40

Add = Callable[[str, str], None]


def normalise_phone(phone: str) -> str:
    """Drop the separators people type ("+7 (916) 123-45-67" -> "+79161234567").

    Nothing is guessed: a national "8 916 ..." stays as it is and fails
    validation, because the country code cannot be known for sure (KZ also
    dials 8, BY's national prefix is 80).
    """
    return phone.strip().translate(_PHONE_SEPARATORS)


def validate_order(order: OrderData, barcode_problem: Callable[[str], str | None]) -> list[Problem]:
    """Every reason `order` cannot be packed as received; empty when it can.

    `barcode_problem(code)` returns None for a good item code, else a short
    message (it is `packstation.domain.check_digits.barcode_problem` in the app).
    """
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(field, message))

    _check_customer(order.customer, add)
    _check_address(order.address, add)
    _check_order(order, add)
    _check_lines(order.lines, barcode_problem, add)
    return problems


def validate_channel_order(
    order: OrderData, barcode_problem: Callable[[str], str | None]
) -> list[Problem]:
    """A marketplace order: the marketplace keeps the buyer and the address (its label, its
    chat), so only what the station itself checks is required: ship-by and the lines."""
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(field, message))

    _check_order(order, add)
    _check_lines(order.lines, barcode_problem, add)
    return problems


def _show(value: str) -> str:
    return repr(value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…")


def _check_customer(customer: Customer, add: Add) -> None:
    if not customer.name.strip():
        add("customer.name", "required")
    # A given but malformed contact is always a problem (that notification would
    # fail); having no valid contact at all is a separate one: nobody can be told.
    phone = customer.phone.strip()
    email = customer.email.strip()
    phone_ok = bool(_PHONE.fullmatch(normalise_phone(phone)))
    email_ok = bool(_EMAIL.fullmatch(email))
    if phone and not phone_ok:
        add("customer.phone", f"must be + and 7 to 15 digits, got {_show(phone)}")
    if email and not email_ok:
        add("customer.email", f"not a valid email address: {_show(email)}")
    if not phone_ok and not email_ok:
        add("customer", "a phone or an email is required")


def _check_address(address: Address, add: Add) -> None:
    country = address.country.strip().upper()
    if not country:
        add("address.country", "required")
    elif country not in ISO_COUNTRIES:
        add(
            "address.country",
            f"must be an ISO 3166 two-letter country code, got {_show(address.country)}",
        )
    if not address.city.strip():
        add("address.city", "required")
    postcode = address.postcode.strip()
    if country in SIX_DIGIT_POSTCODE_COUNTRIES:
        if not postcode:
            add("address.postcode", f"required (6 digits for {country})")
        elif not _SIX_DIGITS.fullmatch(postcode):
            add("address.postcode", f"must be 6 digits for {country}, got {_show(postcode)}")
    elif not postcode:
        add("address.postcode", "required")
    if not address.line1.strip():
        add("address.line1", "required")


def _check_amount(value: Decimal, field: str, add: Add) -> None:
    if not value.is_finite():
        add(field, f"must be a number, got {value}")
    elif value < 0:
        add(field, f"must be 0 or more, got {value}")


def _check_order(order: OrderData, add: Add) -> None:
    if order.ship_by is None:
        add("ship_by", "required")  # the packing queue is ordered by deadline
    elif order.deliver_by is not None and order.deliver_by < order.ship_by.date():
        add("deliver_by", f"{order.deliver_by} is before ship_by ({order.ship_by.date()})")
    if order.priority < 0:
        add("priority", f"must be 0 or more, got {order.priority}")
    currency = order.currency.strip()
    if order.declared_value is not None:
        _check_amount(order.declared_value, "declared_value", add)
        if not currency:
            add("currency", "required with declared_value")
    if currency and not _CURRENCY.fullmatch(currency):
        add("currency", f"must be a three-letter ISO 4217 code, got {_show(currency)}")


def _check_lines(
    lines: list[LineData], barcode_problem: Callable[[str], str | None], add: Add
) -> None:
    # Once per line of every imported file: field paths are made only for a problem.
    if not lines:
        add("lines", "at least one line is required")
    first_with_sku: dict[str, int] = {}
    for i, line in enumerate(lines):
        sku = line.sku.strip()
        if not sku:
            add(f"lines[{i}].sku", "required")
        else:
            first = first_with_sku.setdefault(sku, i)
            if first != i:
                add(f"lines[{i}].sku", f"duplicate of lines[{first}] ({_show(sku)})")
        if not line.name.strip():
            add(f"lines[{i}].name", "required")  # shown to the packer, printed on customs forms
        if line.qty <= 0:
            add(f"lines[{i}].qty", f"must be more than 0, got {line.qty}")
        weight = line.unit_weight_g
        if weight is None:
            add(f"lines[{i}].unit_weight_g", "required (the parcel weight check needs it)")
        elif not (weight.is_finite() and weight >= 0):
            _check_amount(weight, f"lines[{i}].unit_weight_g", add)
        price = line.unit_price
        if price is not None and not (price.is_finite() and price >= 0):
            _check_amount(price, f"lines[{i}].unit_price", add)
        hs_code = line.hs_code.strip()
        if hs_code and not _HS_CODE.fullmatch(hs_code.translate(_HS_SEPARATORS)):
            add(f"lines[{i}].hs_code", f"must be 6 to 10 digits, got {_show(hs_code)}")
        for j, code in enumerate(line.barcodes):
            code = code.strip()
            message = barcode_problem(code) if code else "empty barcode"
            if message:
                add(f"lines[{i}].barcodes[{j}]", message)
