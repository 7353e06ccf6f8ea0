"""Packing rules from the station TOML: boxes, checklists, documents, weight, defects, carriers.

Parsed once into frozen values so the pack workflow stays pure and a bad
config is reported at start-up (naming the key), not in the middle of an
order. Every section is optional: a station with no config packs with the
defaults below, which match ``data/station-sample.toml``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from msgspec import Struct

from packstation.domain.instructions import (
    InsertRule,
    InstructionError,
    InstructionRule,
    insert_rules,
    instruction_rules,
)

__all__ = [
    "DEFAULT_RAW",
    "Box",
    "Carrier",
    "CarrierChoiceRules",
    "DefectPolicy",
    "DocumentRules",
    "ExpiryRules",
    "LatePolicy",
    "PackRules",
    "RulesError",
    "Tariff",
    "WeightRules",
]


class RulesError(ValueError):
    """The station config cannot be used; the message names the offending key."""


class DefectPolicy(enum.StrEnum):
    """What a defect does to the order: wait for a correction, or ship what is there."""

    HOLD = "hold"
    SHIP_SHORT = "ship_short"


class Box(Struct, frozen=True):
    code: str
    name: str
    tare_g: Decimal
    inner_mm: tuple[int, ...] = ()
    #: Heaviest parcel the box takes (items and tare); None: no limit configured.
    max_weight_g: Decimal | None = None


class WeightRules(Struct, frozen=True):
    """Accepted deviation is ``max(percent of expected, min_g)``.

    Readings below ``empty_below_g`` mean "nothing on the scale" and are ignored,
    so the empty scale right after the box scan is not taken as the parcel weight.
    """

    percent: Decimal = Decimal("5")
    min_g: Decimal = Decimal("20")
    empty_below_g: Decimal = Decimal("10")

    def tolerance_g(self, expected_g: Decimal) -> Decimal:
        return max(abs(expected_g) * self.percent / 100, self.min_g)


class DocumentRules(Struct, frozen=True):
    always: tuple[str, ...] = ("INVOICE",)
    international: tuple[str, ...] = ("CN23",)
    domestic_country: str = "RU"

    def is_domestic(self, country: str) -> bool:
        """An order without a country counts as domestic (intake flags it anyway)."""
        return not country or country.upper() == self.domestic_country.upper()

    def required_for(self, country: str) -> tuple[str, ...]:
        """Documents for an order shipped to ``country``, in config order."""
        kinds = self.always if self.is_domestic(country) else self.always + self.international
        return tuple(dict.fromkeys(kinds))  # keep order, drop repeats


class Tariff(Struct, frozen=True):
    code: str
    days: int
    base_rub: Decimal
    per_kg_rub: Decimal
    max_kg: Decimal
    #: Destination countries (upper case); empty means any country.
    countries: tuple[str, ...] = ()

    def serves(self, country: str) -> bool:
        return not self.countries or country.upper() in self.countries

    def cost(self, weight_g: Decimal) -> Decimal:
        return (self.base_rub + self.per_kg_rub * weight_g / 1000).quantize(Decimal("0.01"))


class Carrier(Struct, frozen=True):
    code: str
    name: str
    reliability: Decimal
    tariffs: tuple[Tariff, ...]


class LatePolicy(enum.StrEnum):
    """What happens when no tariff can arrive by the order's promise (its ship-by time)."""

    #: Nothing fits: the packer is told why and a lead decides (override or hold).
    LEAD = "lead"
    #: The fastest tariff that fits otherwise is taken, and the note says it is late.
    FASTEST = "fastest"


class CarrierChoiceRules(Struct, frozen=True):
    """``[carrier_choice]``: the reliability floor and what a late parcel does."""

    #: Carriers less reliable than this are never chosen by the rules (a lead may override).
    min_reliability: Decimal = Decimal(0)
    late: LatePolicy = LatePolicy.LEAD


