"""Returns rules: what each scan means, refund amounts, announced-returns files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from packstation.domain.returns import (
    CloseSummary,
    Condition,
    Decision,
    LookupRefusal,
    RefusalKind,
    ReturnSession,
    ReturnStep,
    ReturnView,
    close_plan,
    closed,
    handle_text,
    may_open_returns,
    opened,
    parse_amount,
    return_line_view,
)
from packstation.domain.returns_file import ReturnsFileError, read_announced

DATA = Path(__file__).resolve().parent.parent / "data"
MUG = "4601234567893"
TEA = "4607654321015"
SHOE = "4605550001116"
MARK = "0104605550001116" + "21" + "{serial}" + "\x1d91EE10\x1d92" + "c" * 44


def view(*, markings: frozenset[str] = frozenset(), returned_tea: int = 0) -> ReturnView:
    return ReturnView(
        order_id="ORD-1",
        order_status="shipped",
        currency="RUB",
        lines=(
            return_line_view(1, "MUG", "Mug", 2, 0, Decimal("450.00"), [MUG]),
            return_line_view(2, "TEA", "Tea", 1, returned_tea, Decimal("199.90"), [TEA]),
            return_line_view(3, "SHOE", "Shoe", 2, 0, None, [SHOE]),
        ),
        rma="RMA-1",
        label_code="LBL-1",
        markings=markings,
    )


def run(session: ReturnSession, *texts: str) -> ReturnSession:
    for text in texts:
        session, _ = handle_text(session, text)
    return session


def open_session(**kw: object) -> ReturnSession:
    session, outcome = opened(ReturnSession(), "LBL-1", view(**kw))  # type: ignore[arg-type]
    assert outcome.ok is True
    return session


def test_a_label_or_order_id_asks_the_database_and_items_wait_for_it() -> None:
    session, outcome = handle_text(ReturnSession(), "LBL-1")
    assert outcome.lookup == "LBL-1" and session.step is ReturnStep.IDLE
    _, refused = opened(session, MUG, LookupRefusal(RefusalKind.NOT_FOUND, MUG))
    assert refused.ok is False and refused.message.key == "returns.item_first"
    _, refused = opened(session, "X-1", LookupRefusal(RefusalKind.NOT_FOUND, "X-1"))
    assert refused.message.key == "returns.not_found"
    refusal = LookupRefusal(RefusalKind.NOT_RETURNABLE, "ORD-1", "ORD-1", "ready")
    _, refused = opened(session, "ORD-1", refusal)
    assert refused.message.key == "returns.not_returnable"


def test_full_partial_and_none_per_unit() -> None:
    session = open_session()
    session, outcome = handle_text(session, MUG)
    assert outcome.ok and session.step is ReturnStep.CONDITION
    session = run(session, "1", "f")
    assert session.step is ReturnStep.ITEMS and session.items[-1].amount == Decimal("450.00")
    session = run(session, MUG, "2", "P")
    assert session.step is ReturnStep.AMOUNT
    session, outcome = handle_text(session, "450.01")
    assert outcome.message.key == "returns.amount_too_big" and session.step is ReturnStep.AMOUNT
    session = run(session, "100,5")
    assert session.step is ReturnStep.REASON
    session, outcome = handle_text(session, "")
    assert session.step is ReturnStep.REASON
    session = run(session, "scratched lid")
    session = run(session, TEA, "3", "N")
    assert session.step is ReturnStep.REASON
    session = run(session, "1")
    assert session.step is ReturnStep.ITEMS
    plan = close_plan(session)
    assert plan.refund == Decimal("550.50") and plan.units == 3
    by_decision = {line.decision: line for line in plan.lines}
    assert by_decision[Decision.PARTIAL].reason == "scratched lid"
    assert by_decision[Decision.NONE].reason == "used" and by_decision[Decision.NONE].amount == 0
    assert by_decision[Decision.FULL].condition is Condition.RESELLABLE


def test_same_units_merge_into_one_line() -> None:
    session = run(open_session(), MUG, "1", "F", MUG, "1", "F")
    plan = close_plan(session)
    assert len(plan.lines) == 1 and plan.lines[0].qty == 2
    assert plan.lines[0].amount == Decimal("900.00")


def test_refusals_not_in_order_more_than_shipped_already_returned() -> None:
    session = open_session(returned_tea=1)
    session, outcome = handle_text(session, "4607001002000")
    assert outcome.ok is False and outcome.message.key == "returns.not_in_order"
    session, outcome = handle_text(session, TEA)
    assert outcome.message.key == "returns.over_returned" and not session.items
    session = run(session, MUG, "1", "F", MUG, "1", "F")
    session, outcome = handle_text(session, MUG)
    assert outcome.message.key == "returns.over_shipped" and len(session.items) == 2
    _, outcome = handle_text(session, "4601234567890")  # bad check digit
    assert outcome.message.key == "returns.bad_check_digit"


def test_a_scan_while_a_choice_is_pending_is_not_a_choice() -> None:
    session = run(open_session(), MUG)
    session, outcome = handle_text(session, TEA)
    assert outcome.ok is False and session.step is ReturnStep.CONDITION and len(session.items) == 1
    session, outcome = handle_text(session, "9")
    assert outcome.message.key == "returns.pick_condition"
    session = run(session, "2")
    session, outcome = handle_text(session, "X")
    assert outcome.message.key == "returns.pick_decision"
    session, outcome = handle_text(session, "CMD:OK")
    assert outcome.message.key == "returns.finish_item" and not outcome.close


def test_no_price_means_no_money_and_not_ours_is_never_refunded() -> None:
    session = run(open_session(), SHOE, "1")
    session, outcome = handle_text(session, "F")
    assert outcome.message.key == "returns.no_price" and session.step is ReturnStep.DECISION
    session = run(session, "N", "2")
    assert session.step is ReturnStep.ITEMS
    session = run(session, MUG, "5")
    last = session.items[-1]
    assert last.decision is Decision.NONE and last.reason == "not_ours" and last.amount == 0
    assert session.step is ReturnStep.ITEMS


def test_russian_layout_letters_pick_the_decision() -> None:
    session = run(open_session(), MUG, "1", "А")  # the F key in the Russian layout
    assert session.items[-1].decision is Decision.FULL


def test_marking_codes_foreign_and_repeated() -> None:
    ours = "010460555000111621AAAAAAAAAAAAA"
    session = open_session(markings=frozenset({ours}))
    session, outcome = handle_text(session, MARK.format(serial="AAAAAAAAAAAAA"))
    assert outcome.ok is True and session.items[-1].identity == ours
    session = run(session, "1", "N", "late")  # the shoe line has no price: no money back
    _, outcome = handle_text(session, MARK.format(serial="AAAAAAAAAAAAA"))
    assert outcome.message.key == "returns.marking_repeat"
    session, outcome = handle_text(session, MARK.format(serial="BBBBBBBBBBBBB"))
    assert outcome.ok is False and outcome.message.key == "returns.marking_foreign"
    assert session.items[-1].condition is Condition.NOT_OURS
    assert session.step is ReturnStep.ITEMS


def test_commands_undo_cancel_and_close() -> None:
    session = open_session()
    _, outcome = handle_text(session, "CMD:OK")
    assert outcome.message.key == "returns.no_items"
    session = run(session, MUG, "CMD:UNDO")
    assert not session.items and session.step is ReturnStep.ITEMS
    session = run(session, MUG, "1", "F")
    session, outcome = handle_text(session, "CMD:OK")
    assert outcome.close
    done, outcome = closed(session, CloseSummary("ORD-1", 7, 1, Decimal("450.00"), "RUB", 2))
    assert done.step is ReturnStep.DONE and outcome.message.key == "returns.closed_refund"
    _, outcome = handle_text(done, "ORD-2")
    assert outcome.lookup == "ORD-2"
    cancelled, outcome = handle_text(session, "CMD:CANCEL")
    assert cancelled.view is None and outcome.message.key == "returns.cancelled"
    refused, outcome = closed(session, "order changed")
    assert refused is session and outcome.ok is False


def test_amounts_and_roles() -> None:
    assert parse_amount("1 250,50") == Decimal("1250.50")
    assert parse_amount("0.001") is None and parse_amount("abc") is None
    assert parse_amount("NaN") is None and parse_amount("1e30") is None
    assert may_open_returns("lead") and may_open_returns("returns")
    assert may_open_returns("admin") and not may_open_returns("packer")


@pytest.mark.parametrize("name", ["returns-sample.csv", "returns-sample.json"])
def test_sample_files_read_the_same(name: str) -> None:
    returns = read_announced(DATA / name)
    assert [r.rma for r in returns] == ["RMA-5001", "RMA-5002", "RMA-5003"]
    first = returns[0]
    assert first.order_id == "ORD-1001" and first.label_code == "RET-LBL-0001"
    assert [(i.sku, i.qty) for i in first.items] == [("MUG-CER-350", 1), ("SPOON-SET", 1)]
    assert returns[1].items[0].qty == 2


@pytest.mark.parametrize(
    ("text", "suffix", "where"),
    [
        ("rma,order_id,qty,sku\nR-1,O-1,two,A\n", ".csv", "line 2, column qty"),
        ("rma,order_id\nR-1,\n", ".csv", "line 2, column order_id"),
        ("order_id,sku\nO-1,A\n", ".csv", "line 1: missing column(s): rma"),
        ("rma,order_id\nR-1,O-1,extra\n", ".csv", "line 2: 3 cells"),
        ("rma,order_id\nR-1,O-1\nR-1,O-2\n", ".csv", "line 3: return"),
        ("Return_ID;Order\nR-1;O-1\nR-2;\n", ".csv", "line 3, column Order"),
        ('{"returns": [{"rma": "R-1"}]}', ".json", "returns[0].order_id"),
        ('{"returns": [{"rma": "R-1", "order_id": "O", "items": [{"sku": "A", "qty": 1.5}]}]}',
         ".json", "returns[0].items[0].qty"),
        ('{"returns": [\n{"rma": "R-1",}]}', ".json", "line 2 column"),
        ("[1]", ".json", "[0]: expected an object"),
        ('{"rma": "R-1", "order_id": "O-1", "announced_at": "2026-11-30"}', ".json", "top level"),
        ('[{"rma": "R-1", "order_id": "O-1", "announced_at": "2026-11-30"}]', ".json",
         "[0].announced_at: \"2026-11-30\" has no timezone"),
    ],
)  # fmt: skip
def test_malformed_files_name_the_place(text: str, suffix: str, where: str, tmp_path: Path) -> None:
    path = tmp_path / f"returns{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReturnsFileError) as info:
        read_announced(path)
    assert where in str(info.value)


def test_returns_texts_are_all_used_and_translated() -> None:
    """The returns area's sentences (packstation/texts/returns.py): none missing, none stray."""
    import ast
    import re

    from packstation.domain.return_rules import MARKING_MISMATCH, REASONS
    from packstation.domain.units import Mismatch
    from packstation.i18n import TABLE
    from packstation.texts import returns as area

    root = Path(__file__).resolve().parents[2] / "packstation"
    sources = [
        root / "domain/returns.py",
        root / "screens/returns.py",
        root / "screens/station_app.py",
    ]
    used = {
        node.value
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"returns\.[a-z_.]+[a-z]", node.value)
        and node.value != "returns.tcss"
    }
    used |= {f"returns.cond.{c}" for c in Condition} | {f"returns.dec.{d}" for d in Decision}
    used |= {f"returns.decision_{d}" for d in Decision}
    used |= {f"returns.reason.{r}" for r in (*REASONS, MARKING_MISMATCH)}
    used |= {f"returns.reason.{m}" for m in (Mismatch.SERIAL, Mismatch.LOT)}
    assert sorted(used - set(area.TEXTS)) == []
    assert sorted(set(area.TEXTS) - used) == []
    names = re.compile(r"{(\w+)}")
    for key, entry in area.TEXTS.items():
        assert entry["en"].strip() and entry["ru"].strip(), key
        assert set(names.findall(entry["en"])) == set(names.findall(entry["ru"])), key
        assert TABLE[key] is entry
