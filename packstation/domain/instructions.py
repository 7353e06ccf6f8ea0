"""Pack instructions and inserts: what the packer must do or put in the box beyond the items.

Instructions come from order files (the order's own and each line's) and from config
(``[[instructions]]`` matching a SKU, a channel, a customer, or always); inserts (a gift
note, a flyer) are extra pages printed with the order's documents at claim and scanned
into the box like them (``DOC:<KIND>:<ORDER>``). Both are fixed into ``order.claimed``, so
a config edit cannot shift what a packer was asked. Parsing here is pure: the config
reader (`rules.py`) and the intake readers name the offending key or JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct

__all__ = [
    "GIFT_NOTE",
    "STEPS",
    "InsertRule",
    "Instruction",
    "InstructionError",
    "InstructionRule",
    "Match",
    "from_json",
    "instruction_from",
    "insert_rules",
    "instruction_rules",
    "named_customers",
    "to_json",
]

#: The steps an instruction can be shown at (the pack workflow's `Step` values).
STEPS = ("items", "box", "checks", "label")
#: The insert kind of an order's own ``gift_note``.
GIFT_NOTE = "GIFTNOTE"
#: Document kinds an insert may not take (the station's own documents).
_RESERVED = frozenset({"INVOICE", "CN23", GIFT_NOTE})
#: What a ``DOC:<KIND>:`` barcode may carry (`codes._NAME`).
_KIND = re.compile(r"[A-Z0-9_-]{1,32}")
#: An instruction is a short sentence on one screen line, not a letter.
MAX_TEXT = 200
#: A gift note or flyer text fits one A4 page.
MAX_INSERT_TEXT = 2000


class InstructionError(ValueError):
    """An instruction or insert cannot be used; ``where`` is its key or JSON path."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where
        self.detail = detail


class Instruction(Struct, frozen=True):
    """One instruction as the packer sees it: shown at ``step``; a ``confirm`` one becomes a
    checklist item confirmed by scan at the checks step (so it is audited as
    ``check.confirmed`` with this text)."""

    text: str
    confirm: bool = False
    step: str = "items"
    #: Where it came from: "order", "sku:<SKU>" (a line of the order file), or "config".
    source: str = "order"


class Match(Struct, frozen=True):
    """Which orders a config instruction or insert is for (any one condition suffices)."""

    always: bool = False
    skus: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    #: E-mail addresses or names, case-folded.
    customers: tuple[str, ...] = ()

    def applies(self, skus: Iterable[str], channel: str, customers: Iterable[str]) -> bool:
        if self.always or (channel and channel in self.channels):
            return True
        if any(sku in self.skus for sku in skus):
            return True
        return any(c.casefold() in self.customers for c in customers)


class InstructionRule(Struct, frozen=True):
    """``[[instructions]]``: an instruction for the orders its match picks."""

    instruction: Instruction
    match: Match


class InsertRule(Struct, frozen=True):
    """``[[inserts]]``: a page (``text``, or a UTF-8 text ``file`` read when it is printed)
    printed with the documents of the orders its match picks, scanned as DOC:<KIND>."""

    kind: str
    match: Match
    text: str = ""
    file: str = ""


def instruction_from(value: Any, where: str, source: str = "order") -> Instruction:
    """An instruction from an order file: a plain string (shown at the items step, no
    confirmation) or ``{"text", "confirm", "step"}``."""
    if isinstance(value, str):
        return Instruction(_text(value, where), source=source)
    if not isinstance(value, Mapping):
        raise InstructionError(where, "expected a string or an object with text, confirm, step")
    unknown = sorted(set(value) - {"text", "confirm", "step"})
    if unknown:
        raise InstructionError(f"{where}.{unknown[0]}", "unknown field (text, confirm, step)")
    text = _text(value.get("text"), f"{where}.text")
    confirm = value.get("confirm", False)
    if not isinstance(confirm, bool):
        raise InstructionError(f"{where}.confirm", "expected true or false")
    step = value.get("step", "items")
    if step not in STEPS:
        raise InstructionError(f"{where}.step", f"expected one of {', '.join(STEPS)}")
    if confirm and step == "label":
        # Confirmations are scanned at the checks step, before the label exists.
        raise InstructionError(
            f"{where}.confirm", 'an instruction confirmed by scan cannot be at step "label"'
        )
    return Instruction(text, confirm, step, source)


def instruction_rules(value: Any) -> tuple[InstructionRule, ...]:
    """``[[instructions]]`` from the station config."""
    rules: list[InstructionRule] = []
    for i, raw in enumerate(_tables(value, "instructions")):
        key = f"instructions[{i}]"
        match = _match(raw, key, {"text", "confirm", "step"})
        body = {k: raw[k] for k in ("text", "confirm", "step") if k in raw}
        rules.append(InstructionRule(instruction_from(body, key, "config"), match))
    return tuple(rules)


