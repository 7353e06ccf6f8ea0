"""Choosing a carrier and tariff for a parcel: simple, deterministic, explainable.

A packer never chooses by hand on the happy path, and a lead asking "why
EXPRESS?" gets the answer from the rules themselves. A tariff *fits* when

1. its carrier is the one the order asked for (if the order names a configured carrier),
2. it serves the destination country,
3. it carries the parcel's weight,
4. its carrier is at least as reliable as ``[carrier_choice] min_reliability``,
5. it arrives by the promise: ``now + days`` is not later than the order's ship-by
   time (the only date an order carries; no ship-by, no deadline).

Of the tariffs that fit, the cheapest wins (ties: the more reliable carrier, then
by carrier and tariff code). When nothing fits only because every candidate is
late, ``LatePolicy.FASTEST`` takes the fastest of those (then the cheapest);
``LatePolicy.LEAD`` reports no fit, and a lead decides.

The result says why: a `Choice` lists every other tariff with the reasons it
lost, a `NoFit` lists every tariff with the constraints it failed, best
candidates first. Both are stored with the label (`label.printed`) and as a
compact, language-neutral note on the parcel row (``note()``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from msgspec import Struct

from packstation.domain.rules import Carrier, LatePolicy, Tariff

__all__ = ["Choice", "NoFit", "Option", "Why", "choose_tariff", "find_tariff"]

#: ``parcels.choice_note`` is a String(1000).
NOTE_LIMIT = 1000


class Why(enum.StrEnum):
    """Why a tariff was not taken: a broken constraint, or a better tariff."""

    CARRIER = "carrier"  # the order asked for another carrier
    COUNTRY = "country"  # does not serve the destination
    WEIGHT = "weight"  # parcel heavier than the tariff's max_kg
    RELIABILITY = "reliability"  # carrier below the reliability floor
    LATE = "late"  # arrives after the promise
    DEARER = "dearer"  # fits, but the chosen tariff is cheaper
    SLOWER = "slower"  # (all late) fits, but the chosen tariff arrives sooner
    TIE = "tie"  # same price and speed: lost on reliability, then code

    @property
    def hard(self) -> bool:
        """A broken constraint (the tariff does not fit), not just a better alternative."""
        return self not in (Why.DEARER, Why.SLOWER, Why.TIE)


class Option(Struct, frozen=True):
    """One configured tariff as the rules saw it for this parcel."""

    carrier: str
    tariff: str
    cost: Decimal
    days: int
    arrives: datetime
    reliability: Decimal
    max_kg: Decimal
    why: tuple[Why, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.carrier}/{self.tariff}"

    @property
    def failed(self) -> tuple[Why, ...]:
        return tuple(w for w in self.why if w.hard)


class Choice(Struct, frozen=True):
    carrier: str
    tariff: str
    cost: Decimal
    days: int
    arrives: datetime
    #: The order's ship-by time (None: no deadline).
    promise: datetime | None = None
    #: False only under ``LatePolicy.FASTEST`` when nothing arrives in time.
    on_time: bool = True
    reliability: Decimal = Decimal(1)
    min_reliability: Decimal = Decimal(0)
    country: str = ""
    weight_g: Decimal = Decimal(0)
    #: Every other tariff, best first, with why it lost.
    others: tuple[Option, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.carrier}/{self.tariff}"

    def note(self) -> str:
        """Compact and language-neutral (codes, ISO times), for ``parcels.choice_note``."""
        head = (
            f"{self.code} {self.cost} RUB {self.days}d arrives {_iso(self.arrives)}"
            f" promise {_iso(self.promise)} floor {self.min_reliability}"
            + ("" if self.on_time else " LATE:fastest")
        )
        return _with_options(head, self.others)


class NoFit(Struct, frozen=True):
    """No tariff fits: every candidate with the constraints it broke, best first."""

    country: str
    weight_g: Decimal
    promise: datetime | None
    min_reliability: Decimal
    options: tuple[Option, ...] = ()

    def note(self) -> str:
        head = (
            f"no fit {self.weight_g:f} g to {self.country or '-'} promise {_iso(self.promise)}"
            f" floor {self.min_reliability}"
        )
        return _with_options(head, self.options)


def choose_tariff(
    carriers: Iterable[Carrier],
    country: str,
    weight_g: Decimal,
    promise: datetime | None,
    now: datetime,
    *,
    only_carrier: str | None = None,
    min_reliability: Decimal = Decimal(0),
    late: LatePolicy = LatePolicy.LEAD,
) -> Choice | NoFit:
    """The tariff for a parcel of ``weight_g`` to ``country``, or why there is none.

    ``only_carrier`` restricts the choice to the carrier the order asked for, when
    that carrier is configured (an unknown one restricts nothing). Pure and
    deterministic: the same inputs give the same answer, in the same order.
    """
    pool = list(carriers)
    wanted = only_carrier if only_carrier and any(c.code == only_carrier for c in pool) else None
    kg = weight_g / 1000
    options: list[Option] = []
    for carrier in pool:
        for tariff in carrier.tariffs:
            arrives = _arrival(now, tariff.days, promise)
            broken = (
                (Why.CARRIER, wanted is not None and carrier.code != wanted),
                (Why.COUNTRY, not tariff.serves(country)),
                (Why.WEIGHT, tariff.max_kg < kg),
                (Why.RELIABILITY, carrier.reliability < min_reliability),
                (Why.LATE, promise is not None and arrives > promise),
            )
            options.append(
                Option(
                    carrier.code, tariff.code, tariff.cost(weight_g), tariff.days, arrives,
                    carrier.reliability, tariff.max_kg, tuple(w for w, bad in broken if bad),
                )
            )  # fmt: skip
    fits = [o for o in options if not o.why]
    on_time = True
    if not fits and late is LatePolicy.FASTEST:
        fits = [o for o in options if o.why == (Why.LATE,)]
        on_time = False
    if not fits:
        ranked = sorted(options, key=_closeness)
        return NoFit(country, weight_g, promise, min_reliability, tuple(ranked))
    best = min(fits, key=_cheapest) if on_time else min(fits, key=_fastest)
    as_good = () if on_time else (Why.LATE,)  # what the chosen tariff itself "broke"
    others = [_lost(o, best, on_time) if o.why == as_good else o for o in options if o is not best]
    return Choice(
        best.carrier, best.tariff, best.cost, best.days, best.arrives, promise, on_time,
        best.reliability, min_reliability, country, weight_g,
        tuple(sorted(others, key=_closeness)),
    )  # fmt: skip


def find_tariff(
    carriers: Iterable[Carrier], carrier: str, tariff: str
) -> tuple[Carrier, Tariff] | None:
    """The configured carrier and tariff for a scanned pair, matched case-insensitively."""
    for c in carriers:
        if c.code.upper() != carrier.upper():
            continue
        for t in c.tariffs:
            if t.code.upper() == tariff.upper():
                return c, t
    return None


# --- helpers ---------------------------------------------------------------------------


def _cheapest(o: Option) -> tuple[Decimal, Decimal, str, str]:
    return (o.cost, -o.reliability, o.carrier, o.tariff)


def _fastest(o: Option) -> tuple[int, Decimal, Decimal, str, str]:
    return (o.days, o.cost, -o.reliability, o.carrier, o.tariff)


def _lost(o: Option, best: Option, on_time: bool) -> Option:
    """Why a tariff that fits (as well as the chosen one) lost to it."""
    if not on_time and o.days > best.days:
        why = Why.SLOWER
    elif o.cost > best.cost:
        why = Why.DEARER
    else:
        why = Why.TIE
    # Under LatePolicy.FASTEST the chosen tariff is late too: only the comparison is news.
    return Option(o.carrier, o.tariff, o.cost, o.days, o.arrives, o.reliability, o.max_kg, (why,))


def _closeness(o: Option) -> tuple[int, Decimal, Decimal, str, str]:
    """Best candidates first: fewest broken constraints, then cheapest, most reliable, code."""
    return (len(o.failed), o.cost, -o.reliability, o.carrier, o.tariff)


def _arrival(now: datetime, days: int, promise: datetime | None) -> datetime:
    # Comparing aware and naive datetimes raises; treat a naive side as the other's zone.
    if promise is not None and (now.tzinfo is None) != (promise.tzinfo is None):
        now = now.replace(tzinfo=promise.tzinfo)
    return now + timedelta(days=days)


def _iso(at: datetime | None) -> str:
    return at.isoformat(timespec="minutes") if at is not None else "-"


def _with_options(head: str, options: Iterable[Option]) -> str:
    parts = [head, *(f"{o.code}:{'+'.join(o.why) or 'ok'}" for o in options)]
    note = " | ".join(parts)
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"
