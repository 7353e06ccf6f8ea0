"""JSON order files: ``{"orders": [...]}`` or a bare list, decoded one order at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from packstation.domain.dimensions import DIM_FIELDS
from packstation.domain.instructions import (
    MAX_INSERT_TEXT,
    Instruction,
    InstructionError,
    instruction_from,
)
from packstation.domain.intake.decoding import _decode
from packstation.domain.intake.errors import OrderFileError, _FieldError
from packstation.domain.intake.fields import (
    _INT_LIMIT,
    DAY_EXPECTED,
    _dims,
    _parse_datetime,
    _parse_day,
    _parse_decimal,
    _sane,
    _serial_kind,
    _show,
    _whole,
    normalise_locale,
)
from packstation.domain.intake.limits import DEFAULT_LIMITS, IntakeLimits
from packstation.domain.orders import Address, Customer, LineData, OrderData

_TOP_LEVEL = 'an object with an "orders" list, or a list of orders'
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Decimal)
_JSON_WS = re.compile(r"[ \t\n\r]*")


def read_orders_json(
    data: bytes, name: str = "<json>", limits: IntakeLimits = DEFAULT_LIMITS
) -> list[OrderData]:
    """Read ``{"orders": [...]}`` or a bare list of orders."""
    return list(iter_orders_json(data, name, limits))


def iter_orders_json(
    data: bytes, name: str = "<json>", limits: IntakeLimits = DEFAULT_LIMITS
) -> Iterator[OrderData]:
    """Parse the orders list element by element: the full JSON tree never exists at once."""
    text = _decode(data, name)
    del data  # the text is all that is needed from here on (the caller may drop its bytes)
    pos = _skip_ws(text, 0)
    if pos == len(text):
        raise OrderFileError(name, "", "the file is empty")
    depth = limits.max_json_depth
    try:
        first = text[pos]
        if first == "[":
            pos = yield from _json_orders_array(text, pos, name, depth)
        elif first == "{":
            pos = yield from _json_top_object(text, pos, name, depth)
        else:
            value, _ = _decode_value(text, pos, name, "top level", depth)
            raise OrderFileError(name, "top level", f"expected {_TOP_LEVEL}, got {_show(value)}")
        pos = _skip_ws(text, pos)
        if pos != len(text):
            raise json.JSONDecodeError("Extra data", text, pos)
    except json.JSONDecodeError as e:
        raise OrderFileError(name, f"line {e.lineno} column {e.colno}", e.msg) from None
    except ValueError as e:  # e.g. an integer literal of thousands of digits
        raise OrderFileError(name, "", f"unreadable JSON: {e}") from None
    except RecursionError:  # not inside a value (`_decode_value` names where)
        raise OrderFileError(name, "", _too_deep(depth)) from None


def _skip_ws(text: str, pos: int) -> int:
    match = _JSON_WS.match(text, pos)
    return match.end() if match else pos


def _too_deep(limit: int) -> str:
    return f"JSON nested deeper than {limit} levels (an order needs 4)"


def _depth_over(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (the value itself is 1)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item if isinstance(v, dict | list))
    return False


def _decode_value(text: str, pos: int, name: str, where: str, limit: int) -> tuple[Any, int]:
    """One JSON value at `pos` and the position after it, nested at most `limit` levels.

    Deeper than the decoder's recursion guard (about 1,000 levels) it stops at once with a
    RecursionError; below that, a value whose brackets could nest deeper than `limit`
    (more of them than `limit`: rare, large orders) is measured."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise OrderFileError(name, where, _too_deep(limit)) from None
    if isinstance(value, dict | list) and (
        text.count("[", pos, end) + text.count("{", pos, end) > limit and _depth_over(value, limit)
    ):
        raise OrderFileError(name, where, _too_deep(limit))
    return value, end


