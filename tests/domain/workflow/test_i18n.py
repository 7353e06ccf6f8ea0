"""Every message key the workflow can produce exists in English and Russian."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

from packstation.domain.carriers import Why
from packstation.domain.evidence import CAMERA_STATES
from packstation.domain.orders import OrderStatus
from packstation.domain.workflow import DefectKind, OverrideReason, Step
from packstation.i18n import LOCALES, TABLE, Msg, t

WORKFLOW = Path(__file__).resolve().parents[3] / "packstation" / "domain" / "workflow"
_MESSAGE_CALLS = {"Msg", "good", "bad"}


@functools.cache
def used_keys() -> frozenset[str]:
    """Literal first arguments of Msg(...), good(...), bad(...) in the workflow sources."""
    keys: set[str] = set()
    for path in WORKFLOW.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _MESSAGE_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    keys |= {f"defect.kind.{k.value}" for k in DefectKind}
    keys |= {f"override.reason.{r.value}" for r in OverrideReason}
    keys |= {f"carrier.why.{w.value}" for w in Why}
    keys |= {f"step.{s.value}" for s in Step}
    keys |= {f"status.{s.value}" for s in OrderStatus}
    keys |= {f"camera.state.{s}" for s in CAMERA_STATES}
    return frozenset(keys)


def test_the_key_scan_finds_the_machine_keys() -> None:
    keys = used_keys()
    assert {"scan.not_in_order", "hint.put_aside", "weight.out_of_tolerance"} <= keys
    assert len(keys) > 100


@pytest.mark.parametrize("locale", LOCALES)
def test_every_used_key_is_translated(locale: str) -> None:
    missing = sorted(k for k in used_keys() if not TABLE.get(k, {}).get(locale, "").strip())
    assert missing == []


def test_no_stray_keys() -> None:
    # Keys nobody uses rot. "station."/"ui." keys belong to the app layer, and the area
    # texts (packstation/texts/*) are checked by their own areas' tests.
    from packstation.texts import notify, queue, returns, training

    areas = set(notify.TEXTS) | set(queue.TEXTS) | set(returns.TEXTS) | set(training.TEXTS)
    stray = {k for k in set(TABLE) - used_keys() - areas if not k.startswith(("station.", "ui."))}
    assert sorted(stray) == []


def test_placeholders_match_between_languages() -> None:
    names = re.compile(r"{(\w+)}")
    for key, entry in TABLE.items():
        assert set(names.findall(entry["en"])) == set(names.findall(entry["ru"])), key


def test_t_formats_and_falls_back() -> None:
    msg = Msg("scan.not_in_order", {"other": "ORD-1005"})
    assert t(msg, "ru") == "НЕТ В ЭТОМ ЗАКАЗЕ (это товар заказа ORD-1005)"
    assert t(msg, "de") == "NOT IN THIS ORDER (belongs to ORD-1005)"
    assert t(Msg("no.such.key"), "ru") == "no.such.key"
    assert t(Msg("scan.not_in_order")) == "NOT IN THIS ORDER (belongs to {other})"
    nested = Msg("defect.short", {"sku": "TEA", "defect": Msg("defect.kind.damaged")})
    assert t(nested, "ru") == "TEA отгружаем на одну единицу меньше (повреждён); покупателю сообщим"


def test_params_are_inserted_literally() -> None:
    msg = Msg("scan.unknown", {"code": "{code}[red]x\x1b[2J"})
    assert t(msg) == "UNKNOWN CODE {code}[red]x\x1b[2J"  # escaping is the UI's job


def test_every_ui_key_used_by_the_screens_exists_in_both_languages() -> None:
    import re
    from pathlib import Path

    from packstation.i18n import TABLE

    root = Path(__file__).resolve().parents[3] / "packstation"
    used: set[str] = set()
    for folder in ("screens", "widgets", "station"):
        for path in (root / folder).rglob("*.py"):
            used |= set(
                re.findall(
                    r"""["']((?:ui|station|hint|step)\.[a-z_.]+)["']""",
                    path.read_text(encoding="utf-8"),
                )
            )
    used = {k for k in used if not k.endswith((".", ".tcss"))}
    missing = {k for k in used if k not in TABLE and not k.startswith("step.")}
    assert missing == set()
    assert all(set(TABLE[k]) >= {"en", "ru"} for k in used if k in TABLE)
