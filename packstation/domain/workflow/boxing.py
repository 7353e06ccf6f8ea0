"""The box step: the suggested box, boxes refused for the items' size, the lead's override.

Every box of an order (one, or each box of a CMD:NEWBOX order) gets its own suggestion
for the units in it (`domain.boxes.suggest`). A scanned box that surely cannot take them
(an item longer than its longest side, or more volume than it has: `boxes.too_small`)
is refused red, naming the suggested box; CMD:LEAD (F9) right after opens the lead's
approval (badge, PIN, reason), recorded as ``override.box``. A larger box than suggested
is taken, with the suggestion named, so the packer may still change it before weighing.
Units without sizes: no suggestion, and nothing is refused for size.
"""

from __future__ import annotations

from decimal import Decimal

from msgspec import Struct

from packstation.domain.boxes import (
    Dims,
    NoSuggestion,
    Suggestion,
    TooSmall,
    box_dims,
    cm3,
    suggest,
    too_small,
)
from packstation.domain.codes import ScannedCode
from packstation.domain.rules import Box, PackRules
from packstation.domain.workflow.commands import PickReason
from packstation.domain.workflow.model import Operator, OverrideReason
from packstation.domain.workflow.records import BoxChosen, BoxOverridden
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import OverrideFlow, PackState, Purpose, Step
from packstation.i18n import Msg

__all__ = [
    "REFUSED",
    "ParcelFit",
    "advice",
    "box_reason",
    "choose_box",
    "override_box",
    "parcel_fit",
    "suggestion_for",
]

#: The message key of a box refused for size (CMD:LEAD after it opens the override).
REFUSED = "box.too_small"
_WHY = {TooSmall.LONGEST: Msg("box.why.longest"), TooSmall.VOLUME: Msg("box.why.volume")}
_NO_SUGGESTION = {
    NoSuggestion.NO_DIMS: Msg("box.no_suggestion.no_dims"),
    NoSuggestion.NO_SIZES: Msg("box.no_suggestion.no_sizes"),
    NoSuggestion.NONE_FITS: Msg("box.no_suggestion.none_fits"),
    NoSuggestion.TOO_MANY: Msg("box.no_suggestion.too_many"),
    NoSuggestion.EMPTY: Msg("box.no_suggestion.empty"),
}


def _units(state: PackState, start: int, end: int) -> tuple[list[Dims | None], Decimal]:
    """Sizes (None: not given) and total weight of the units scanned into ``[start, end)``."""
    order = state.order
    if order is None:
        return [], Decimal(0)
    by_id = {line.line_id: line for line in order.lines}
    dims: list[Dims | None] = []
    weight = Decimal(0)
    for scan in state.scans[start:end]:
        line = by_id.get(scan.line_id)
        if line is None:
            continue
        size = line.dims_mm
        dims.append((size[0], size[1], size[2]) if len(size) == 3 else None)
        weight += line.unit_weight_g
    return dims, weight


def suggestion_for(state: PackState, rules: PackRules) -> Suggestion:
    """The suggestion for the open box: the units scanned since the last sealed box."""
    dims, weight = _units(state, state.sealed_units, len(state.scans))
    return suggest(dims, rules.boxes, weight)


def advice(state: PackState, rules: PackRules) -> Msg:
    """What the box step says about the suggestion (part of its hint)."""
    found = suggestion_for(state, rules)
    if found.box is not None:
        return Msg("box.suggested", {"box": found.box.code, "name": found.box.name})
    return _NO_SUGGESTION[found.why_not or NoSuggestion.EMPTY]


