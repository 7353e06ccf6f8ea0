"""Checklists by profile, documents by scan, label print and confirmation."""

from __future__ import annotations

from decimal import Decimal

from msgspec.structs import replace

from packstation.domain.workflow import Action, ConfirmCheck, ScaleReading, Step, plan_for
from packstation.domain.workflow.records import CheckConfirmed, LabelPrinted
from packstation.i18n import t

from .conftest import MUG, Station, load_orders, load_rules


def confirm_all_checks(st: Station) -> None:
    while st.state.next_check is not None:
        assert st.scan("CMD:OK").ok


def test_checks_confirmed_by_key_in_any_order(weighed_1001: Station) -> None:
    st = weighed_1001
    assert st.do(ConfirmCheck(4)).ok
    assert st.state.checks_done == {3}
    assert st.do(ConfirmCheck(4)).message.key == "checks.already"
    assert st.do(ConfirmCheck(9)).message.key == "checks.no_such"
    # The red "no such check" is showing: the first CMD:OK only dismisses it ...
    assert st.scan("CMD:OK").message.key == "alert.dismissed" and st.kinds() == []
    # ... the next one confirms the first unconfirmed item.
    st.scan("CMD:OK")
    confirmed = st.new_records[0]
    assert isinstance(confirmed, CheckConfirmed) and confirmed.index == 0


def test_checks_before_weighing_are_refused(boxed_1001: Station) -> None:
    assert boxed_1001.do(ConfirmCheck(1)).message.key == "checks.not_now"


def test_another_orders_document_is_refused_naming_it(weighed_1001: Station) -> None:
    out = weighed_1001.scan("DOC:INVOICE:ORD-1005")
    assert not out.ok
    assert t(out.message) == "WRONG DOCUMENT: INVOICE of ORD-1005, this parcel is ORD-1001"
    assert weighed_1001.state.documents_done == frozenset()


def test_document_not_required_is_refused(weighed_1001: Station) -> None:
    out = weighed_1001.scan("DOC:CN23:ORD-1001")
    assert out.message.key == "document.not_needed"


def test_document_before_weighing_is_refused(ord1001: Station) -> None:
    assert ord1001.scan("DOC:INVOICE:ORD-1001").message.key == "document.not_yet"


def test_missing_document_blocks_the_label(weighed_1001: Station) -> None:
    confirm_all_checks(weighed_1001)
    out = weighed_1001.scan("CMD:OK")
    assert not out.ok and t(out.message) == "Document missing: scan INVOICE for ORD-1001"
    assert weighed_1001.state.step is Step.CHECKS and weighed_1001.state.parcel is None
    assert not any(r.kind == "label.printed" for r in weighed_1001.records)


def test_international_order_needs_cn23_and_gets_an_international_tariff(
    logged_in: Station,
) -> None:
    st = logged_in
    st.scan("ORD-1003")  # KZ: headphones 240 g + case 60 g
    assert st.state.documents == ("INVOICE", "CN23")
    assert [c.profile for c in st.state.checks] == ["always"] * 3
    st.scan("4609998887776")
    st.scan("4601112223330")
    st.scan("BOX:S")
    st.do(ScaleReading(Decimal(420), stable=True))
    confirm_all_checks(st)
    assert st.scan("DOC:INVOICE:ORD-1003").ok
    assert st.state.step is Step.CHECKS  # CN23 still missing
    assert st.scan("DOC:cn23:ORD-1003").ok
    label = st.new_records[-1]
    assert isinstance(label, LabelPrinted)
    assert (label.carrier, label.tariff) == ("RUSSIAN-POST", "EMS-INTL")
    assert label.cost == Decimal("1179.00")  # 990 + 450 * 0.42


def test_wrong_label_is_refused(weighed_1001: Station) -> None:
    confirm_all_checks(weighed_1001)
    weighed_1001.scan("DOC:INVOICE:ORD-1001")
    out = weighed_1001.scan("PCL-ORD-1005-7")
    assert t(out.message) == "WRONG LABEL: this parcel is PCL-ORD-1001-1"
    assert weighed_1001.scan(MUG).message.key == "scan.over_scan"
    assert weighed_1001.state.step is Step.LABEL


def test_reprint_keeps_the_parcel_id(weighed_1001: Station) -> None:
    confirm_all_checks(weighed_1001)
    weighed_1001.scan("DOC:INVOICE:ORD-1001")
    out = weighed_1001.key(Action.REPRINT)
    label = weighed_1001.new_records[0]
    assert out.ok and isinstance(label, LabelPrinted)
    assert label.reprint and label.parcel_id == "PCL-ORD-1001-1"
    assert weighed_1001.scan("PCL-ORD-1001-1").ok
    assert weighed_1001.state.step is Step.CLOSED


def test_no_tariff_leaves_the_label_step_red_until_retry(weighed_1001: Station) -> None:
    rules = weighed_1001.ctx.rules
    weighed_1001.ctx.rules = replace(rules, carriers=())
    confirm_all_checks(weighed_1001)
    out = weighed_1001.scan("DOC:INVOICE:ORD-1001")
    assert not out.ok and out.message.key == "label.no_fit"
    # The document still counts; why nothing fits is recorded once.
    assert weighed_1001.kinds() == ["document.confirmed", "carrier.no_fit"]
    assert weighed_1001.state.step is Step.LABEL and weighed_1001.state.parcel is None
    # CMD:OK retries, and fails the same way: the same message, nothing recorded again.
    assert weighed_1001.key(Action.OK).message.key == "label.no_fit"
    assert weighed_1001.kinds() == []
    weighed_1001.ctx.rules = rules
    weighed_1001.scan("CMD:OK")  # dismisses the alert ...
    assert weighed_1001.state.parcel is not None  # ... and the retry prints


def test_plan_by_profile() -> None:
    orders = load_orders()
    rules = load_rules(checklists={"always": ["Sealed"], "liquid": ["Bagged"], "gift": ["Bow"]})
    checks, docs = plan_for(orders["ORD-1005"], rules)
    assert [(c.profile, c.text) for c in checks] == [("always", "Sealed"), ("liquid", "Bagged")]
    assert docs == ("INVOICE",)
    gift = replace(orders["ORD-1001"], profiles=("gift",), country="BY")
    checks, docs = plan_for(gift, rules)
    assert [c.profile for c in checks] == ["always", "gift"]
    assert docs == ("INVOICE", "CN23")