def _json_top_object(text: str, pos: int, name: str, depth: int) -> Generator[OrderData, None, int]:
    """Walk the top-level object's keys, streaming "orders" and skipping the rest."""
    pos = _skip_ws(text, pos + 1)
    found = False
    if text.startswith("}", pos):
        pos += 1
    else:
        while True:
            if not text.startswith('"', pos):
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, pos
                )
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip_ws(text, pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            pos = _skip_ws(text, pos + 1)
            if key != "orders":  # unknown top-level field: ignored
                _, pos = _decode_value(text, pos, name, _show(key), depth)
            elif found:
                raise OrderFileError(name, "orders", 'the "orders" key appears twice')
            elif text.startswith("[", pos):
                found = True
                pos = yield from _json_orders_array(text, pos, name, depth)
            else:
                value, pos = _decode_value(text, pos, name, "orders", depth)
                raise OrderFileError(name, "orders", f"expected a list, got {_show(value)}")
            pos = _skip_ws(text, pos)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
            elif text.startswith("}", pos):
                pos += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    if not found:
        raise OrderFileError(name, "top level", f"expected {_TOP_LEVEL}, got an object")
    return pos


def _json_orders_array(
    text: str, pos: int, name: str, depth: int
) -> Generator[OrderData, None, int]:
    """Decode, convert and yield one order at a time from the list starting at `pos`."""
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    first_seen: dict[str, int] = {}
    i = 0
    while True:
        item, pos = _decode_value(text, pos, name, f"orders[{i}]", depth)
        try:
            order = _json_order(item, f"orders[{i}]")
        except _FieldError as e:
            raise OrderFileError(name, e.where, e.detail) from None
        first = first_seen.setdefault(order.id, i)
        if first != i:
            raise OrderFileError(
                name,
                f"orders[{i}].id",
                f"duplicate order id {_show(order.id)} (first at orders[{first}])",
            )
        del item
        yield order
        i += 1
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
        elif text.startswith("]", pos):
            return pos + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _j_obj(parent: dict[str, Any], key: str, base: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise _FieldError(f"{base}.{key}", f"expected an object, got {_show(value)}")


def _j_str(obj: dict[str, Any], key: str, base: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    raise _FieldError(f"{base}.{key}", f"expected a string, got {_show(value)}")


def _j_int(obj: dict[str, Any], key: str, base: str) -> int:
    value = obj.get(key)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return value
    if isinstance(value, Decimal):
        whole = _whole(value)  # 2.0 is a whole number written by a float-happy exporter
        if whole is not None:
            return whole
    raise _FieldError(f"{base}.{key}", f"expected a whole number, got {_show(value)}")


def _j_number(obj: dict[str, Any], key: str, base: str) -> Decimal | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return Decimal(value)
    if isinstance(value, Decimal) and _sane(value):
        return value
    raise _FieldError(f"{base}.{key}", f"expected a number, got {_show(value)}")


def _j_money(obj: dict[str, Any], key: str, base: str) -> Decimal | None:
    """Money may be a JSON number or a decimal string ("5490.00"), as exporters differ."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        parsed = _parse_decimal(value.strip())
        if parsed is not None:
            return parsed
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return Decimal(value)
    elif isinstance(value, Decimal) and _sane(value):
        return value
    raise _FieldError(f"{base}.{key}", f"expected an amount, got {_show(value)}")


def _j_bool(obj: dict[str, Any], key: str, base: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise _FieldError(f"{base}.{key}", f"expected true or false, got {_show(value)}")


def _j_datetime(obj: dict[str, Any], key: str, base: str) -> datetime | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        parsed = _parse_datetime(value.strip())
        if parsed is not None:
            return parsed
    raise _FieldError(
        f"{base}.{key}", f"expected an ISO-8601 date-time with a timezone, got {_show(value)}"
    )


def _j_day(obj: dict[str, Any], key: str, base: str) -> date | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        parsed = _parse_day(value.strip())
        if parsed is not None:
            return parsed
    raise _FieldError(f"{base}.{key}", f"expected {DAY_EXPECTED}, got {_show(value)}")


def _j_serial(obj: dict[str, Any], base: str) -> str:
    value = obj.get("serial")
    if value is None or value is False:
        return ""
    if isinstance(value, str):
        return _serial_kind(value, f"{base}.serial", _show(value))
    raise _FieldError(f"{base}.serial", f'expected "serial" or "imei", got {_show(value)}')


def _j_barcodes(obj: dict[str, Any], base: str) -> list[str]:
    value = obj.get("barcodes")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _FieldError(f"{base}.barcodes", f"expected a list of strings, got {_show(value)}")
    codes: list[str] = []
    for k, code in enumerate(value):
        if not isinstance(code, str):
            raise _FieldError(f"{base}.barcodes[{k}]", f"expected a string, got {_show(code)}")
        code = code.strip()
        if code:
            codes.append(code)
    return codes


def _j_instructions(obj: dict[str, Any], base: str, source: str) -> list[Instruction]:
    """An ``instructions`` list of strings or {text, confirm, step} objects."""
    value = obj.get("instructions")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _FieldError(f"{base}.instructions", f"expected a list, got {_show(value)}")
    try:
        return [
            instruction_from(v, f"{base}.instructions[{k}]", source) for k, v in enumerate(value)
        ]
    except InstructionError as e:
        raise _FieldError(e.where, e.detail) from None


def _j_gift_note(obj: dict[str, Any], base: str) -> str:
    note = _j_str(obj, "gift_note", base)
    if len(note) > MAX_INSERT_TEXT:
        raise _FieldError(f"{base}.gift_note", f"longer than {MAX_INSERT_TEXT} characters")
    return note


def _json_line(item: Any, base: str) -> LineData:
    if not isinstance(item, dict):
        raise _FieldError(base, f"expected an object, got {_show(item)}")
    price = _j_money(item, "unit_price", base)
    if price is None:
        price = _j_money(item, "price", base)
    return LineData(
        sku=_j_str(item, "sku", base),
        name=_j_str(item, "name", base),
        barcodes=_j_barcodes(item, base),
        qty=_j_int(item, "qty", base),
        unit_weight_g=_j_number(item, "unit_weight_g", base),
        fragile=_j_bool(item, "fragile", base),
        liquid=_j_bool(item, "liquid", base),
        marked=_j_bool(item, "marked", base),
        hs_code=_j_str(item, "hs_code", base),
        unit_price=price,
        dims_mm=_dims([_j_number(item, f, base) for f in DIM_FIELDS], f"{base}."),
        serial=_j_serial(item, base),
        instructions=_j_instructions(item, base, f"sku:{_j_str(item, 'sku', base)}"),
    )


def _json_order(item: Any, base: str) -> OrderData:
    if not isinstance(item, dict):
        raise _FieldError(base, f"expected an object, got {_show(item)}")
    if item.get("id") is None:
        raise _FieldError(f"{base}.id", "order id is missing")
    order_id = _j_str(item, "id", base)
    if not order_id:
        raise _FieldError(f"{base}.id", "order id is empty")

    cust = _j_obj(item, "customer", base)
    cbase = f"{base}.customer"
    addr = _j_obj(item, "address", base)
    abase = f"{base}.address"

    currency = _j_str(item, "currency", base)
    declared = item.get("declared_value")
    if isinstance(declared, dict):
        dbase = f"{base}.declared_value"
        declared_value = _j_money(declared, "amount", dbase)
        currency = _j_str(declared, "currency", dbase) or currency
    else:
        declared_value = _j_money(item, "declared_value", base)

    raw_lines = item.get("lines")
    if raw_lines is None:
        raw_lines = []
    elif not isinstance(raw_lines, list):
        raise _FieldError(f"{base}.lines", f"expected a list, got {_show(raw_lines)}")

    return OrderData(
        id=order_id,
        tote=_j_str(item, "tote", base),
        priority=_j_int(item, "priority", base),
        ship_by=_j_datetime(item, "ship_by", base),
        deliver_by=_j_day(item, "deliver_by", base),
        customer=Customer(
            name=_j_str(cust, "name", cbase),
            phone=_j_str(cust, "phone", cbase),
            email=_j_str(cust, "email", cbase),
            locale=normalise_locale(_j_str(cust, "locale", cbase)),
        ),
        address=Address(
            country=_j_str(addr, "country", abase).upper(),
            region=_j_str(addr, "region", abase),
            city=_j_str(addr, "city", abase),
            postcode=_j_str(addr, "postcode", abase),
            line1=_j_str(addr, "line1", abase),
            line2=_j_str(addr, "line2", abase),
        ),
        carrier=_j_str(item, "carrier", base),
        declared_value=declared_value,
        currency=currency.upper(),
        lines=[_json_line(line, f"{base}.lines[{j}]") for j, line in enumerate(raw_lines)],
        instructions=_j_instructions(item, base, "order"),
        gift_note=_j_gift_note(item, base),
        source=base,
    )
