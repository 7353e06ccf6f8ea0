"""Item dimensions in order files: ``length_mm``, ``width_mm``, ``height_mm`` (optional).

All three or none: a line with only some of them is refused with the file (the shop's
catalogue export is broken, and a buyer could not correct it), as is a size that is not
a number, not more than 0, or longer than `MAX_MM`. Fractions of a millimetre are
rounded up (12.2 mm takes 13 mm of a box). A line without dimensions is fine: the
station then shows no box suggestion for its box.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

__all__ = ["DIM_FIELDS", "MAX_MM", "DimensionError", "dims_from"]

DIM_FIELDS = ("length_mm", "width_mm", "height_mm")
#: Longer than 10 m is a unit mix-up (centimetres for metres ...), not a parcel item.
MAX_MM = 10_000


class DimensionError(ValueError):
    """Which field is wrong and how; the reader adds the line or JSON path."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def dims_from(values: Sequence[Decimal | None]) -> tuple[int, int, int] | None:
    """The three sizes (in `DIM_FIELDS` order) as whole millimetres, or None when none is
    given; raises `DimensionError` for a partial set or a size out of range."""
    if all(v is None for v in values):
        return None
    sizes: list[int] = []
    for field, value in zip(DIM_FIELDS, values, strict=True):
        if value is None:
            given = ", ".join(f for f, v in zip(DIM_FIELDS, values, strict=True) if v is not None)
            raise DimensionError(
                field, f"missing: {given} given, but length_mm, width_mm and height_mm go together"
            )
        if not value > 0:
            raise DimensionError(field, f"must be more than 0 mm, got {value}")
        if value > MAX_MM:
            raise DimensionError(field, f"must be at most {MAX_MM} mm, got {value}")
        sizes.append(math.ceil(value))
    return (sizes[0], sizes[1], sizes[2])
