"""JSON-safe encoding of the workflow's frozen values (msgspec), and decoding driven by
their type hints.

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

import msgspec
from msgspec import Struct

__all__ = ["CodecError", "decode", "encode"]


class CodecError(ValueError):
    """A stored payload does not fit the type it claims to be."""


def _plain(value: object) -> object:
    """A str or int subclass that is not an enum (msgspec takes enums as their values)."""
    for base in (str, int):
        if isinstance(value, base):
            return base(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


#: msgspec writes the records (Structs, the few dataclasses, enums, Decimals as strings,
#: datetimes as RFC 3339) in C: a claim encodes a whole order, and walking it value by
#: value in Python cost 50 µs of every claim's CPU. Read back as plain JSON values.
_ENCODER = msgspec.json.Encoder(enc_hook=_plain)
_JSON = msgspec.json.Decoder()


def encode(value: object) -> Any:
    """JSON values (dicts, lists, str, numbers, None) of a record or any value in one.

    UTC datetimes end in ``Z`` (msgspec's form); payloads stored before with ``+00:00``
    read back the same (`datetime.fromisoformat`).
    """
    try:
        return _JSON.decode(_ENCODER.encode(value))
    except (TypeError, msgspec.EncodeError) as exc:
        raise CodecError(str(exc)) from None


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
