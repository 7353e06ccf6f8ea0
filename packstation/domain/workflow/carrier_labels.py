"""The end of the pack: boxes split off (CMD:NEWBOX), the carrier and tariff (the rules' choice,
a lead's card, a hold when none fits) and the labels, one per box (`machine._dispatch`
routes here)."""

from __future__ import annotations

import re
from decimal import Decimal

from msgspec import Struct
from msgspec.structs import replace

from packstation.domain.carriers import Choice, NoFit, choose_tariff, find_tariff
from packstation.domain.codes import ScannedCode
from packstation.domain.rules import Tariff
from packstation.domain.workflow.boxing import parcel_fit
from packstation.domain.workflow.commands import Action
from packstation.domain.workflow.facts import MARKETPLACE_TARIFF
from packstation.domain.workflow.model import OrderView
from packstation.domain.workflow.records import BoxSplit, CarrierNoFit, LabelPrinted, OrderHeld
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.serials import serial_pending
from packstation.domain.workflow.state import OverrideFlow, PackState, Purpose, Step
from packstation.i18n import Msg

__all__ = ["boxes_of", "carrier_action", "labels_for", "new_box", "tariff_card"]

#: ``orders.hold_reason`` is a String(500).
_HOLD_REASON_LIMIT = 500


def new_box(state: PackState, order: OrderView, env: Env) -> Result:
    """CMD:NEWBOX: the units scanned since the last sealed box fill this box."""
    n = len(state.sealed) + 1
    if state.splitting:
        return bad("box.split_already", {"n": n}, bell=False)
    if state.stage is not Step.ITEMS:
        return bad("box.split_nothing_left")
    if (waiting := serial_pending(state)) is not None:
        return waiting
    if not state.open_units:
        return bad("box.split_empty", {"n": n})
    record = BoxSplit(env.at, order.id, n, state.open_units)
    return good("box.split", {"n": n, "units": state.open_units}, (record,))


def carrier_action(state: PackState, order: OrderView, action: Action, env: Env) -> Result:
    if state.stage is not Step.LABEL:
        return bad("hold.not_now" if action is Action.HOLD else "carrier.not_now")
    if state.any_confirmed:
        return bad("label.finish_first", {"parcel": state.parcel.parcel_id if state.parcel else ""})
    if action is Action.HOLD and order.channel and any(not p.barcode for p in state.parcels):
        reason = "marketplace_label: waiting for the marketplace's label"
        held = OrderHeld(env.at, order.id, reason)
        return good("label.held_marketplace", {"order": order.id}, (held,))
    if action is Action.HOLD:
        if state.no_fit is None:
            return bad("hold.not_now")
        reason = f"no_tariff: {state.no_fit.note()}"[:_HOLD_REASON_LIMIT]
        return good("carrier.held", {"order": order.id}, (OrderHeld(env.at, order.id, reason),))
    weights = [b.weight_g for b in boxes_of(state) or ()]
    cards = [
        f"TARIFF:{c.code}:{t.code}"
        for c in env.rules.carriers
        for t in c.tariffs
        if t.serves(order.country) and all(t.max_kg * 1000 >= w for w in weights)
    ]
    if not cards:
        return bad("carrier.none_can_take", {"country": order.country or "-"})
    return replace(good("carrier.pick", {"cards": ", ".join(cards)}), prints=False)


def tariff_card(state: PackState, code: ScannedCode, env: Env) -> Result:
    """A lead's tariff card at the label step: opens the override (badge, PIN, reason)."""
    order = state.order
    if order is None:
        return bad("order.none")
    if state.stage is not Step.LABEL:
        return bad("carrier.not_now")
    if state.any_confirmed:
        return bad("label.finish_first", {"parcel": state.parcel.parcel_id if state.parcel else ""})
    carrier_code, _, tariff_code = (code.command or "").partition(":")
    found = find_tariff(env.rules.carriers, carrier_code, tariff_code)
    if found is None:
        return bad("carrier.unknown_tariff", {"tariff": f"{carrier_code}/{tariff_code}"})
    carrier, tariff = found
    name = f"{carrier.code}/{tariff.code}"
    if not tariff.serves(order.country):
        why = Msg("carrier.why.country", {"country": order.country or "-"})
        return bad("carrier.cannot_take", {"tariff": name, "why": why})
    heaviest = max((b.weight_g for b in boxes_of(state) or ()), default=Decimal(0))
    if tariff.max_kg * 1000 < heaviest:
        why = Msg("carrier.why.weight", {"max": f"{tariff.max_kg:f}"})
        return bad("carrier.cannot_take", {"tariff": name, "why": why})
    flow = OverrideFlow(Purpose.CARRIER, tariff=f"{carrier.code}:{tariff.code}")
    return good("carrier.override_started", {"tariff": name}, flow=flow)