def choose_box(state: PackState, code: ScannedCode, env: Env) -> Result:
    """A ``BOX:`` scan at the box or weight step (the checks before are the machine's)."""
    order = state.order
    box = env.rules.box(code.command or code.text)
    if order is None or box is None:  # pragma: no cover - the machine checked both
        return bad("box.no_order")
    params: dict[str, object] = {"name": box.name, "tare": f"{box.tare_g.quantize(Decimal(1)):f}"}
    if state.box is not None and state.box.code == box.code:
        return good("box.chosen", params)
    found = suggestion_for(state, env.rules)
    why = _too_small(state, box)
    if why is not None:
        named = found.box.code if found.box is not None else ""
        refused: dict[str, object] = {
            "box": box.code,
            "why": _WHY[why],
            "suggested": Msg("box.use", {"box": named}) if named else Msg("box.use_none"),
        }
        return bad("box.too_small", refused, hint=Msg("hint.box_override"))
    record = BoxChosen(env.at, order.id, box.code, box.name, box.tare_g)
    if found.box is not None and _volume(found.box) < _volume(box):
        params["suggested"] = found.box.code
        return good("box.chosen_larger", params, (record,))
    return good("box.chosen", params, (record,))


def _too_small(state: PackState, box: Box) -> TooSmall | None:
    dims = box_dims(box)
    items, _ = _units(state, state.sealed_units, len(state.scans))
    if dims is None or not items or any(d is None for d in items):
        return None
    return too_small([d for d in items if d is not None], dims)


def _volume(box: Box) -> int:
    dims = box_dims(box)
    return cm3(dims) if dims is not None else 0


def override_box(state: PackState) -> Result | None:
    """CMD:LEAD right after a box was refused for size: the lead's approval opens."""
    alert = state.alert
    if alert is None or alert.ok or alert.message.key != REFUSED:
        return None
    if state.stage not in (Step.BOX, Step.WEIGHT):
        return None
    code = str(alert.message.params.get("box", ""))
    return good("box.override_started", {"box": code}, flow=OverrideFlow(Purpose.BOX, box=code))


def box_reason(
    state: PackState, flow: OverrideFlow, lead: Operator, command: PickReason, env: Env
) -> Result:
    """The lead's reason for the refused box: it becomes the parcel's box (audited)."""
    order = state.order
    box = env.rules.box(flow.box)
    if order is None or box is None or state.stage not in (Step.BOX, Step.WEIGHT):
        return bad("override.nothing", flow=None)
    if not Purpose.BOX.allows(command.reason):
        return bad("override.reason_other_purpose")
    note = command.note.strip()
    if command.reason is OverrideReason.OTHER and not note:
        return bad("override.note_required")
    found = suggestion_for(state, env.rules)
    packer = state.operator
    why = _too_small(state, box)
    record = BoxOverridden(
        env.at, order.id, box.code, box.name, box.tare_g, why.value if why else "",
        found.box.code if found.box is not None else "", lead.id, lead.name, command.reason,
        note, packer.id if packer else None, packer.name if packer else "",
    )  # fmt: skip
    params: dict[str, object] = {"name": lead.name, "box": box.code}
    return good("override.box_ok", params, (record,), flow=None)


class ParcelFit(Struct, frozen=True):
    """What a parcel's label records about its box (``parcels`` columns)."""

    suggested_box: str = ""
    box_cm3: int | None = None
    suggested_cm3: int | None = None
    first_box_cm3: int | None = None


def parcel_fit(state: PackState, rules: PackRules, seq: int) -> ParcelFit:
    """Box ``seq``'s suggestion and the volumes of its boxes (used, suggested, first pick)."""
    bounds = [0, *(s.upto for s in state.sealed), len(state.scans)]
    if not 1 <= seq < len(bounds):
        return ParcelFit()
    choice = state.sealed[seq - 1].box if seq <= len(state.sealed) else state.box
    dims, weight = _units(state, bounds[seq - 1], bounds[seq])
    found = suggest(dims, rules.boxes, weight)

    def volume(code: str) -> int | None:
        box = rules.box(code) if code else None
        size = box_dims(box) if box is not None else None
        return cm3(size) if size is not None else None

    return ParcelFit(
        suggested_box=found.box.code if found.box is not None else "",
        box_cm3=volume(choice.code) if choice is not None else None,
        suggested_cm3=volume(found.box.code) if found.box is not None else None,
        first_box_cm3=volume(choice.first or choice.code) if choice is not None else None,
    )
