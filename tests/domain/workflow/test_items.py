"""Item scans: matching, each red result with its own message, marking codes, undo."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from packstation.domain.codes import GS
from packstation.domain.workflow import Action, Step
from packstation.domain.workflow.records import ScanAccepted, ScanRejected, ScanUndone
from packstation.i18n import t

from .conftest import CABLE_OF_1005, MUG, SPOON, TEA, Station, marking


def rejected(st: Station) -> ScanRejected:
    record = st.new_records[-1]
    assert isinstance(record, ScanRejected)
    return record


def test_item_of_another_order_names_that_order(ord1001: Station) -> None:
    out = ord1001.scan(CABLE_OF_1005)
    assert not out.ok and out.bell
    assert t(out.message) == "NOT IN THIS ORDER (belongs to ORD-1005)"
    assert t(out.next_hint) == "Put it aside. Scan the next item of ORD-1001, or CMD:DEFECT."
    assert rejected(ord1001).other_order == "ORD-1005"
    assert ord1001.state.units_packed == 0


def test_unknown_code(ord1001: Station) -> None:
    out = ord1001.scan("4006381333931")
    assert out.message.key == "scan.unknown" and out.shown_code == "4006381333931"
    assert rejected(ord1001).reason == "scan.unknown"


def test_bad_check_digit_is_its_own_error_never_unknown(ord1001: Station) -> None:
    out = ord1001.scan("4601234567890")  # the mug's EAN with a wrong last digit
    assert out.message.key == "scan.bad_check_digit_detail"
    assert out.message.params == {"code": "4601234567890", "expected": "3", "got": "0"}
    assert "НЕВЕРНАЯ КОНТР. ЦИФРА" in t(out.message, "ru")
    assert ord1001.state.units_packed == 0


def test_over_scan(ord1001: Station) -> None:
    assert ord1001.scan(TEA).ok
    out = ord1001.scan(TEA)
    assert not out.ok and out.message.key == "scan.over_scan"
    assert t(out.message) == "LINE ALREADY COMPLETE: TEA-GRN-100 Чай зелёный 100 г, 1 needed"
    assert ord1001.state.units_packed == 1


def test_match_by_gtin_of_a_gs1_code(ord1001: Station) -> None:
    out = ord1001.scan(f"]C10100046000001234{GS}10LOT7")  # GS1-128: AI 01 (the spoons) + batch
    assert out.ok
    record = ord1001.new_records[0]
    assert isinstance(record, ScanAccepted) and record.gtin == "00046000001234"


def test_rejected_scans_do_not_change_counts(ord1001: Station) -> None:
    before = ord1001.state
    for code in (CABLE_OF_1005, "4006381333931", "4601234567890", "NOPE"):
        ord1001.scan(code)
    assert ord1001.state.scans == before.scans
    after = replace(ord1001.state.durable(), last_activity=before.last_activity)
    assert after == before.durable()


def test_undo_removes_the_last_accepted_scan(ord1001: Station) -> None:
    ord1001.scan(MUG)
    ord1001.scan(TEA)
    out = ord1001.scan("CMD:UNDO")
    assert out.ok and out.message.params == {"sku": "TEA-GRN-100", "packed": 0, "required": 1}
    undone = ord1001.new_records[0]
    assert isinstance(undone, ScanUndone) and undone.code == TEA
    assert [s.code for s in ord1001.state.scans] == [MUG]
    ord1001.key(Action.UNDO)
    assert ord1001.key(Action.UNDO).message.key == "undo.nothing"
    assert ord1001.state.units_packed == 0


def test_undo_after_the_box_is_refused(boxed_1001: Station) -> None:
    out = boxed_1001.key(Action.UNDO)
    assert out.message.key == "undo.too_late"
    assert boxed_1001.state.units_packed == 4


def test_undo_of_the_last_unit_goes_back_to_items(ord1001: Station) -> None:
    for code in (MUG, MUG, TEA, SPOON):
        ord1001.scan(code)
    assert ord1001.state.step is Step.BOX
    ord1001.key(Action.UNDO)
    assert ord1001.state.step is Step.ITEMS


# --- marking codes (ORD-1002: 2 pairs of sneakers, marked) --------------------------------


@pytest.fixture
def ord1002(logged_in: Station) -> Station:
    assert logged_in.scan("ORD-1002").ok
    return logged_in


def test_plain_ean_on_a_marked_line_asks_for_the_marking_code(ord1002: Station) -> None:
    out = ord1002.scan("4605550001116")
    assert out.message.key == "scan.marking_required"
    assert "DataMatrix" in t(out.message)
    assert ord1002.state.units_packed == 0


def test_marking_codes_are_stored_one_per_unit(ord1002: Station) -> None:
    assert ord1002.scan(marking("SERIAL0000001")).ok
    record = ord1002.new_records[0]
    assert isinstance(record, ScanAccepted)
    assert record.identity == "010460555000111621SERIAL0000001"
    assert record.crypto_tail == f"91EE06{GS}92{'x' * 44}"
    assert ord1002.scan(marking("SERIAL0000002")).ok
    assert ord1002.state.step is Step.BOX
    assert ord1002.state.markings == {
        "010460555000111621SERIAL0000001",
        "010460555000111621SERIAL0000002",
    }


def test_same_marking_code_twice_in_the_order(ord1002: Station) -> None:
    ord1002.scan(marking("SERIAL0000001"))
    out = ord1002.scan(marking("SERIAL0000001"))
    assert out.message.key == "scan.marking_repeat"
    assert "ORD-1002" in t(out.message)
    assert ord1002.state.units_packed == 1


def test_marking_code_used_in_another_order_names_it(ord1002: Station) -> None:
    ord1002.ctx.markings["010460555000111621SERIAL0000009"] = "ORD-0777"
    out = ord1002.scan(marking("SERIAL0000009"))
    assert t(out.message) == "DUPLICATE MARKING CODE: already used in order ORD-0777"
    assert rejected(ord1002).other_order == "ORD-0777"
    assert ord1002.state.units_packed == 0


def test_undo_frees_the_marking_code(ord1002: Station) -> None:
    ord1002.scan(marking("SERIAL0000001"))
    ord1002.key(Action.UNDO)
    assert ord1002.state.markings == frozenset()
    assert ord1002.scan(marking("SERIAL0000001")).ok
