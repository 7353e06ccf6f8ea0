"""Station rules from TOML and the carrier/tariff choice."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from packstation.domain.carriers import choose_tariff
from packstation.domain.rules import Carrier, DefectPolicy, PackRules, RulesError, Tariff

from .conftest import NOW, load_rules


def test_sample_config() -> None:
    rules = load_rules()
    assert [b.code for b in rules.boxes] == ["BOX:S", "BOX:M", "BOX:BAG"]
    assert rules.box("box:m") is not None and rules.box("BOX:M").tare_g == 210  # type: ignore[union-attr]
    assert rules.checklist("fragile")[0] == "Each fragile item wrapped in bubble wrap"
    assert rules.checklist("gift") == ()
    assert rules.documents.required_for("RU") == ("INVOICE",)
    assert rules.documents.required_for("kz") == ("INVOICE", "CN23")
    assert rules.defect_policy is DefectPolicy.HOLD
    assert [c.code for c in rules.carriers] == ["OZON-COURIER", "RUSSIAN-POST"]
    assert rules.idle_logout_s == 900


def test_defaults_without_config_are_usable() -> None:
    rules = PackRules.from_config({})
    assert rules == PackRules.default()
    assert rules.boxes and rules.carriers and rules.checklist("always")


def test_tolerance_is_max_of_percent_and_grams() -> None:
    rules = load_rules()
    assert rules.tolerance_g(Decimal(100)) == Decimal(20)
    assert rules.tolerance_g(Decimal(1000)) == Decimal(50)


def test_policy_and_any_checklist_profile() -> None:
    rules = load_rules(
        defects={"policy": "ship_short"},
        checklists={"always": ["A"], "gift": {"items": ["Gift wrap"]}},
    )
    assert rules.defect_policy is DefectPolicy.SHIP_SHORT
    assert rules.checklist("gift") == ("Gift wrap",)
    assert rules.checklist("fragile") == ()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"defects": {"policy": "refund"}}, "defects.policy"),
        ({"boxes": [{"code": "BOX:S", "tare_g": "heavy"}]}, "boxes[0].tare_g"),
        ({"boxes": [{"name": "no code", "tare_g": 1}]}, "boxes[0].code"),
        ({"weight": {"tolerance_percent": -1}}, "weight.tolerance_percent"),
        ({"checklists": {"fragile": "wrap it"}}, "checklists.fragile.items"),
        ({"carriers": [{"code": "X", "tariffs": [{"code": "T", "days": 1}]}]},
         "carriers[0].tariffs[0].max_kg"),
        ({"station": {"idle_logout_s": "soon"}}, "station.idle_logout_s"),
    ],
)  # fmt: skip
def test_bad_config_names_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(RulesError) as caught:
        PackRules.from_config(raw)
    assert str(caught.value).startswith(f"config key {key}:")


def _carrier(code: str, reliability: str, *tariffs: Tariff) -> Carrier:
    return Carrier(code, code, Decimal(reliability), tariffs)


def _tariff(code: str, days: int, base: int, per_kg: int, max_kg: int = 20) -> Tariff:
    return Tariff(code, days, Decimal(base), Decimal(per_kg), Decimal(max_kg), ("RU",))


def test_fast_enough_beats_cheap() -> None:
    carriers = load_rules().carriers
    # ship-by tomorrow noon: only the 1-day tariff makes it.
    choice = choose_tariff(carriers, "RU", Decimal(1500), NOW + timedelta(hours=26), NOW)
    assert choice is not None
    assert (choice.carrier, choice.tariff, choice.cost, choice.days) == (
        "OZON-COURIER", "EXPRESS", Decimal("309.00"), 1,
    )  # fmt: skip
    assert choice.meets_ship_by


def test_cheapest_when_ship_by_is_far_or_absent() -> None:
    carriers = load_rules().carriers
    far = choose_tariff(carriers, "RU", Decimal(1500), NOW + timedelta(days=10), NOW)
    none = choose_tariff(carriers, "RU", Decimal(1500), None, NOW)
    assert far is not None and far.tariff == "PARCEL" and far.cost == Decimal("144.00")
    assert none == far


def test_cheapest_when_nothing_meets_ship_by() -> None:
    carriers = load_rules().carriers
    late = choose_tariff(carriers, "RU", Decimal(1000), NOW - timedelta(hours=1), NOW)
    assert late is not None and late.tariff == "PARCEL" and not late.meets_ship_by


def test_weight_and_country_limits() -> None:
    carriers = load_rules().carriers
    assert choose_tariff(carriers, "US", Decimal(500), None, NOW) is None
    heavy = choose_tariff(carriers, "RU", Decimal(22_000), None, NOW)
    assert heavy is not None and heavy.carrier == "OZON-COURIER"  # post takes 20 kg max
    assert choose_tariff(carriers, "RU", Decimal(30_000), None, NOW) is None


def test_equal_cost_prefers_reliability_then_code() -> None:
    a = _carrier("A", "0.90", _tariff("T", 2, 100, 10))
    b = _carrier("B", "0.99", _tariff("T", 2, 100, 10))
    c = _carrier("C", "0.99", _tariff("T", 2, 100, 10))
    choice = choose_tariff([a, c, b], "RU", Decimal(1000), None, NOW)
    assert choice is not None and choice.carrier == "B"


def test_order_carrier_restricts_the_choice() -> None:
    carriers = load_rules().carriers
    choice = choose_tariff(carriers, "RU", Decimal(1000), None, NOW, only_carrier="OZON-COURIER")
    assert choice is not None and choice.tariff == "STANDARD"
    unknown = choose_tariff(carriers, "RU", Decimal(1000), None, NOW, only_carrier="DHL")
    assert unknown is not None and unknown.tariff == "PARCEL"


def test_naive_ship_by_does_not_crash() -> None:
    choice = choose_tariff(load_rules().carriers, "RU", Decimal(1), datetime(2026, 12, 31), NOW)
    assert choice is not None