class ExpiryRules(Struct, frozen=True):
    """``[expiry]``: a unit scanned with an expiry date (GS1 AI 17) must still be good
    ``margin_days`` after the order's delivery date: its ``deliver_by``, else its ship-by
    date plus ``transit_days`` (`domain/units.py`)."""

    margin_days: int = 0
    transit_days: int = 0


class PackRules(Struct, frozen=True):
    boxes: tuple[Box, ...]
    #: (profile, items) pairs in config order: always, fragile, liquid, marked, ... any key.
    checklists: tuple[tuple[str, tuple[str, ...]], ...]
    documents: DocumentRules
    weight: WeightRules
    defect_policy: DefectPolicy
    carriers: tuple[Carrier, ...]
    #: Log a packer out after this many idle seconds without an order; 0 = never.
    idle_logout_s: int = 900
    carrier_choice: CarrierChoiceRules = CarrierChoiceRules()
    expiry: ExpiryRules = ExpiryRules()
    #: ``[[instructions]]`` and ``[[inserts]]`` (`domain/instructions.py`).
    instructions: tuple[InstructionRule, ...] = ()
    inserts: tuple[InsertRule, ...] = ()

    def box(self, code: str) -> Box | None:
        wanted = code.upper()
        return next((b for b in self.boxes if b.code.upper() == wanted), None)

    def checklist(self, profile: str) -> tuple[str, ...]:
        return next((items for name, items in self.checklists if name == profile), ())

    def tolerance_g(self, expected_g: Decimal) -> Decimal:
        return self.weight.tolerance_g(expected_g)

    @classmethod
    def default(cls) -> PackRules:
        return cls.from_config({})

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> PackRules:
        """Rules from a parsed station TOML; a missing section takes the default section."""
        merged = {**DEFAULT_RAW, **{k: v for k, v in raw.items() if k in DEFAULT_RAW}}
        station = raw.get("station", {})
        _need(isinstance(station, Mapping), "station", "must be a table")
        try:
            instructions = instruction_rules(raw.get("instructions", []))
            inserts = insert_rules(raw.get("inserts", []))
        except InstructionError as e:
            raise RulesError(f"config key {e.where}: {e.detail}") from None
        return cls(
            boxes=_boxes(merged["boxes"]),
            checklists=_checklists(merged["checklists"]),
            documents=_documents(merged["documents"]),
            weight=_weight(merged["weight"]),
            defect_policy=_policy(merged["defects"]),
            carriers=_carriers(merged["carriers"]),
            idle_logout_s=_int(station.get("idle_logout_s", 900), "station.idle_logout_s", 0),
            carrier_choice=_carrier_choice(merged["carrier_choice"]),
            expiry=_expiry(merged["expiry"]),
            instructions=instructions,
            inserts=inserts,
        )


DEFAULT_RAW: dict[str, Any] = {
    "boxes": [
        {"code": "BOX:S", "name": "Small 20x15x10", "tare_g": 120, "inner_mm": [200, 150, 100]},
        {"code": "BOX:M", "name": "Medium 30x25x15", "tare_g": 210, "inner_mm": [300, 250, 150]},
        {"code": "BOX:BAG", "name": "Courier bag", "tare_g": 25, "inner_mm": [350, 250, 10]},
    ],
    "checklists": {
        "always": {
            "items": [
                "Box undamaged and clean",
                "No old labels or barcodes on the box",
                "Sealed with tape on all seams",
            ]
        },
        "fragile": {
            "items": [
                "Each fragile item wrapped in bubble wrap",
                "Void fill: nothing moves when shaken",
            ]
        },
        "liquid": {"items": ["Liquids in a sealed plastic bag, caps taped"]},
    },
    "documents": {"always": ["INVOICE"], "international": ["CN23"], "domestic_country": "RU"},
    "weight": {"tolerance_percent": 5.0, "tolerance_min_g": 20},
    "defects": {"policy": "hold"},
    "carriers": [
        {
            "code": "OZON-COURIER",
            "name": "Ozon courier",
            "reliability": 0.98,
            "tariffs": [
                {"code": "EXPRESS", "days": 1, "base_rub": 249, "per_kg_rub": 40, "max_kg": 25,
                 "countries": ["RU"]},
                {"code": "STANDARD", "days": 3, "base_rub": 149, "per_kg_rub": 25, "max_kg": 25,
                 "countries": ["RU"]},
            ],
        },
        {
            "code": "RUSSIAN-POST",
            "name": "Почта России",
            "reliability": 0.91,
            "tariffs": [
                {"code": "PARCEL", "days": 6, "base_rub": 99, "per_kg_rub": 30, "max_kg": 20,
                 "countries": ["RU"]},
                {"code": "EMS-INTL", "days": 9, "base_rub": 990, "per_kg_rub": 450, "max_kg": 20,
                 "countries": ["KZ", "BY", "AM", "UZ"]},
            ],
        },
    ],
    # Unlike the sample (min_reliability 0.9, late "fastest"), a station without the section
    # gets the key defaults: no reliability floor, and a late parcel waits for a lead.
    "carrier_choice": {},
    # Without the section an item must only outlast its delivery (the ship-by day).
    "expiry": {},
}  # fmt: skip


