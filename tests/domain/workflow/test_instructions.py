"""Pack instructions and inserts: fixed at claim, shown at their step, confirmed by scan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from msgspec.structs import replace

from packstation.domain.instructions import Instruction
from packstation.domain.rules import PackRules, RulesError
from packstation.domain.workflow import PackState, ScaleReading, Step, plan_for, replay
from packstation.domain.workflow.codec import decode, encode
from packstation.domain.workflow.instructions import INSTRUCTION_PROFILE, shown_at
from packstation.domain.workflow.records import (
    CheckConfirmed,
    DocumentConfirmed,
    OrderClaimed,
    Record,
)

from .conftest import PACKER, Station, fill_1001, load_orders, load_rules

WRAP = Instruction("Wrap each mug in bubble film", confirm=True, step="items")
NO_INVOICE = Instruction("No invoice in the box: e-mail it", step="checks")
NOTE = Instruction(
    "Add the gift note on top", confirm=True, step="checks", source="sku:TEA-GRN-100"
)

CONFIG = [
    {"sku": "MUG-CER-350", "text": "Fragile sticker on two sides", "step": "box"},
    {"channel": "ozon-main", "text": "Ozon tape only", "confirm": True, "step": "box"},
    {"customer": "VIP@Example.ru", "text": "Add a thank-you sweet", "confirm": True},
    {"sku": "NOT-THERE", "text": "Never shown"},
]
INSERTS = [{"kind": "flyer", "always": True, "text": "Winter sale: -10% with WINTER10"}]


def stage(st: Station) -> Step:
    """The step now (a call, so each assert reads it again)."""
    return st.state.stage


def rules() -> PackRules:
    return load_rules(instructions=CONFIG, inserts=INSERTS)


def with_instructions(*items: Instruction, gift: bool = False) -> Station:
    st = Station()
    st.ctx.rules = rules()
    order = st.ctx.orders["ORD-1001"]
    st.ctx.orders["ORD-1001"] = replace(
        order, instructions=items, inserts=("GIFTNOTE",) if gift else ()
    )
    st.scan(PACKER.badge)
    assert st.scan("ORD-1001").ok
    return st


def test_plan_adds_confirm_instructions_to_the_checks_and_inserts_to_the_documents() -> None:
    order = replace(
        load_orders()["ORD-1001"],
        instructions=(WRAP, NO_INVOICE),
        inserts=("GIFTNOTE",),
        channel="ozon-main",
        customer=("vip@example.ru",),
    )
    checks, documents = plan_for(order, rules())
    added = [(c.profile, c.text) for c in checks if c.profile == INSTRUCTION_PROFILE]
    assert added == [
        (INSTRUCTION_PROFILE, WRAP.text),
        (INSTRUCTION_PROFILE, "Ozon tape only"),
        (INSTRUCTION_PROFILE, "Add a thank-you sweet"),
    ]
    assert documents == ("INVOICE", "GIFTNOTE", "FLYER")
    # Without the channel and the customer their config instructions are not for this order.
    checks, _ = plan_for(replace(order, channel="", customer=()), rules())
    assert [c.text for c in checks if c.profile == INSTRUCTION_PROFILE] == [WRAP.text]


def test_instructions_fixed_at_claim_and_shown_at_their_step() -> None:
    st = with_instructions(WRAP, NO_INVOICE)
    claimed = st.records[-1]
    assert isinstance(claimed, OrderClaimed)
    texts = [i.text for i in claimed.instructions]
    assert texts == [WRAP.text, NO_INVOICE.text, "Fragile sticker on two sides"]
    assert stage(st) is Step.ITEMS and shown_at(st.state) == (WRAP,)
    fill_1001(st)
    assert stage(st) is Step.BOX
    assert [i.text for i in shown_at(st.state)] == ["Fragile sticker on two sides"]
    assert st.scan("BOX:M").ok
    assert [i.text for i in shown_at(st.state)] == ["Fragile sticker on two sides"]  # weighing
    assert st.do(ScaleReading(Decimal("1060"), stable=True)).ok
    assert stage(st) is Step.CHECKS and shown_at(st.state) == (NO_INVOICE,)
    # A config edit after the claim changes nothing for this order (replay from its records).
    st.ctx.rules = load_rules()
    assert replay(tuple(st.records), PackState()).instructions == st.state.instructions


def test_a_confirm_instruction_is_confirmed_by_scan_and_audited() -> None:
    st = with_instructions(WRAP, NOTE)
    fill_1001(st)
    assert st.scan("BOX:M").ok and st.do(ScaleReading(Decimal("1060"), stable=True)).ok
    index = next(i for i, c in enumerate(st.state.checks) if c.text == WRAP.text)
    # The label waits for it like for any check.
    while st.state.next_check is not None and st.state.next_check < index:
        assert st.scan("CMD:OK").ok
    assert st.state.next_check == index
    out = st.scan("CMD:OK")
    assert out.ok and out.message.key == "checks.confirmed"
    record = st.new_records[0]
    assert isinstance(record, CheckConfirmed)
    assert (record.profile, record.text, record.index) == (INSTRUCTION_PROFILE, WRAP.text, index)
    assert stage(st) is Step.CHECKS  # the gift note instruction is still due
    assert st.state.next_check is not None
    assert st.state.checks[st.state.next_check].text == NOTE.text
    assert st.scan("CMD:OK").ok
    assert st.state.checks_complete and st.state.next_document == "INVOICE"


def test_an_insert_is_scanned_into_the_box_like_a_document() -> None:
    st = with_instructions(gift=True)
    assert st.state.documents == ("INVOICE", "GIFTNOTE", "FLYER")
    assert st.scan("DOC:GIFTNOTE:ORD-1001").message.key == "document.not_yet"
    fill_1001(st)
    assert st.scan("BOX:M").ok and st.do(ScaleReading(Decimal("1060"), stable=True)).ok
    while st.state.next_check is not None:
        assert st.scan("CMD:OK").ok
    assert st.scan("DOC:INVOICE:ORD-1001").ok
    out = st.scan("CMD:OK")  # a missing insert blocks the label like a missing document
    assert not out.ok and out.message.params["document"] == "GIFTNOTE"
    assert st.scan("DOC:GIFTNOTE:ORD-1001").ok
    confirmed = st.new_records[0]
    assert isinstance(confirmed, DocumentConfirmed) and confirmed.document == "GIFTNOTE"
    assert stage(st) is Step.CHECKS
    assert st.scan("DOC:FLYER:ORD-1001").ok
    assert stage(st) is Step.LABEL
    wrong = st.scan("DOC:FLYER:ORD-1002")
    assert not wrong.ok and wrong.message.key == "document.other_order"


def test_claim_record_round_trips_and_old_records_read_without_instructions() -> None:
    st = with_instructions(WRAP, gift=True)
    claimed = st.records[-1]
    assert isinstance(claimed, OrderClaimed)
    again = decode(OrderClaimed, encode(claimed))
    assert again == claimed
    old = encode(claimed)
    del old["instructions"]
    for key in ("instructions", "inserts", "customer"):
        del old["order"][key]
    before: Record = decode(OrderClaimed, old)
    assert isinstance(before, OrderClaimed) and before.instructions == ()
    assert before.order.instructions == () and before.order.inserts == ()


@pytest.mark.parametrize(
    ("section", "value", "error"),
    [
        ("instructions", {"text": "x"}, "instructions: must be a list of tables"),
        (
            "instructions",
            [{"text": "x"}],
            "instructions[0]: needs sku, channel, customer or always",
        ),
        ("instructions", [{"always": True}], "instructions[0].text: expected a non-empty string"),
        ("instructions", [{"always": True, "text": "x", "step": "weight"}], "instructions[0].step"),
        (
            "instructions",
            [{"always": True, "text": "x", "confirm": True, "step": "label"}],
            'instructions[0].confirm: an instruction confirmed by scan cannot be at step "label"',
        ),
        ("instructions", [{"always": "yes", "text": "x"}], "instructions[0].always: must be"),
        ("instructions", [{"sku": 5, "text": "x"}], "instructions[0].sku: must be a string"),
        ("instructions", [{"skus": "A", "text": "x"}], "instructions[0].skus: unknown key"),
        ("inserts", [{"always": True, "text": "x"}], "inserts[0].kind"),
        ("inserts", [{"always": True, "kind": "invoice", "text": "x"}], "station's own document"),
        ("inserts", [{"always": True, "kind": "F", "text": "x", "file": "f"}], "either text or"),
        ("inserts", [{"always": True, "kind": "bad kind!", "text": "x"}], "inserts[0].kind"),
        (
            "inserts",
            [
                {"always": True, "kind": "F", "text": "x"},
                {"always": True, "kind": "f", "text": "y"},
            ],
            "inserts[1].kind: duplicate insert F",
        ),
    ],
)
def test_config_errors_name_the_key(section: str, value: object, error: str) -> None:
    with pytest.raises(RulesError) as caught:
        PackRules.from_config({section: value})
    assert str(caught.value).startswith("config key ")
    assert error in str(caught.value)


def test_config_rules_parsed() -> None:
    parsed = rules()
    assert [r.instruction.step for r in parsed.instructions] == ["box", "box", "items", "items"]
    assert parsed.instructions[2].match.customers == ("vip@example.ru",)
    assert parsed.instructions[0].instruction.source == "config"
    assert [(i.kind, i.text) for i in parsed.inserts] == [("FLYER", INSERTS[0]["text"])]
    assert PackRules.default().instructions == () and PackRules.default().inserts == ()
