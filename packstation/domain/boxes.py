"""Which box the items fit in: the smallest configured box, and boxes that surely cannot do.

Pure and deterministic. Sizes are whole millimetres; a box's size is its ``inner_mm``.

Suggestion: the configured boxes are tried from the smallest inner volume up (config
order breaks ties); the first one the items can be placed in wins. Placement is a search
over *extreme points* (Crainic, Perboli and Tadei, 2008): items go in largest first;
each one is tried at every extreme point of the items already placed (the corners they
leave free, and those corners pushed back along each axis until they touch an item or a
wall), in each of its distinct axis-aligned orientations (up to six), lowest point first.
The first complete placement found is the answer; when an item fits nowhere the search
backs up and tries the previous item elsewhere (depth first), within a fixed number of
placements (`SEARCH_BUDGET`), so a box that only fits with a non-greedy layout is still
found, and the time per box is bounded. The greedy first-fit-decreasing layout is the
first path of that search. No library is used: the one well-known PyPI package (py3dbp,
last released 2020) misses layouts as simple as three 40x30x30 items in a 90x40x30 box.

Refusal (`too_small`) uses only what is certain: the items' total volume is more than
the box's, or an item's longest side is longer than the box's longest side. A box the
search could not fill is not refused (a packer may do better than the heuristic).
"""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from msgspec import Struct

from packstation.domain.rules import Box

__all__ = [
    "MAX_UNITS",
    "SEARCH_BUDGET",
    "Dims",
    "NoSuggestion",
    "Suggestion",
    "TooSmall",
    "box_dims",
    "cm3",
    "fits",
    "suggest",
    "too_small",
]

#: Length, width, height in whole millimetres.
Dims = tuple[int, int, int]

#: Units above this many are not laid out (the search would cost a scan's time); the
#: station then shows no suggestion, and the certain refusals still apply.
MAX_UNITS = 24
#: Placements tried per box before the search gives up on that box.
SEARCH_BUDGET = 2000


class NoSuggestion(enum.StrEnum):
    """Why there is no suggestion (the packer chooses; nothing is refused for it)."""

    #: An item of this box has no dimensions in the order.
    NO_DIMS = "no_dims"
    #: No configured box has three inner sizes.
    NO_SIZES = "no_sizes"
    #: No configured box takes the items (size or weight): split with CMD:NEWBOX.
    NONE_FITS = "none_fits"
    #: More units than the search lays out in a scan's time.
    TOO_MANY = "too_many"
    #: Nothing in the box yet.
    EMPTY = "empty"


class TooSmall(enum.StrEnum):
    """Why a box surely cannot take the items."""

    LONGEST = "longest"
    VOLUME = "volume"


class Suggestion(Struct, frozen=True):
    """The smallest box the items fit in, or why there is none."""

    box: Box | None
    why_not: NoSuggestion | None = None


def box_dims(box: Box) -> Dims | None:
    """The box's inner size, or None when the config does not give all three."""
    if len(box.inner_mm) != 3:
        return None
    a, b, c = box.inner_mm
    return (a, b, c)


