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
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Union, get_args, get_origin, get_type_hints

__all__ = ["CodecError", "decode", "encode"]


class CodecError(ValueError):
    """A stored payload does not fit the type it claims to be."""


#: Values stored as they are, by exact type (a str or int enum is not one of them).
_AS_IS = frozenset({str, int, bool, type(None)})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def encode(value: object) -> Any:
    if type(value) in _AS_IS:  # most values: checked first, as a claim encodes a whole order
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # a datetime is a date too: both as ISO 8601
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name)) for name in _field_names(type(value))}
    raise CodecError(f"cannot encode {type(value).__name__}")


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
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        _expect(raw, dict, tp)
        hints = _hints(tp)
        values = {
            f.name: decode(hints[f.name], raw[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name in raw
        }
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
