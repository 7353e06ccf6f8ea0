"""An order's pack instructions and inserts at claim, and which instructions each step shows.

Fixed into ``order.claimed`` (`machine.plan_for`, `machine._claim`): the order file's own
instructions, then the config's that match. A ``confirm`` instruction becomes a checklist
item of profile ``instruction``, confirmed by scan at the checks step like any check and
audited as ``check.confirmed`` with its text: whatever its step, the checks step is where
the box is still open and every confirmation is scanned, before the label. Inserts join
the order's documents: printed with them at claim, scanned into the box as DOC:<KIND>.
"""

from __future__ import annotations

from packstation.domain.instructions import Instruction
from packstation.domain.rules import PackRules
from packstation.domain.workflow.model import CheckItem, OrderView
from packstation.domain.workflow.state import PackState, Step

__all__ = ["INSTRUCTION_PROFILE", "confirm_checks", "instructions_for", "inserts_for", "shown_at"]

#: The checklist profile of a confirm instruction (`check.confirmed` names it).
INSTRUCTION_PROFILE = "instruction"
#: The instruction step each workflow step shows (the weight step is the box's).
_SHOWN = {
    Step.ITEMS: "items",
    Step.BOX: "box",
    Step.WEIGHT: "box",
    Step.CHECKS: "checks",
    Step.LABEL: "label",
}


def instructions_for(order: OrderView, rules: PackRules) -> tuple[Instruction, ...]:
    """The order's own instructions, then the config's that match it; a repeat (same text
    and step) once."""
    skus = [line.sku for line in order.lines]
    found = list(order.instructions) + [
        rule.instruction
        for rule in rules.instructions
        if rule.match.applies(skus, order.channel, order.customer)
    ]
    seen: set[tuple[str, str]] = set()
    unique: list[Instruction] = []
    for item in found:
        key = (item.text.casefold(), item.step)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)


def confirm_checks(instructions: tuple[Instruction, ...]) -> tuple[CheckItem, ...]:
    """The checklist items the confirm instructions add (after the packaging checks)."""
    return tuple(CheckItem(INSTRUCTION_PROFILE, i.text) for i in instructions if i.confirm)


def inserts_for(order: OrderView, rules: PackRules) -> tuple[str, ...]:
    """The insert kinds the order's documents gain: its own (gift note), then config's."""
    skus = [line.sku for line in order.lines]
    kinds = list(order.inserts) + [
        rule.kind
        for rule in rules.inserts
        if rule.match.applies(skus, order.channel, order.customer)
    ]
    return tuple(dict.fromkeys(kinds))


def shown_at(state: PackState) -> tuple[Instruction, ...]:
    """The instructions for the step the packer is at (none without an order)."""
    if state.order is None:
        return ()
    step = _SHOWN.get(state.stage)
    return tuple(i for i in state.instructions if i.step == step)
