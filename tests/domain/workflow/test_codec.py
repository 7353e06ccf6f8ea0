"""The codec's fast path for plain values must not let an enum through as itself."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from msgspec import Struct

from packstation.domain.workflow.codec import decode, encode
from packstation.domain.workflow.model import DefectKind


class Level(enum.IntEnum):
    LOW = 1


@dataclass(frozen=True, slots=True)
class Inner:
    kind: DefectKind
    level: Level
    flag: bool
    qty: int


@dataclass(frozen=True, slots=True)
class Outer:
    name: str
    inner: tuple[Inner, ...]
    price: Decimal
    note: str | None = None


def test_str_and_int_enums_are_stored_as_their_plain_values() -> None:
    for value, plain in ((DefectKind.DAMAGED, "damaged"), (Level.LOW, 1)):
        encoded = encode(value)
        assert encoded == plain and type(encoded) is type(plain)


class Shelf(Struct, frozen=True):
    """A Struct (as the workflow's values are) holding a dataclass (as `Decision` is)."""

    name: str
    inner: tuple[Inner, ...]
    price: Decimal
    note: str | None = None


@pytest.mark.parametrize("kind", [Outer, Shelf], ids=["dataclass", "struct"])
def test_nested_values_round_trip_through_json(kind: type[Outer] | type[Shelf]) -> None:
    value = kind("box", (Inner(DefectKind.MISSING, Level.LOW, True, 2),), Decimal("1.50"))
    raw = json.loads(json.dumps(encode(value)))
    assert raw == {
        "name": "box",
        "inner": [{"kind": "missing", "level": 1, "flag": True, "qty": 2}],
        "price": "1.50",
        "note": None,
    }
    assert decode(kind, raw) == value


def test_a_stored_struct_missing_a_field_is_a_codec_error() -> None:
    from packstation.domain.workflow.codec import CodecError

    # Read as a Shelf (not refused as an unknown type), and the field missing is named.
    with pytest.raises(CodecError, match=r"^Shelf: .*'inner'"):
        decode(Shelf, {"name": "box", "price": "1"})


class Name(str):
    """A str subclass that is not an enum: stored as the string it is."""


def test_every_kind_encodes_the_same_the_first_time_and_after() -> None:
    from datetime import UTC, date, datetime

    values = [
        (Name("kept"), "kept"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02T03:04:00Z"),
        ([Decimal("2.5"), (1, "a")], ["2.5", [1, "a"]]),
        (frozenset({3}), [3]),
        ({1: Level.LOW}, {"1": 1}),
    ]
    for _ in range(2):  # the first time finds each type's encoder, the second reuses it
        assert [encode(value) for value, _ in values] == [plain for _, plain in values]


def test_a_value_of_no_known_kind_is_refused_every_time() -> None:
    from packstation.domain.workflow.codec import CodecError

    for _ in range(2):
        with pytest.raises(CodecError, match="cannot encode object"):
            encode(object())


def test_a_datetime_stored_before_with_an_offset_reads_back_the_same() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    at = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    assert encode(at) == "2026-01-02T03:04:05.006000Z"
    for stored in (encode(at), "2026-01-02T03:04:05.006000+00:00"):
        assert decode(datetime, stored) == at
    moscow = datetime(2026, 1, 2, 6, 4, tzinfo=timezone(timedelta(hours=3)))
    assert decode(datetime, encode(moscow)) == moscow
    assert encode(moscow) == "2026-01-02T06:04:00+03:00"