class _Box(Struct, frozen=True):
    """One parcel-to-be at the label step: a sealed box, or the open one."""

    seq: int
    box_code: str
    weight_g: Decimal
    expected_g: Decimal
    units: int


def boxes_of(state: PackState) -> list[_Box] | None:
    """Every box of the order with its weighing, by seq; None if the open one is not weighed."""
    boxes: list[_Box] = []
    before = 0
    for seq, sealed in enumerate(state.sealed, start=1):
        w = sealed.weight
        boxes.append(_Box(seq, sealed.box.code, w.actual_g, w.expected_g, sealed.upto - before))
        before = sealed.upto
    if state.open_box_empty:
        return boxes
    if state.box is None or state.weight is None:
        return None
    w = state.weight
    boxes.append(_Box(len(boxes) + 1, state.box.code, w.actual_g, w.expected_g, state.open_units))
    return boxes


def labels_for(
    state: PackState, env: Env, *, reprint: bool
) -> tuple[LabelPrinted, ...] | CarrierNoFit | Msg:
    """The labels for the order's boxes (one per box), or why there are none."""
    order = state.order
    boxes = boxes_of(state) if order is not None else None
    if order is None or not boxes:
        return Msg("label.not_yet")
    if reprint:
        return tuple(
            LabelPrinted(
                env.at, order.id, p.parcel_id, p.carrier, p.tariff, p.cost, p.days, p.weight_g,
                boxes[p.seq - 1].expected_g, boxes[p.seq - 1].box_code, reprint=True,
                seq=p.seq, parcel_count=p.count, units=boxes[p.seq - 1].units, choice=p.choice,
                override_by=p.override_by, override_reason=p.override_reason,
                override_note=p.override_note,
            )
            for p in state.parcels
            if not p.confirmed and p.seq <= len(boxes)
        )  # fmt: skip
    rules = env.rules.carrier_choice
    override = state.carrier_override
    chosen: list[tuple[_Box, Choice | None, tuple[str, str, Decimal, int], bool]] = []
    for box in boxes:
        if order.channel:  # the marketplace carries it, on its own label: nothing to choose
            by = (order.carrier or order.channel)[:64]
            chosen.append((box, None, (by, MARKETPLACE_TARIFF, Decimal(0), 0), False))
            continue
        result = choose_tariff(
            env.rules.carriers, order.country, box.weight_g, order.ship_by, env.at,
            only_carrier=order.carrier or None, min_reliability=rules.min_reliability,
            late=rules.late,
        )  # fmt: skip
        found = (
            find_tariff(env.rules.carriers, override.carrier, override.tariff) if override else None
        )
        choice = result if isinstance(result, Choice) else None
        if found is not None and _can_take(found[1], order.country, box.weight_g):
            carrier, tariff = found
            picked = (carrier.code, tariff.code, tariff.cost(box.weight_g), tariff.days)
            chosen.append((box, choice, picked, True))
        elif isinstance(result, NoFit):
            return CarrierNoFit(env.at, order.id, box.seq, result)
        else:
            picked = (result.carrier, result.tariff, result.cost, result.days)
            chosen.append((box, result, picked, False))
    ids = _parcel_ids(env, order.id, len(chosen))
    labels = []
    for (box, choice, picked, by_lead), parcel_id in zip(chosen, ids, strict=True):
        carrier_code, tariff_code, cost, days = picked
        lead = override if by_lead else None
        fit = parcel_fit(state, env.rules, box.seq)
        labels.append(
            LabelPrinted(
                env.at, order.id, parcel_id, carrier_code, tariff_code, cost, days, box.weight_g,
                box.expected_g, box.box_code, seq=box.seq, parcel_count=len(chosen),
                units=box.units, choice=choice,
                override_by=lead.lead_name if lead else "",
                override_reason=lead.reason.value if lead else "",
                override_note=lead.note if lead else "",
                suggested_box=fit.suggested_box, box_cm3=fit.box_cm3,
                suggested_cm3=fit.suggested_cm3, first_box_cm3=fit.first_box_cm3,
            )
        )  # fmt: skip
    return tuple(labels)


def _can_take(tariff: Tariff, country: str, weight_g: Decimal) -> bool:
    return tariff.serves(country) and tariff.max_kg * 1000 >= weight_g


_TRAILING_NUMBER = re.compile(r"(\d+)$")


def _parcel_ids(env: Env, order_id: str, count: int) -> list[str]:
    """``count`` distinct new parcel ids. A database context may hand out the same id until
    a parcel is stored (it counts the order's parcels), so a repeat is bumped."""
    ids: list[str] = []
    for _ in range(count):
        new = env.ctx.new_parcel_id(order_id)
        while new in ids:
            match = _TRAILING_NUMBER.search(new)
            new = f"{new[: match.start()]}{int(match.group(1)) + 1}" if match else f"{new}-2"
        ids.append(new)
    return ids
