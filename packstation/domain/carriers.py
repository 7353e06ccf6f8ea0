"""Choosing a carrier and tariff for a parcel: simple, deterministic, explainable.

A packer never chooses by hand on the happy path, and a lead asking "why
EXPRESS?" should get an answer from three rules: it serves the country and
weight, it arrives by the ship-by time if any tariff can, and it is the
cheapest of those (ties: the more reliable carrier, then by code).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from packstation.domain.rules import Carrier

__all__ = ["Choice", "choose_tariff"]


@dataclass(frozen=True, slots=True)
class Choice:
    carrier: str
    tariff: str
    cost: Decimal
    days: int
    #: False when no serving tariff reaches the ship-by time and the cheapest was taken anyway.
    meets_ship_by: bool = True


def choose_tariff(
    carriers: Iterable[Carrier],
    country: str,
    weight_g: Decimal,
    ship_by: datetime | None,
    now: datetime,
    *,
    only_carrier: str | None = None,
) -> Choice | None:
    """The tariff for a parcel, or None when nothing serves ``country`` at this weight.

    ``ship_by`` counts as met when ``now + days`` is not later than it (no ship-by:
    every tariff meets it). ``only_carrier`` restricts the choice to the carrier the
    order asked for, when that carrier is configured.
    """
    pool = list(carriers)
    if only_carrier and any(c.code == only_carrier for c in pool):
        pool = [c for c in pool if c.code == only_carrier]
    kg = weight_g / 1000
    ranked: list[tuple[tuple[bool, Decimal, Decimal, str, str], Choice]] = []
    for carrier in pool:
        for tariff in carrier.tariffs:
            if not tariff.serves(country) or tariff.max_kg < kg:
                continue
            meets = ship_by is None or _arrival(now, tariff.days, ship_by) <= ship_by
            cost = tariff.cost(weight_g)
            key = (not meets, cost, -carrier.reliability, carrier.code, tariff.code)
            ranked.append((key, Choice(carrier.code, tariff.code, cost, tariff.days, meets)))
    if not ranked:
        return None
    return min(ranked, key=lambda item: item[0])[1]


def _arrival(now: datetime, days: int, ship_by: datetime) -> datetime:
    # Comparing aware and naive datetimes raises; treat a naive side as UTC-less local.
    if (now.tzinfo is None) != (ship_by.tzinfo is None):
        now = now.replace(tzinfo=ship_by.tzinfo)
    return now + timedelta(days=days)