def insert_rules(value: Any) -> tuple[InsertRule, ...]:
    """``[[inserts]]`` from the station config."""
    rules: list[InsertRule] = []
    for i, raw in enumerate(_tables(value, "inserts")):
        key = f"inserts[{i}]"
        match = _match(raw, key, {"kind", "text", "file"})
        kind = raw.get("kind")
        if not isinstance(kind, str) or not _KIND.fullmatch(kind.strip().upper()):
            raise InstructionError(f"{key}.kind", "expected a name of A-Z, 0-9, _ or - (1-32)")
        kind = kind.strip().upper()
        if kind in _RESERVED:
            raise InstructionError(f"{key}.kind", f"{kind} is the station's own document")
        if any(rule.kind == kind for rule in rules):
            raise InstructionError(f"{key}.kind", f"duplicate insert {kind}")
        text, file = raw.get("text", ""), raw.get("file", "")
        if not isinstance(text, str) or not isinstance(file, str):
            raise InstructionError(key, "text and file must be strings")
        if bool(text.strip()) == bool(file.strip()):
            raise InstructionError(key, "give either text or file")
        if len(text) > MAX_INSERT_TEXT:
            raise InstructionError(f"{key}.text", f"longer than {MAX_INSERT_TEXT} characters")
        rules.append(InsertRule(kind, match, text.strip(), file.strip()))
    return tuple(rules)


def named_customers(
    identities: Iterable[str],
    instructions: Iterable[InstructionRule],
    inserts: Iterable[InsertRule],
) -> tuple[str, ...]:
    """Those of a customer's identities (e-mail, name) the config names, case-folded: all
    the claim record needs to match, so it carries no other personal data."""
    matches = [r.match for r in instructions] + [r.match for r in inserts]
    named = {c for match in matches for c in match.customers}
    return tuple(dict.fromkeys(c.casefold() for c in identities if c and c.casefold() in named))


# --- helpers ----------------------------------------------------------------------------


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstructionError(where, "expected a non-empty string")
    text = " ".join(value.split())  # one screen line: no newlines or tabs
    if len(text) > MAX_TEXT:
        raise InstructionError(where, f"longer than {MAX_TEXT} characters")
    return text


def _tables(value: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        raise InstructionError(key, "must be a list of tables ([[" + key + "]])")
    for i, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            raise InstructionError(f"{key}[{i}]", "must be a table")
    return list(value)


def _names(raw: Mapping[str, Any], key: str, field: str) -> tuple[str, ...]:
    value = raw.get(field, [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(
        isinstance(v, str) and v.strip() for v in items
    ):
        raise InstructionError(f"{key}.{field}", "must be a string or a list of strings")
    return tuple(v.strip() for v in items)


def _match(raw: Mapping[str, Any], key: str, own: set[str]) -> Match:
    fields = {"sku", "channel", "customer", "always"}
    unknown = sorted(set(raw) - fields - own)
    if unknown:
        known = ", ".join(sorted(fields | own))
        raise InstructionError(f"{key}.{unknown[0]}", f"unknown key (known: {known})")
    always = raw.get("always", False)
    if not isinstance(always, bool):
        raise InstructionError(f"{key}.always", "must be true or false")
    match = Match(
        always=always,
        skus=_names(raw, key, "sku"),
        channels=_names(raw, key, "channel"),
        customers=tuple(c.casefold() for c in _names(raw, key, "customer")),
    )
    if not (match.always or match.skus or match.channels or match.customers):
        raise InstructionError(key, "needs sku, channel, customer or always = true")
    return match


def to_json(items: Iterable[Instruction]) -> list[dict[str, Any]]:
    """Instructions as kept in ``orders.extra["instructions"]``."""
    return [
        {"text": i.text, "confirm": i.confirm, "step": i.step, "source": i.source} for i in items
    ]


def from_json(raw: Any) -> tuple[Instruction, ...]:
    """``orders.extra["instructions"]`` back; an entry this version cannot read is skipped
    (the import wrote them, so only a hand-edited row can hold one)."""
    found: list[Instruction] = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, Mapping):
            continue
        text, confirm, step = item.get("text"), item.get("confirm"), item.get("step")
        source = item.get("source", "order")
        if isinstance(text, str) and text and isinstance(confirm, bool) and step in STEPS:
            found.append(Instruction(text, confirm, step, str(source)))
    return tuple(found)
