"""The lessons a lead picks: which practice orders each makes and which faults it injects.

Plain data, so a lesson is read (and tested) without a station: `practice.py` turns a
`Lesson` into orders from the real catalogue, `coach.py` guides the trainee through them.
Lesson ids are stored with every score (`training.scored` events): never rename one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["LESSONS", "FaultKind", "Lesson", "OrderSpec", "lesson_by_ref"]


class FaultKind(enum.StrEnum):
    """Something wrong on purpose, and what handling it right means (`coach.py`)."""

    #: The tote holds a wrong item instead of one unit of a line: the station refuses it,
    #: and the trainee records a `wrong_item` defect on that line (the customer is told).
    WRONG_ITEM = "wrong_item"
    #: The scale reads wrong (well outside the tolerance) however often the parcel is put
    #: on it: the trainee calls a lead, who approves the weight with the reason "scale".
    SCALE = "scale"
    #: A document of the order is not in the tray: never skipped (CMD:OK is refused), the
    #: trainee asks for a reprint (TRN:DOCS, F7) and scans it.
    MISSING_DOCUMENT = "missing_document"


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """One practice order, described by what it teaches (the items come from the catalogue)."""

    lines: int = 2
    #: Units of the first line (the others have one each).
    qty: int = 1
    #: How many of the lines are marked goods (one Chestny ZNAK code per unit).
    marked: int = 0
    #: A fragile item first, when the catalogue has one (its checklist: padding).
    fragile: bool = False
    #: Shipped abroad: the customs declaration (CN23) joins the documents.
    international: bool = False
    #: Packed in this many boxes (CMD:NEWBOX), each weighed and labelled.
    boxes: int = 1
    fault: FaultKind | None = None


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    orders: tuple[OrderSpec, ...]

    @property
    def faults(self) -> tuple[FaultKind, ...]:
        return tuple(o.fault for o in self.orders if o.fault is not None)


LESSONS: tuple[Lesson, ...] = (
    Lesson("first_order", (OrderSpec(lines=2, fragile=True),)),
    Lesson("marked_goods", (OrderSpec(lines=2, qty=2, marked=1),)),
    Lesson(
        "weight_problems",
        (OrderSpec(lines=2, fault=FaultKind.SCALE), OrderSpec(lines=2, qty=2, boxes=2)),
    ),
    Lesson("defects", (OrderSpec(lines=3, fault=FaultKind.WRONG_ITEM),)),
    Lesson(
        "documents_abroad",
        (OrderSpec(lines=2, international=True, fault=FaultKind.MISSING_DOCUMENT),),
    ),
)


def lesson_by_ref(ref: str) -> Lesson | None:
    """A lesson by its id or its number on the lead's list (1-based), else None."""
    ref = ref.strip()
    if ref.isdigit() and 1 <= int(ref) <= len(LESSONS):
        return LESSONS[int(ref) - 1]
    return next((lesson for lesson in LESSONS if lesson.id == ref.lower()), None)
