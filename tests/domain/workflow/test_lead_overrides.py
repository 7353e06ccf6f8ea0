"""Issue 5: a lead lets the packer skip a packaging check, and a started order's cancel
needs a lead's reason (badge, PIN, reason; both identities recorded)."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from packstation.domain.workflow import (
    Action,
    ConfirmCheck,
    OverrideReason,
    PickReason,
    PinEntry,
    Scan,
    Step,
    hint_for,
    record_from,
    replay,
)
from packstation.domain.workflow.facts import SkippedCheck
from packstation.domain.workflow.records import (
    CheckSkipped,
    LabelPrinted,
    OrderReleased,
    OverrideDenied,
)
from packstation.domain.workflow.state import OverrideFlow, Purpose
from packstation.i18n import LOCALES, t
from packstation.station.input import command_for_text

from .conftest import LEAD, MUG, NOW, PACKER, PACKER2, Station
from .test_replay import stored


def assert_replays(st: Station) -> None:
    assert replay(stored(st.records)) == st.state.durable()


def approve(st: Station, reason: OverrideReason, note: str = "") -> None:
    """Badge and PIN of the lead, then the reason (the dialog must be open)."""
    assert st.scan(LEAD.badge).ok
    assert st.do(PinEntry("4321")).ok and st.state.step is Step.OVERRIDE_REASON
    assert st.do(PickReason(reason, note)).ok, st.last


# --- skipping a packaging check ------------------------------------------------------------


def test_lead_skips_the_next_check_with_a_reason(weighed_1001: Station) -> None:
    st = weighed_1001
    assert st.key(Action.OK).ok  # check 1 confirmed by the packer
    out = st.key(Action.LEAD)
    assert out.ok and out.message.key == "checks.skip_started"
    assert (
        t(out.message) == "Skip check 2 (No old labels or barcodes on the box): a lead must approve"
    )
    assert st.state.flow == OverrideFlow(Purpose.SKIP_CHECK, check=1)
    assert st.state.step is Step.OVERRIDE_BADGE and st.kinds() == []

    assert st.scan(LEAD.badge).ok
    assert st.do(PinEntry("4321")).ok and st.state.step is Step.OVERRIDE_REASON
    hint = t(st.last.outcome.next_hint)  # type: ignore[union-attr]
    assert hint.startswith("Reason: 8 no material at this bench, 9 does not apply, 4 other")

    out = st.do(PickReason(OverrideReason.NOT_APPLICABLE))
    assert out.ok and t(out.message) == (
        "Skipped: No old labels or barcodes on the box (approved by Ольга Л.)"
    )
    [record] = st.new_records
    assert isinstance(record, CheckSkipped) and record.kind == "override.check"
    assert (record.index, record.profile, record.text) == (
        1,
        "always",
        "No old labels or barcodes on the box",
    )
    assert (record.lead_id, record.lead_name) == (LEAD.id, LEAD.name)
    assert (record.packer_id, record.packer_name) == (PACKER.id, PACKER.name)
    assert (record.reason, record.note) == (OverrideReason.NOT_APPLICABLE, "")
    # Done for the flow, but remembered as skipped (not confirmed).
    assert st.state.checks_done == {0, 1} and st.state.next_check == 2
    assert st.state.skipped(1) == SkippedCheck(1, LEAD.name, OverrideReason.NOT_APPLICABLE)
    assert st.state.skipped(0) is None
    assert st.state.flow is None and st.state.step is Step.CHECKS
    assert st.do(ConfirmCheck(2)).message.key == "checks.already_skipped"
    assert_replays(st)


def test_skip_refusals_wrong_pin_not_a_lead_and_reasons(weighed_1001: Station) -> None:
    st = weighed_1001
    st.key(Action.LEAD)
    assert st.scan(PACKER2.badge).message.key == "override.not_lead"
    assert st.scan("B-7777").message.key == "override.unknown_badge"
    assert st.state.step is Step.OVERRIDE_BADGE
    st.scan(LEAD.badge)
    out = st.do(PinEntry("0000"))
    assert not out.ok and out.message.key == "override.wrong_pin"
    [denied] = st.new_records
    assert isinstance(denied, OverrideDenied)
    assert (denied.purpose, denied.reason, denied.lead_id) == ("skip_check", "wrong_pin", LEAD.id)
    assert st.do(PinEntry("4321")).ok
    # Weight, carrier and cancel reasons are not for a check; OTHER needs a note.
    for reason in (OverrideReason.SCALE, OverrideReason.PROMISE, OverrideReason.WRONG_ORDER):
        out = st.do(PickReason(reason))
        assert out.message.key == "override.reason_other_purpose" and st.kinds() == []
    assert st.do(PickReason(OverrideReason.OTHER, "   ")).message.key == "override.note_required"
    assert st.state.step is Step.OVERRIDE_REASON and st.state.checks_done == frozenset()
    assert st.do(PickReason(OverrideReason.OTHER, "  tape gun broken ")).ok
    [record] = st.new_records
    assert isinstance(record, CheckSkipped) and record.note == "tape gun broken"
    assert record.index == 0
    assert_replays(st)


def test_three_wrong_pins_skip_nothing(weighed_1001: Station) -> None:
    st = weighed_1001
    st.key(Action.LEAD)
    st.scan(LEAD.badge)
    for _ in range(3):
        out = st.do(PinEntry("9999"))
    assert out.message.key == "override.too_many" and st.state.flow is None
    assert st.state.checks_done == frozenset() and st.state.step is Step.CHECKS


def test_cancel_key_closes_the_skip_dialog(weighed_1001: Station) -> None:
    st = weighed_1001
    st.key(Action.LEAD)
    st.scan(LEAD.badge)
    assert st.key(Action.CANCEL).message.key == "flow.cancelled"
    assert st.state.flow is None and st.state.order is not None  # the order stays
    assert st.state.step is Step.CHECKS and st.state.checks_done == frozenset()


def test_documents_cannot_be_skipped(weighed_1001: Station) -> None:
    st = weighed_1001
    while st.state.next_check is not None:
        assert st.key(Action.OK).ok
    out = st.key(Action.LEAD)
    assert not out.ok and out.message.key == "checks.document_not_skippable"
    assert t(out.message) == (
        "Documents cannot be skipped: put in INVOICE and scan DOC:INVOICE:ORD-1001"
    )
    assert st.state.flow is None and st.state.step is Step.CHECKS and st.kinds() == []


def test_skip_is_only_offered_at_the_checks_step(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    assert st.key(Action.LEAD).message.key == "override.nothing"
    assert st.state.flow is None


def test_skipping_every_check_prints_after_the_document_and_replays(
    weighed_1001: Station,
) -> None:
    st = weighed_1001
    total = len(st.state.checks)
    assert total == 5  # ORD-1001: 3 always + 2 fragile
    for n in range(total):
        assert st.key(Action.LEAD).ok
        approve(st, OverrideReason.MATERIALS_MISSING if n % 2 else OverrideReason.NOT_APPLICABLE)
    assert st.state.checks_complete and len(st.state.checks_skipped) == total
    assert st.state.step is Step.CHECKS  # the invoice is still missing
    assert st.scan("DOC:INVOICE:ORD-1001").ok
    assert isinstance(st.new_records[-1], LabelPrinted) and st.state.step is Step.LABEL
    assert_replays(st)
    recovered = replay(stored(st.records))
    assert [s.index for s in recovered.checks_skipped] == list(range(total))
    assert recovered.skipped(3) == SkippedCheck(3, LEAD.name, OverrideReason.MATERIALS_MISSING)
    assert st.scan("PCL-ORD-1001-1").ok and st.state.closed_order == "ORD-1001"
    assert st.state.checks_skipped == ()  # the next order starts clean
    assert_replays(st)


def test_skipping_the_last_check_prints_the_label_at_once(weighed_1001: Station) -> None:
    st = weighed_1001
    assert st.scan("DOC:INVOICE:ORD-1001").ok  # the document first, then four checks
    for _ in range(4):
        st.key(Action.OK)
    st.key(Action.LEAD)
    approve(st, OverrideReason.MATERIALS_MISSING)
    assert st.kinds() == ["override.check", "label.printed"]
    assert st.state.step is Step.LABEL
    assert_replays(st)


# --- cancelling a started order ----------------------------------------------------------------


def test_cancel_of_a_started_order_asks_a_reason(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    assert st.key(Action.CANCEL).message.key == "cancel.needs_lead"
    st.scan(LEAD.badge)
    out = st.do(PinEntry("4321"))
    assert out.ok and st.state.step is Step.OVERRIDE_REASON and st.kinds() == []
    assert st.state.order is not None and st.ctx.status["ORD-1001"] == "packing"
    assert t(out.next_hint).startswith(
        "Reason: 10 customer cancelled, 11 stock problem, 12 wrong order, 4 other"
    )
    for reason in (OverrideReason.PACKAGING, OverrideReason.MATERIALS_MISSING):
        assert st.do(PickReason(reason)).message.key == "override.reason_other_purpose"
    assert st.do(PickReason(OverrideReason.OTHER)).message.key == "override.note_required"
    assert st.state.order is not None and st.kinds() == []
    out = st.do(PickReason(OverrideReason.OTHER, " customer called the shop "))
    assert out.ok and t(out.message) == (
        "ORD-1001 is back in the queue: cancel approved by Ольга Л."
    )
    [released] = st.new_records
    assert isinstance(released, OrderReleased)
    assert (released.approved_by, released.reason, released.note) == (
        LEAD.id,
        OverrideReason.OTHER,
        "customer called the shop",
    )
    assert released.to_payload()["reason"] == "other"
    assert st.state.order is None and st.state.step is Step.IDLE
    assert st.ctx.status["ORD-1001"] == "ready"
    assert_replays(st)


def test_cancel_wrong_pin_is_audited_as_cancel(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    st.key(Action.CANCEL)
    st.scan(LEAD.badge)
    st.do(PinEntry("1"))
    [denied] = st.new_records
    assert isinstance(denied, OverrideDenied) and denied.purpose == "cancel"
    assert st.state.order is not None


def test_cancel_without_scans_needs_no_reason(ord1001: Station) -> None:
    assert ord1001.key(Action.CANCEL).message.key == "order.released"
    [released] = ord1001.new_records
    assert isinstance(released, OrderReleased)
    assert (released.approved_by, released.reason, released.note) == (None, None, "")


def test_old_release_payloads_still_replay() -> None:
    """Stored before reasons were asked (station cancels and queue releases alike)."""
    old = {"at": NOW.isoformat(), "order_id": "ORD-1001", "approved_by": 2}
    record = record_from("order.released", old)
    assert record == OrderReleased(NOW, "ORD-1001", approved_by=2)
    assert isinstance(record, OrderReleased) and record.reason is None and record.note == ""


# --- reasons per purpose -----------------------------------------------------------------------


def test_reason_numbers_per_purpose() -> None:
    """The numbers typed are positions in OverrideReason; old ones never move."""

    def numbers(purpose: Purpose) -> dict[str, int]:
        return {r.value: n for r, n in purpose.reason_numbers().items()}

    assert numbers(Purpose.WEIGHT) == {
        "packaging": 1, "catalog_weight": 2, "scale": 3, "other": 4,
    }  # fmt: skip
    assert numbers(Purpose.CARRIER) == {
        "other": 4, "customer_request": 5, "promise": 6, "carrier_problem": 7,
    }  # fmt: skip
    assert numbers(Purpose.SKIP_CHECK) == {"other": 4, "materials_missing": 8, "not_applicable": 9}
    assert numbers(Purpose.CANCEL) == {
        "other": 4, "customer_cancelled": 10, "stock_problem": 11, "wrong_order": 12,
    }  # fmt: skip
    # Every reason serves exactly one purpose, except OTHER (all of them).
    for reason in OverrideReason:
        purposes = [p for p in Purpose if p.allows(reason)]
        assert len(purposes) == (len(Purpose) if reason is OverrideReason.OTHER else 1), reason


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("purpose", [Purpose.SKIP_CHECK, Purpose.CANCEL])
def test_reason_hints_fit_the_result_panel(
    weighed_1001: Station, purpose: Purpose, locale: str
) -> None:
    st = weighed_1001
    flow = OverrideFlow(purpose, lead=LEAD, pin_ok=True, check=0)
    hint = t(hint_for(replace(st.state, flow=flow), st.ctx.rules), locale)
    # Two lines of the 80-column result panel (74 characters each after the indent).
    assert len(hint) <= 2 * 74, hint
    for n in purpose.reason_numbers().values():
        assert f"{n} " in hint


def test_typed_reason_numbers_and_notes(weighed_1001: Station) -> None:
    st = weighed_1001
    st.key(Action.LEAD)
    st.scan(LEAD.badge)
    assert st.state.step is Step.OVERRIDE_PIN
    assert command_for_text(st.state, "4321") == PinEntry("4321")
    st.do(PinEntry("4321"))
    state = st.state
    assert command_for_text(state, "8") == PickReason(OverrideReason.MATERIALS_MISSING)
    assert command_for_text(state, "12") == PickReason(OverrideReason.WRONG_ORDER)
    assert command_for_text(state, " 4  no tape at bench 3 ") == PickReason(
        OverrideReason.OTHER, "no tape at bench 3"
    )
    assert isinstance(command_for_text(state, "15"), Scan)  # no such reason
    assert isinstance(command_for_text(state, "x 4"), Scan)
    st.do(command_for_text(state, "4 no tape at bench 3"))
    [record] = st.new_records
    assert isinstance(record, CheckSkipped) and record.note == "no tape at bench 3"
