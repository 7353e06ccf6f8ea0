"""Station rules from TOML and the carrier/tariff choice."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from packstation.domain.carriers import Choice, NoFit, Why, choose_tariff, find_tariff
from packstation.domain.rules import (
    Carrier,
    CarrierChoiceRules,
    DefectPolicy,
    LatePolicy,
    PackRules,
    RulesError,
    Tariff,
)

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


def _why(result: Choice | NoFit) -> dict[str, tuple[Why, ...]]:
    options = result.others if isinstance(result, Choice) else result.options
    return {o.code: o.why for o in options}


def test_carrier_choice_config() -> None:
    sample = load_rules().carrier_choice
    assert sample == CarrierChoiceRules(Decimal("0.9"), LatePolicy.FASTEST)
    # Without the section: no floor, and a parcel that cannot arrive in time waits for a lead.
    assert PackRules.from_config({}).carrier_choice == CarrierChoiceRules()
    assert CarrierChoiceRules() == CarrierChoiceRules(Decimal(0), LatePolicy.LEAD)
    partial = PackRules.from_config({"carrier_choice": {"min_reliability": "0.95"}})
    assert partial.carrier_choice == CarrierChoiceRules(Decimal("0.95"), LatePolicy.LEAD)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"carrier_choice": {"min_reliability": 1.5}}, "carrier_choice.min_reliability"),
        ({"carrier_choice": {"min_reliability": "high"}}, "carrier_choice.min_reliability"),
        ({"carrier_choice": {"late": "never"}}, "carrier_choice.late"),
        ({"carrier_choice": {"late": ["lead"]}}, "carrier_choice.late"),
        ({"carrier_choice": ["lead"]}, "carrier_choice"),
    ],
)
def test_bad_carrier_choice_names_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(RulesError) as caught:
        PackRules.from_config(raw)
    assert str(caught.value).startswith(f"config key {key}:")


# Sample tariffs, 1.5 kg at NOW (2026-11-26 10:00 +03:00): EXPRESS 1 d 309.00, STANDARD 3 d
# 186.50 (Ozon, 0.98), PARCEL 6 d 144.00 (Post, 0.91), EMS-INTL 9 d, not to RU.


def test_deadline_fast_enough_beats_cheap() -> None:
    carriers = load_rules().carriers
    # Promised tomorrow noon: only the 1-day tariff makes it.
    choice = choose_tariff(carriers, "RU", Decimal(1500), NOW + timedelta(hours=26), NOW)
    assert isinstance(choice, Choice)
    assert (choice.carrier, choice.tariff, choice.cost, choice.days) == (
        "OZON-COURIER", "EXPRESS", Decimal("309.00"), 1,
    )  # fmt: skip
    assert choice.on_time and choice.arrives == NOW + timedelta(days=1)
    assert _why(choice) == {
        "OZON-COURIER/STANDARD": (Why.LATE,),
        "RUSSIAN-POST/PARCEL": (Why.LATE,),
        "RUSSIAN-POST/EMS-INTL": (Why.COUNTRY, Why.LATE),
    }
    # Best candidates first: fewest broken constraints, then the cheapest.
    assert [o.code for o in choice.others] == [
        "RUSSIAN-POST/PARCEL", "OZON-COURIER/STANDARD", "RUSSIAN-POST/EMS-INTL",
    ]  # fmt: skip


def test_cheapest_when_the_promise_is_far_or_absent() -> None:
    carriers = load_rules().carriers
    far = choose_tariff(carriers, "RU", Decimal(1500), NOW + timedelta(days=10), NOW)
    none = choose_tariff(carriers, "RU", Decimal(1500), None, NOW)
    assert isinstance(far, Choice) and far.tariff == "PARCEL" and far.cost == Decimal("144.00")
    assert isinstance(none, Choice) and (none.carrier, none.tariff) == (far.carrier, far.tariff)
    assert _why(none) == {
        "OZON-COURIER/STANDARD": (Why.DEARER,),
        "OZON-COURIER/EXPRESS": (Why.DEARER,),
        "RUSSIAN-POST/EMS-INTL": (Why.COUNTRY,),
    }


def test_deadline_nothing_in_time_is_no_fit_for_a_lead() -> None:
    carriers = load_rules().carriers
    result = choose_tariff(carriers, "RU", Decimal(1000), NOW - timedelta(hours=1), NOW)
    assert isinstance(result, NoFit)
    assert result.country == "RU" and result.weight_g == Decimal(1000)
    assert result.options[0].code == "RUSSIAN-POST/PARCEL"  # the closest: only late, cheapest
    assert all(Why.LATE in o.why for o in result.options)


def test_deadline_nothing_in_time_takes_the_fastest_when_configured() -> None:
    carriers = load_rules().carriers
    late = choose_tariff(
        carriers, "RU", Decimal(1000), NOW - timedelta(hours=1), NOW, late=LatePolicy.FASTEST
    )
    assert isinstance(late, Choice) and late.tariff == "EXPRESS" and not late.on_time
    assert _why(late) == {
        "OZON-COURIER/STANDARD": (Why.SLOWER,),
        "RUSSIAN-POST/PARCEL": (Why.SLOWER,),
        "RUSSIAN-POST/EMS-INTL": (Why.COUNTRY, Why.LATE),
    }
    assert "LATE:fastest" in late.note()


def test_country_limits() -> None:
    carriers = load_rules().carriers
    result = choose_tariff(carriers, "US", Decimal(500), None, NOW)
    assert isinstance(result, NoFit)
    assert {o.why for o in result.options} == {(Why.COUNTRY,)}
    kz = choose_tariff(carriers, "kz", Decimal(500), None, NOW)
    assert isinstance(kz, Choice) and kz.tariff == "EMS-INTL"


def test_weight_limits() -> None:
    carriers = load_rules().carriers
    heavy = choose_tariff(carriers, "RU", Decimal(22_000), None, NOW)
    assert isinstance(heavy, Choice) and heavy.code == "OZON-COURIER/STANDARD"
    assert _why(heavy)["RUSSIAN-POST/PARCEL"] == (Why.WEIGHT,)  # the post takes 20 kg max
    too_heavy = choose_tariff(carriers, "RU", Decimal(30_000), None, NOW)
    assert isinstance(too_heavy, NoFit)
    assert all(Why.WEIGHT in o.why for o in too_heavy.options)


def test_reliability_floor() -> None:
    carriers = load_rules().carriers
    # The post (0.91) is the cheapest, but below a 0.95 floor.
    choice = choose_tariff(
        carriers, "RU", Decimal(1500), None, NOW, min_reliability=Decimal("0.95")
    )
    assert isinstance(choice, Choice) and choice.code == "OZON-COURIER/STANDARD"
    assert _why(choice)["RUSSIAN-POST/PARCEL"] == (Why.RELIABILITY,)
    assert choice.min_reliability == Decimal("0.95")
    at_floor = choose_tariff(
        carriers, "RU", Decimal(1500), None, NOW, min_reliability=Decimal("0.91")
    )
    assert isinstance(at_floor, Choice) and at_floor.tariff == "PARCEL"  # the floor itself is ok
    nobody = choose_tariff(
        carriers, "RU", Decimal(1500), None, NOW, min_reliability=Decimal("0.99")
    )
    assert isinstance(nobody, NoFit)
    assert nobody.options[0].code == "RUSSIAN-POST/PARCEL"
    assert nobody.options[0].why == (Why.RELIABILITY,)


def test_no_fit_lists_every_broken_constraint_best_first() -> None:
    carriers = load_rules().carriers
    result = choose_tariff(
        carriers, "KZ", Decimal(21_000), NOW + timedelta(days=2), NOW,
        min_reliability=Decimal("0.95"),
    )  # fmt: skip
    assert isinstance(result, NoFit)
    assert _why(result) == {
        "OZON-COURIER/EXPRESS": (Why.COUNTRY,),
        "OZON-COURIER/STANDARD": (Why.COUNTRY, Why.LATE),
        "RUSSIAN-POST/PARCEL": (Why.COUNTRY, Why.WEIGHT, Why.RELIABILITY, Why.LATE),
        "RUSSIAN-POST/EMS-INTL": (Why.WEIGHT, Why.RELIABILITY, Why.LATE),
    }
    assert [o.code for o in result.options][:2] == ["OZON-COURIER/EXPRESS", "OZON-COURIER/STANDARD"]
    assert result.note().startswith(
        "no fit 21000 g to KZ promise 2026-11-28T10:00+03:00 floor 0.95"
    )
    assert "RUSSIAN-POST/EMS-INTL:weight+reliability+late" in result.note()


def test_no_carriers_is_no_fit() -> None:
    result = choose_tariff((), "RU", Decimal(100), None, NOW)
    assert result == NoFit("RU", Decimal(100), None, Decimal(0), ())


def test_equal_cost_prefers_reliability_then_code() -> None:
    a = _carrier("A", "0.90", _tariff("T", 2, 100, 10))
    b = _carrier("B", "0.99", _tariff("T", 2, 100, 10))
    c = _carrier("C", "0.99", _tariff("T", 2, 100, 10))
    choice = choose_tariff([a, c, b], "RU", Decimal(1000), None, NOW)
    assert isinstance(choice, Choice) and choice.carrier == "B"
    assert _why(choice) == {"C/T": (Why.TIE,), "A/T": (Why.TIE,)}
    # Deterministic: the order of the config does not change the answer.
    assert choose_tariff([b, a, c], "RU", Decimal(1000), None, NOW) == choice


def test_order_carrier_restricts_the_choice() -> None:
    carriers = load_rules().carriers
    choice = choose_tariff(carriers, "RU", Decimal(1000), None, NOW, only_carrier="OZON-COURIER")
    assert isinstance(choice, Choice) and choice.tariff == "STANDARD"
    assert _why(choice)["RUSSIAN-POST/PARCEL"] == (Why.CARRIER,)
    unknown = choose_tariff(carriers, "RU", Decimal(1000), None, NOW, only_carrier="DHL")
    assert isinstance(unknown, Choice) and unknown.tariff == "PARCEL"


def test_naive_promise_does_not_crash() -> None:
    choice = choose_tariff(load_rules().carriers, "RU", Decimal(1), datetime(2026, 12, 31), NOW)
    assert isinstance(choice, Choice)


def test_note_is_compact_and_language_neutral() -> None:
    carriers = load_rules().carriers
    choice = choose_tariff(carriers, "RU", Decimal(1500), NOW + timedelta(hours=26), NOW)
    assert isinstance(choice, Choice)
    assert choice.note() == (
        "OZON-COURIER/EXPRESS 309.00 RUB 1d arrives 2026-11-27T10:00+03:00"
        " promise 2026-11-27T12:00+03:00 floor 0"
        " | RUSSIAN-POST/PARCEL:late | OZON-COURIER/STANDARD:late"
        " | RUSSIAN-POST/EMS-INTL:country+late"
    )
    many = tuple(_carrier(f"C{i:03}", "1", _tariff("T", 1, 1, 1)) for i in range(200))
    long = choose_tariff(many, "RU", Decimal(1), None, NOW)
    assert isinstance(long, Choice) and len(long.note()) == 1000 and long.note().endswith("…")


def test_find_tariff_ignores_case() -> None:
    carriers = load_rules().carriers
    found = find_tariff(carriers, "ozon-courier", "Express")
    assert found is not None and (found[0].code, found[1].code) == ("OZON-COURIER", "EXPRESS")
    assert find_tariff(carriers, "OZON-COURIER", "PARCEL") is None
