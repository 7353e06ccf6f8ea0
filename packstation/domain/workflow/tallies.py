"""Per-line counts of a pack state (units packed, units shipped short, whether every line
has its units, units the order ships), memoised on the immutable tuples they come from.

A 2,000-line order asks for them on every scan and several times per drawn frame; counted
afresh each time, that was quadratic. Memos are keyed by identity and hold the tuples
themselves, so a recycled id can never return a stale count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from packstation.domain.rules import DefectPolicy

if TYPE_CHECKING:
    from packstation.domain.workflow.facts import AcceptedScan, DefectEntry
    from packstation.domain.workflow.model import LineView

__all__ = ["SHIP_SHORT", "items_complete_of", "tally_scans", "tally_shorts", "units_required_of"]

#: Defect resolution that lets the order ship without the unit.
SHIP_SHORT = DefectPolicy.SHIP_SHORT.value

_TALLIES: dict[int, tuple[object, Counter[int]]] = {}
_TALLY_LIMIT = 256


def _memo(key: object, compute: Callable[[], Counter[int]]) -> Counter[int]:
    hit = _TALLIES.get(id(key))
    if hit is not None and hit[0] is key:
        return hit[1]
    counts = compute()
    if len(_TALLIES) >= _TALLY_LIMIT:
        _TALLIES.clear()
    _TALLIES[id(key)] = (key, counts)
    return counts


def tally_scans(scans: tuple[AcceptedScan, ...]) -> Counter[int]:
    return _memo(scans, lambda: Counter(s.line_id for s in scans))


def tally_shorts(defects: tuple[DefectEntry, ...]) -> Counter[int]:
    def count() -> Counter[int]:
        counts: Counter[int] = Counter()
        for d in defects:
            if d.resolution == SHIP_SHORT:
                counts[d.line_id] += d.qty
        return counts

    return _memo(defects, count)


#: Units an order ships, by (lines, defects): shown after every scan, it changes only with a
#: defect; summing a 2,000-line order each time cost more than drawing the screen.
_REQUIRED: dict[tuple[int, int], tuple[object, object, int]] = {}


#: Whether every line has its units, by (lines, scans, defects): `stage` asks it several
#: times per drawn frame, and finding the first open line walks a 2,000-line order.
_COMPLETE: dict[tuple[int, int, int], tuple[object, object, object, bool]] = {}


def items_complete_of(
    lines: tuple[LineView, ...], scans: tuple[AcceptedScan, ...], defects: tuple[DefectEntry, ...]
) -> bool:
    key = (id(lines), id(scans), id(defects))
    hit = _COMPLETE.get(key)
    if hit is not None and hit[0] is lines and hit[1] is scans and hit[2] is defects:
        return hit[3]
    packed, shorted = tally_scans(scans), tally_shorts(defects)
    done = all(
        line.qty - shorted.get(line.line_id, 0) - packed.get(line.line_id, 0) <= 0 for line in lines
    )
    if len(_COMPLETE) >= _TALLY_LIMIT:
        _COMPLETE.clear()
    _COMPLETE[key] = (lines, scans, defects, done)
    return done


def units_required_of(lines: tuple[LineView, ...], defects: tuple[DefectEntry, ...]) -> int:
    hit = _REQUIRED.get((id(lines), id(defects)))
    if hit is not None and hit[0] is lines and hit[1] is defects:
        return hit[2]
    shorted = tally_shorts(defects)
    total = sum(max(line.qty - shorted.get(line.line_id, 0), 0) for line in lines)
    if len(_REQUIRED) >= _TALLY_LIMIT:
        _REQUIRED.clear()
    _REQUIRED[(id(lines), id(defects))] = (lines, defects, total)
    return total