# --- parsing helpers ---------------------------------------------------------------


def _need(condition: bool, key: str, problem: str) -> None:
    if not condition:
        raise RulesError(f"config key {key}: {problem}")


def _table(value: Any, key: str) -> Mapping[str, Any]:
    _need(isinstance(value, Mapping), key, "must be a table")
    result: Mapping[str, Any] = value
    return result


def _list(value: Any, key: str) -> list[Any]:
    _need(isinstance(value, list | tuple), key, "must be a list")
    return list(value)


def _str(value: Any, key: str) -> str:
    _need(isinstance(value, str) and bool(value.strip()), key, "must be a non-empty string")
    result: str = value.strip()
    return result


def _decimal(value: Any, key: str, minimum: Decimal = Decimal(0)) -> Decimal:
    _need(
        isinstance(value, int | float | str | Decimal) and not isinstance(value, bool),
        key,
        "must be a number",
    )
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RulesError(f"config key {key}: must be a number, got {value!r}") from None
    _need(number.is_finite() and number >= minimum, key, f"must be a number >= {minimum}")
    return number


def _int(value: Any, key: str, minimum: int) -> int:
    _need(isinstance(value, int) and not isinstance(value, bool), key, "must be an integer")
    _need(value >= minimum, key, f"must be >= {minimum}")
    result: int = value
    return result


def _strings(value: Any, key: str) -> tuple[str, ...]:
    return tuple(_str(v, f"{key}[{i}]") for i, v in enumerate(_list(value, key)))


def _boxes(value: Any) -> tuple[Box, ...]:
    boxes: list[Box] = []
    for i, raw in enumerate(_list(value, "boxes")):
        key = f"boxes[{i}]"
        box = _table(raw, key)
        code = _str(box.get("code"), f"{key}.code").upper()
        if not code.startswith("BOX:"):
            code = f"BOX:{code}"
        _need(all(b.code != code for b in boxes), f"{key}.code", f"duplicate box {code}")
        inner = tuple(
            _int(v, f"{key}.inner_mm[{j}]", 1)
            for j, v in enumerate(_list(box.get("inner_mm", []), f"{key}.inner_mm"))
        )
        boxes.append(
            Box(
                code=code,
                name=str(box.get("name", code)),
                tare_g=_decimal(box.get("tare_g"), f"{key}.tare_g"),
                inner_mm=inner,
                max_weight_g=(
                    None
                    if box.get("max_weight_g") is None
                    else _decimal(box["max_weight_g"], f"{key}.max_weight_g", Decimal(1))
                ),
            )
        )
    return tuple(boxes)


