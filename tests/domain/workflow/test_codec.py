"""The codec's fast path for plain values must not let an enum through as itself."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from decimal import Decimal

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


def test_nested_dataclasses_round_trip_through_json() -> None:
    value = Outer("box", (Inner(DefectKind.MISSING, Level.LOW, True, 2),), Decimal("1.50"))
    raw = json.loads(json.dumps(encode(value)))
    assert raw == {
        "name": "box",
        "inner": [{"kind": "missing", "level": 1, "flag": True, "qty": 2}],
        "price": "1.50",
        "note": None,
    }
    assert decode(Outer, raw) == value
