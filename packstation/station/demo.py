"""The demo's "do the next thing" driver: what a packer would scan or put on the scale now.

It only proposes; the demo sends its codes through the scanner simulator's
pseudo-terminal and its weights through the scale simulator, so the demo runs
the real serial code path end to end.
"""

from __future__ import annotations

import secrets
import string
from decimal import Decimal

from msgspec import Struct

from packstation.domain.rules import PackRules
from packstation.domain.workflow import PackState, Step
from packstation.domain.workflow.state import OverrideFlow

DEMO_PACKER = "BADGE-0001"
DEMO_LEAD = "BADGE-LEAD-01"
DEMO_LEAD_PIN = "1234"
#: A real item of another sample order (ORD-1005's cable): the "wrong item" key.
WRONG_ITEM = "4607001002000"

_SERIAL_CHARS = string.ascii_letters + string.digits + "!\"%&'*+-./_,:;=<>?"


class DemoAction(Struct, frozen=True):
    #: "scan" (text for the scanner) or "weigh" (grams for the scale).
    kind: str
    value: str


def marking_code(gtin14: str) -> str:
    """A fresh Chestny ZNAK code: 01 GTIN 21 serial GS 91 key GS 92 crypto."""
    serial = "".join(secrets.choice(_SERIAL_CHARS) for _ in range(13))
    crypto = "".join(
        secrets.choice(string.ascii_letters + string.digits + "+/=") for _ in range(44)
    )
    return f"01{gtin14}21{serial}\x1d91EE10\x1d92{crypto}"


def next_action(state: PackState, rules: PackRules) -> DemoAction:
    step = state.step
    order = state.order
    if step is Step.LOGGED_OUT:
        return DemoAction("scan", DEMO_PACKER)
    if step in (Step.IDLE, Step.CLOSED):
        return DemoAction("scan", "CMD:NEXT")
    if step is Step.OVERRIDE_REASON and isinstance(state.flow, OverrideFlow):
        # The first reason offered for this purpose (the numbers are per OverrideReason).
        number = min(state.flow.purpose.reason_numbers().values())
        return DemoAction("scan", str(number))
    if step in (Step.DEFECT_PICK_LINE, Step.DEFECT_PICK_KIND, Step.OVERRIDE_REASON):
        return DemoAction("scan", "1")
    if step is Step.OVERRIDE_BADGE:
        return DemoAction("scan", DEMO_LEAD)
    if step is Step.OVERRIDE_PIN:
        return DemoAction("scan", DEMO_LEAD_PIN)
    if order is None:
        return DemoAction("scan", "CMD:NEXT")
    if step is Step.ITEMS:
        for line in order.lines:
            if state.remaining(line) > 0:
                if line.marked and line.gtins:
                    return DemoAction("scan", marking_code(line.gtins[0]))
                return DemoAction("scan", line.barcodes[0] if line.barcodes else line.sku)
    if step is Step.BOX:
        return DemoAction("scan", _box_for(state, rules))
    if step is Step.WEIGHT:
        if state.weight_blocked:
            return DemoAction("scan", "CMD:LEAD")
        return DemoAction("weigh", str(state.expected_weight_g + Decimal(7)))
    if step is Step.CHECKS:
        if state.next_check is not None:
            return DemoAction("scan", "CMD:OK")
        if state.next_document:
            return DemoAction("scan", f"DOC:{state.next_document}:{order.id}")
    if step is Step.LABEL and state.parcel:
        return DemoAction("scan", state.parcel.parcel_id)
    return DemoAction("scan", "CMD:OK")


def _box_for(state: PackState, rules: PackRules) -> str:
    weight = sum(
        (line.unit_weight_g * state.packed(line.line_id) for line in state.lines), Decimal(0)
    )
    boxes = sorted(rules.boxes, key=lambda b: b.tare_g)
    if not boxes:
        return "BOX:M"
    # Light orders go in the smallest box; heavy ones in the sturdiest.
    return (boxes[len(boxes) // 2] if weight > 1000 else boxes[0]).code