def cm3(dims: Dims) -> int:
    """Volume in cubic centimetres (millilitres), rounded up."""
    a, b, c = dims
    return -(-(a * b * c) // 1000)


def _volume(d: Dims) -> int:
    return d[0] * d[1] * d[2]


def too_small(items: Sequence[Dims], box: Dims) -> TooSmall | None:
    """Why ``box`` surely cannot take ``items``: an item longer than the box's longest side,
    or more volume than the box has; None when neither holds."""
    if not items:
        return None
    if max(max(d) for d in items) > max(box):
        return TooSmall.LONGEST
    if sum(_volume(d) for d in items) > _volume(box):
        return TooSmall.VOLUME
    return None


def suggest(
    items: Iterable[Dims | None],
    boxes: Sequence[Box],
    weight_g: Decimal = Decimal(0),
) -> Suggestion:
    """The smallest of ``boxes`` that takes ``items`` (one entry per unit; None: a unit
    without dimensions) and, where the box has a ``max_weight_g``, their weight plus its
    tare. Memoised: the station asks on every command at the box step."""
    units = tuple(items)
    if not units:
        return Suggestion(None, NoSuggestion.EMPTY)
    if any(d is None for d in units):
        return Suggestion(None, NoSuggestion.NO_DIMS)
    known = tuple(sorted((d for d in units if d is not None), key=_order_key))
    return _suggest(known, tuple(boxes), weight_g)


@functools.lru_cache(maxsize=256)
def _suggest(items: tuple[Dims, ...], boxes: tuple[Box, ...], weight_g: Decimal) -> Suggestion:
    sized = [(box, dims) for box in boxes if (dims := box_dims(box)) is not None]
    if not sized:
        return Suggestion(None, NoSuggestion.NO_SIZES)
    if len(items) > MAX_UNITS:
        return Suggestion(None, NoSuggestion.TOO_MANY)
    by_volume = sorted(enumerate(sized), key=lambda entry: (_volume(entry[1][1]), entry[0]))
    for _, (box, dims) in by_volume:
        if box.max_weight_g is not None and weight_g + box.tare_g > box.max_weight_g:
            continue
        if fits(items, dims):
            return Suggestion(box)
    return Suggestion(None, NoSuggestion.NONE_FITS)


def _order_key(d: Dims) -> tuple[int, int, tuple[int, ...]]:
    """Largest first: by volume, then by longest side (then by size, for a stable order)."""
    return (-_volume(d), -max(d), tuple(sorted(d, reverse=True)))


def _orientations(d: Dims) -> list[Dims]:
    return sorted(set(itertools.permutations(d)))  # type: ignore[arg-type]


class _OutOfBudget(Exception):
    pass


#: A placed item as its two opposite corners: (x0, y0, z0, x1, y1, z1).
_Placed = tuple[int, int, int, int, int, int]


def fits(items: Sequence[Dims], box: Dims, budget: int = SEARCH_BUDGET) -> bool:
    """Whether the extreme-point search places every item in ``box`` (axis-aligned, any of
    the six orientations) within ``budget`` placements. True is certain (a layout exists);
    False means none was found."""
    if too_small(items, box) is not None:
        return False
    # Sorted sides must each fit (smallest in smallest, ...) for any orientation to fit.
    sides = sorted(box)
    if any(x > y for d in items for x, y in zip(sorted(d), sides, strict=True)):
        return False
    ordered = sorted(items, key=_order_key)
    try:
        return _search(ordered, box, budget)
    except _OutOfBudget:
        return False


def _search(items: list[Dims], box: Dims, budget: int) -> bool:
    length, width, height = box
    placed: list[_Placed] = []
    spent = 0
    shapes = [_orientations(d) for d in items]

    def free(x0: int, y0: int, z0: int, x1: int, y1: int, z1: int) -> bool:
        for a0, b0, c0, a1, b1, c1 in placed:
            if x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1 and z0 < c1 and c0 < z1:
                return False
        return True

    def project(point: tuple[int, int, int], axis: int) -> tuple[int, int, int]:
        """``point`` moved back along ``axis`` until it touches an item or the wall."""
        reach = 0
        j, k = [a for a in range(3) if a != axis]
        for item in placed:
            face = item[axis + 3]
            if (
                face <= point[axis]
                and face > reach
                and item[j] <= point[j] < item[j + 3]
                and item[k] <= point[k] < item[k + 3]
            ):
                reach = face
        moved = list(point)
        moved[axis] = reach
        return (moved[0], moved[1], moved[2])

    def corners(item: _Placed) -> set[tuple[int, int, int]]:
        x0, y0, z0, x1, y1, z1 = item
        points: set[tuple[int, int, int]] = set()
        starts = (((x1, y0, z0), (1, 2)), ((x0, y1, z0), (0, 2)), ((x0, y0, z1), (0, 1)))
        for corner, axes in starts:
            points.add(corner)
            for axis in axes:
                points.add(project(corner, axis))
        return points

    def place(i: int, points: frozenset[tuple[int, int, int]]) -> bool:
        nonlocal spent
        if i == len(items):
            return True
        for x, y, z in sorted(points, key=lambda p: (p[2], p[1], p[0])):
            for a, b, c in shapes[i]:
                x1, y1, z1 = x + a, y + b, z + c
                if x1 > length or y1 > width or z1 > height or not free(x, y, z, x1, y1, z1):
                    continue
                spent += 1
                if spent > budget:
                    raise _OutOfBudget
                item = (x, y, z, x1, y1, z1)
                placed.append(item)
                if place(i + 1, (points - {(x, y, z)}) | corners(item)):
                    return True
                placed.pop()
        return False

    return place(0, frozenset({(0, 0, 0)}))
