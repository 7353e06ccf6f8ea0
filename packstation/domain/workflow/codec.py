"""JSON-safe encoding of the workflow's frozen values, driven by their type hints.

Records are stored as ``events.payload`` (JSON) and read back on recovery, so
the round trip must be exact: Decimals travel as strings (no float rounding),
datetimes and dates as ISO 8601, tuples as lists, enums as their values.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Union, get_args, get_origin, get_type_hints

from msgspec import Struct

__all__ = ["CodecError", "decode", "encode"]


class CodecError(ValueError):
    """A stored payload does not fit the type it claims to be."""


#: Values stored as they are, by exact type (a str or int enum is not one of them).
_AS_IS = frozenset({str, int, bool, type(None)})


def encode(value: object) -> Any:
    if type(value) in _AS_IS:  # most values: checked first, as a claim encodes a whole order
        return value
    try:
        how = _HOW[type(value)]
    except KeyError:
        how = _HOW[type(value)] = _how_to_encode(type(value))
    return how(value)


#: How each type met so far is encoded: a claim encodes an order of tens of values, so the
#: type is looked up once, not tried against every kind on every value.
_HOW: dict[type, Callable[[Any], Any]] = {}


def _how_to_encode(cls: type) -> Callable[[Any], Any]:
    """The encoder of ``cls``, tried in this order (an int enum is an enum, not an int)."""
    if issubclass(cls, enum.Enum):
        return _enum_value
    if issubclass(cls, bool | int | str):
        return _same
    if issubclass(cls, Decimal):
        return str
    if issubclass(cls, date):  # a datetime is a date too: both as ISO 8601
        return _iso
    if issubclass(cls, tuple | list | frozenset):
        return _items
    if issubclass(cls, dict):
        return _mapping
    names = _field_names(cls)
    if names is not None:
        return lambda value: {name: encode(getattr(value, name)) for name in names}
    raise CodecError(f"cannot encode {cls.__name__}")


def _enum_value(value: enum.Enum) -> Any:
    return value.value


def _same(value: object) -> object:
    return value


def _iso(value: date) -> str:
    return value.isoformat()


def _items(value: tuple[Any, ...] | list[Any] | frozenset[Any]) -> list[Any]:
    return [encode(v) for v in value]


def _mapping(value: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): encode(v) for k, v in value.items()}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields a value of ``cls`` is made of (its ``__init__``'s), or None: not a record
    type. Most domain values are msgspec Structs; a few keep a dataclass's per-field
    options (a PIN left out of ``repr``)."""
    if issubclass(cls, Struct):
        return cls.__struct_fields__
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def decode(tp: Any, raw: Any) -> Any:
    """``raw`` (from JSON) as a value of type ``tp``; raises CodecError on a mismatch."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if raw is None and len(options) < len(get_args(tp)):
            return None
        if len(options) != 1:
            raise CodecError(f"unsupported union {tp}")
        return decode(options[0], raw)
    if origin is tuple:
        _expect(raw, list, tp)
        return tuple(decode(get_args(tp)[0], item) for item in raw)
    if origin is dict:
        _expect(raw, dict, tp)
        return {str(k): decode(get_args(tp)[1], v) for k, v in raw.items()}
    if tp is Decimal:
        try:
            return Decimal(_expect(raw, str, tp))
        except InvalidOperation:
            raise CodecError(f"not a decimal: {raw!r}") from None
    if tp is datetime:
        try:
            return datetime.fromisoformat(_expect(raw, str, tp))
        except ValueError:
            raise CodecError(f"not an ISO datetime: {raw!r}") from None
    if tp is date:
        try:
            return date.fromisoformat(_expect(raw, str, tp))
        except ValueError:
            raise CodecError(f"not an ISO date: {raw!r}") from None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(raw)
        except ValueError:
            raise CodecError(f"not a {tp.__name__}: {raw!r}") from None
    names = _field_names(tp) if isinstance(tp, type) else None
    if names is not None:
        _expect(raw, dict, tp)
        hints = _hints(tp)
        values = {name: decode(hints[name], raw[name]) for name in names if name in raw}
        try:
            return tp(**values)
        except TypeError as exc:
            raise CodecError(f"{tp.__name__}: {exc}") from None
    if tp is bool or tp is str:
        return _expect(raw, tp, tp)
    if tp is int:
        if isinstance(raw, bool):
            raise CodecError(f"expected int, got {raw!r}")
        return _expect(raw, int, tp)
    raise CodecError(f"unsupported type {tp}")


def _expect(raw: Any, kind: type, tp: Any) -> Any:
    if not isinstance(raw, kind):
        raise CodecError(f"expected {getattr(tp, '__name__', tp)}, got {type(raw).__name__}")
    return raw