def _checklists(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    lists: list[tuple[str, tuple[str, ...]]] = []
    for profile, raw in _table(value, "checklists").items():
        key = f"checklists.{profile}"
        # Both `[checklists.fragile] items = [...]` and `fragile = [...]` are accepted.
        items = _table(raw, key).get("items") if isinstance(raw, Mapping) else raw
        lists.append((str(profile), _strings(items, f"{key}.items")))
    return tuple(lists)


def _documents(value: Any) -> DocumentRules:
    docs = _table(value, "documents")
    return DocumentRules(
        always=tuple(k.upper() for k in _strings(docs.get("always", []), "documents.always")),
        international=tuple(
            k.upper() for k in _strings(docs.get("international", []), "documents.international")
        ),
        domestic_country=_str(
            docs.get("domestic_country", "RU"), "documents.domestic_country"
        ).upper(),
    )


def _weight(value: Any) -> WeightRules:
    weight = _table(value, "weight")
    return WeightRules(
        percent=_decimal(weight.get("tolerance_percent", 5), "weight.tolerance_percent"),
        min_g=_decimal(weight.get("tolerance_min_g", 20), "weight.tolerance_min_g"),
        empty_below_g=_decimal(weight.get("empty_below_g", 10), "weight.empty_below_g"),
    )


def _policy(value: Any) -> DefectPolicy:
    raw = _table(value, "defects").get("policy", "hold")
    choices = ", ".join(p.value for p in DefectPolicy)
    _need(raw in {p.value for p in DefectPolicy}, "defects.policy", f"must be one of {choices}")
    return DefectPolicy(raw)


def _carriers(value: Any) -> tuple[Carrier, ...]:
    carriers: list[Carrier] = []
    for i, raw in enumerate(_list(value, "carriers")):
        key = f"carriers[{i}]"
        carrier = _table(raw, key)
        code = _str(carrier.get("code"), f"{key}.code")
        reliability = _decimal(carrier.get("reliability", 1), f"{key}.reliability")
        _need(reliability <= 1, f"{key}.reliability", "must be between 0 and 1")
        carriers.append(
            Carrier(
                code=code,
                name=str(carrier.get("name", code)),
                reliability=reliability,
                tariffs=tuple(
                    _tariff(t, f"{key}.tariffs[{j}]")
                    for j, t in enumerate(_list(carrier.get("tariffs", []), f"{key}.tariffs"))
                ),
            )
        )
    return tuple(carriers)


def _carrier_choice(value: Any) -> CarrierChoiceRules:
    section = _table(value, "carrier_choice")
    floor = _decimal(section.get("min_reliability", 0), "carrier_choice.min_reliability")
    _need(floor <= 1, "carrier_choice.min_reliability", "must be between 0 and 1")
    late = section.get("late", LatePolicy.LEAD.value)
    choices = ", ".join(p.value for p in LatePolicy)
    known = isinstance(late, str) and late in {p.value for p in LatePolicy}
    _need(known, "carrier_choice.late", f"must be one of {choices}")
    return CarrierChoiceRules(min_reliability=floor, late=LatePolicy(late))


#: Upper bounds of the ``[expiry]`` days: past them a typo (and dates past year 9999).
_EXPIRY_MAX = {"margin_days": 3650, "transit_days": 365}


def _expiry(value: Any) -> ExpiryRules:
    section = _table(value, "expiry")
    days: dict[str, int] = {}
    for name, most in _EXPIRY_MAX.items():
        days[name] = _int(section.get(name, 0), f"expiry.{name}", 0)
        _need(days[name] <= most, f"expiry.{name}", f"must be <= {most}")
    return ExpiryRules(**days)


def _tariff(raw: Any, key: str) -> Tariff:
    tariff = _table(raw, key)
    countries: Iterable[str] = _strings(tariff.get("countries", []), f"{key}.countries")
    return Tariff(
        code=_str(tariff.get("code"), f"{key}.code"),
        days=_int(tariff.get("days"), f"{key}.days", 0),
        base_rub=_decimal(tariff.get("base_rub", 0), f"{key}.base_rub"),
        per_kg_rub=_decimal(tariff.get("per_kg_rub", 0), f"{key}.per_kg_rub"),
        max_kg=_decimal(tariff.get("max_kg"), f"{key}.max_kg"),
        countries=tuple(c.upper() for c in countries),
    )
