"""Field values shared by the JSON and CSV readers: numbers, date-times, locales, sizes, and
how a bad value is shown in an error."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from packstation.domain.dimensions import DimensionError, dims_from
from packstation.domain.intake.errors import _FieldError
from packstation.domain.units import parse_serial_kind

_LOCALES = frozenset({"ru", "en"})
_DEFAULT_LOCALE = "ru"
_SHOW_MAX = 40
_MAX_DIGITS = 18  # numbers of 10**18 or more are a broken export, not data (and overflow BIGINT)
_INT_LIMIT = 10**_MAX_DIGITS


def normalise_locale(value: str) -> str:
    """'RU', 'ru-RU', 'en_GB' -> 'ru'/'en'; anything else -> 'ru' (notifications exist in ru/en)."""
    if value in _LOCALES:
        return value
    lang = value.strip().lower().replace("_", "-").partition("-")[0]
    return lang if lang in _LOCALES else _DEFAULT_LOCALE


def _show(value: object) -> str:
    """A JSON value as the file's author would recognise it, short and on one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = str(value)
    return shown if len(shown) <= _SHOW_MAX else shown[: _SHOW_MAX - 1] + "…"


def _cell_repr(value: str) -> str:
    return repr(value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…")


@functools.lru_cache(maxsize=4096)  # a file's orders share a few ship-by times
def _parse_datetime(text: str) -> datetime | None:
    """ISO-8601 with a timezone, or None; a deadline without a zone is ambiguous."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None and value.utcoffset() is not None else None


def _parse_day(text: str) -> date | None:
    """``deliver_by``: an ISO date ("2026-12-10"), or a date-time with a timezone whose
    date, as written (the customer's own), is the day; None if it is neither."""
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    moment = _parse_datetime(text)
    return moment.date() if moment is not None else None


#: How a bad ``deliver_by`` is explained.
DAY_EXPECTED = "an ISO-8601 date (2026-12-10) or a date-time with a timezone"


def _serial_kind(text: str, field: str, shown: str) -> str:
    """A line's ``serial`` flag: "", "serial" or "imei" (any case)."""
    try:
        kind = parse_serial_kind(text)
    except ValueError:
        raise _FieldError(field, f'expected "serial", "imei" or nothing, got {shown}') from None
    return kind.value if kind is not None else ""


def _parse_decimal(text: str) -> Decimal | None:
    """A finite decimal in plain ASCII notation, or None."""
    if not text.isascii() or "_" in text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if _sane(value) else None


def _sane(value: Decimal) -> bool:
    """Finite and below 10**18: NaN or 1e999999999 is a broken export, not a weight or a price."""
    return value.is_finite() and value.adjusted() < _MAX_DIGITS


def _whole(value: Decimal) -> int | None:
    """An integral decimal of sane size as int ("1e999999999" must not become a huge int)."""
    if _sane(value) and value == value.to_integral_value():
        return int(value)
    return None


def _parse_whole(text: str) -> int | None:
    if not text.isascii() or "_" in text:
        return None
    value = _parse_decimal(text)
    return None if value is None else _whole(value)


def _dims(values: list[Decimal | None], prefix: str) -> tuple[int, int, int] | None:
    """Optional item sizes (`dimensions.dims_from`); an error names the field."""
    try:
        return dims_from(values)
    except DimensionError as e:
        raise _FieldError(f"{prefix}{e.field}", e.detail) from None
