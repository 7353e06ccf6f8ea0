"""Scan interpretation: vectors from DEVICES.md and the order fixtures, plus properties."""

from __future__ import annotations

import csv
import datetime
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.check_digits import barcode_problem, gtin14
from packstation.domain.codes import (
    GS,
    MAX_CODE_LENGTH,
    CodeKind,
    ScannedCode,
    parse_code,
)

DATA = Path(__file__).resolve().parents[2] / "packstation" / "data"

CRYPTO_44 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/=abcde"
CRYPTO_44_OTHER = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210+/=edcba"
SERIAL_13 = "5Ab!cD&eF%g'h"
MARKING = f"010460123456789321{SERIAL_13}{GS}91EE06{GS}92{CRYPTO_44}"
IDENTITY = f"010460123456789321{SERIAL_13}"


def check_digit(payload: str) -> int:
    """Independent GS1 mod-10 so the tests do not trust the code under test."""
    total = 0
    for i, digit in enumerate(reversed(payload)):
        total += int(digit) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def with_check(payload: str) -> str:
    return payload + str(check_digit(payload))


def wrong_check(payload: str) -> str:
    return payload + str((check_digit(payload) + 1) % 10)


# --- fixtures ---------------------------------------------------------------------

FIXTURE_BARCODES = [
    "4601234567893",
    "4607654321015",
    "046000001234",
    "4605550001116",
    "4609998887776",
    "14601234567890",
    "4601112223330",
    "4620000000013",
    "5901234123457",
    "4607001002000",
    "4607001002017",
    "4607001002024",
]


@pytest.mark.parametrize("barcode", FIXTURE_BARCODES)
def test_fixture_barcodes_have_valid_check_digits(barcode: str) -> None:
    # Computed independently: every fixture barcode is valid, so each must parse as GTIN.
    assert int(barcode[-1]) == check_digit(barcode[:-1])
    code = parse_code(barcode)
    assert code.kind is CodeKind.GTIN
    assert code.ok
    assert code.gtin == barcode.zfill(14)
    assert barcode_problem(barcode) is None
    assert gtin14(barcode) == barcode.zfill(14)


def _fixture_file_barcodes() -> list[str]:
    found: list[str] = []
    json_path, csv_path = DATA / "orders-sample.json", DATA / "orders-sample.csv"
    if json_path.exists():
        for order in json.loads(json_path.read_text(encoding="utf-8"))["orders"]:
            for line in order["lines"]:
                found.extend(line.get("barcodes", []))
    if csv_path.exists():
        with csv_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found.extend(b for b in row["barcodes"].split("|") if b)
    return found


def test_fixture_files_agree_between_intake_and_scan() -> None:
    barcodes = _fixture_file_barcodes()
    if not barcodes:
        pytest.skip("packstation/data fixtures not present")
    for barcode in barcodes:
        code = parse_code(barcode)
        # What intake accepts must be what the station matches, and vice versa.
        assert (barcode_problem(barcode) is None) == code.ok, barcode
        assert gtin14(barcode) == code.gtin, barcode


# --- plain GTINs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "gtin"),
    [
        ("4601234567893", "EAN-13", "04601234567893"),
        ("96385074", "EAN-8", "00000096385074"),
        ("036000291452", "UPC-A", "00036000291452"),
        ("04252614", "UPC-E", "00042100005264"),  # not a valid EAN-8, valid UPC-E
        ("14601234567890", "GTIN-14", "14601234567890"),
        ("4601234567893\r\n", "EAN-13", "04601234567893"),
        ("  4601234567893 ", "EAN-13", "04601234567893"),
    ],
)
def test_plain_gtins(raw: str, symbology: str, gtin: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.GTIN
    assert code.symbology == symbology
    assert code.gtin == gtin
    assert code.ok and code.errors == ()
    assert code.aim is None


def test_raw_keeps_everything_but_the_line_ending() -> None:
    code = parse_code("4601234567893\r\n")
    assert code.raw == "4601234567893"
    assert code.text == "4601234567893"


def test_eight_digits_prefer_ean8_when_valid() -> None:
    # 01234565 is valid both as EAN-8 and as UPC-E: EAN-8 wins.
    code = parse_code("01234565")
    assert code.symbology == "EAN-8"
    assert code.gtin == "00000001234565"


def test_eight_digits_invalid_as_both_report_the_ean8_check_digit() -> None:
    bad = wrong_check("9638507")
    code = parse_code(bad)
    assert code.kind is CodeKind.INVALID
    assert code.symbology == "EAN-8"
    assert code.errors == (f"bad check digit: expected 4, got {bad[-1]}",)
    assert barcode_problem(bad) == code.errors[0]
    assert gtin14(bad) is None


def test_six_digits_are_text_without_an_ean_upc_aim_prefix() -> None:
    assert parse_code("425261").kind is CodeKind.TEXT
    code = parse_code("]E0425261")
    assert code.kind is CodeKind.GTIN
    assert code.symbology == "UPC-E"
    assert code.gtin == "00042100005264"


# --- AIM prefixes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "aim", "kind", "symbology", "gtin"),
    [
        ("]E04601234567893", "]E0", CodeKind.GTIN, "EAN-13", "04601234567893"),
        ("]E0036000291452", "]E0", CodeKind.GTIN, "UPC-A", "00036000291452"),
        ("]E496385074", "]E4", CodeKind.GTIN, "EAN-8", "00000096385074"),
        ("]E004252614", "]E0", CodeKind.GTIN, "UPC-E", "00042100005264"),
        ("]I114601234567890", "]I1", CodeKind.GTIN, "ITF-14", "14601234567890"),
        ("]C10104601234567893", "]C1", CodeKind.GS1, "GS1-128", "04601234567893"),
        ("]d2" + MARKING, "]d2", CodeKind.MARKING, "GS1 DataMatrix", "04601234567893"),
        ("]Q3" + MARKING, "]Q3", CodeKind.MARKING, "GS1 QR", "04601234567893"),
        ("]E34601234567893" + "12345", "]E3", CodeKind.GTIN, "EAN-13", "04601234567893"),
    ],
)
def test_aim_prefixed(raw: str, aim: str, kind: CodeKind, symbology: str, gtin: str) -> None:
    code = parse_code(raw)
    assert code.aim == aim
    assert code.kind is kind
    assert code.symbology == symbology
    assert code.gtin == gtin
    assert not code.text.startswith("]")


def test_aim_e4_forces_ean8() -> None:
    # 04252614 is only valid as UPC-E; the scanner says it read an EAN-8.
    code = parse_code("]E404252614")
    assert code.kind is CodeKind.INVALID
    assert "check digit" in code.errors[0]


def test_aim_code128_with_text_and_commands() -> None:
    assert parse_code("]C0TOTE-017").kind is CodeKind.TEXT
    assert parse_code("]C0TOTE-017").symbology == "Code128"
    cmd = parse_code("]C0CMD:OK")
    assert cmd.kind is CodeKind.COMMAND
    assert cmd.command == "OK"
    assert cmd.aim == "]C0"


def test_gs1_aim_with_non_gs1_data_is_invalid() -> None:
    code = parse_code("]d2hello")
    assert code.kind is CodeKind.INVALID
    assert code.symbology == "GS1 DataMatrix"
    assert "GS1" in code.errors[0]


def test_aim_only_is_empty() -> None:
    code = parse_code("]E0")
    assert code.kind is CodeKind.EMPTY
    assert not code.ok


# --- GS1 element strings ------------------------------------------------------------


def test_gs1_128_with_gtin_expiry_batch_serial() -> None:
    code = parse_code(f"]C101046012345678931726123110LOT-42{GS}21SN0001")
    assert code.kind is CodeKind.GS1
    assert code.gtin == "04601234567893"
    assert code.expiry == datetime.date(2026, 12, 31)
    assert code.batch == "LOT-42"
    assert code.serial == "SN0001"
    assert code.identity is None and code.crypto_tail is None
    assert code.ok


def test_gs1_without_aim_needs_a_key_ai() -> None:
    assert parse_code("0104601234567893").kind is CodeKind.GS1
    # Valid GS1 syntax (batch / serial) but no GTIN or SSCC: a SKU, not a GS1 code.
    assert parse_code("10-PACK").kind is CodeKind.TEXT
    assert parse_code("21ABC").kind is CodeKind.TEXT


def test_gs1_hri_form() -> None:
    code = parse_code("(01)04601234567893(17)261231")
    assert code.kind is CodeKind.GS1
    assert code.gtin == "04601234567893"
    assert code.expiry == datetime.date(2026, 12, 31)


def test_gs1_bad_gtin_check_digit_is_invalid() -> None:
    code = parse_code(f"01{wrong_check('0460123456789')}17261231")
    assert code.kind is CodeKind.INVALID
    assert code.gtin is None
    assert any("check digit" in e and "AI 01" in e for e in code.errors)


def test_gs1_bad_expiry_is_invalid() -> None:
    code = parse_code("]C1010460123456789317261399")
    assert code.kind is CodeKind.INVALID
    assert code.errors


# --- SSCC --------------------------------------------------------------------------


def test_sscc_with_ai_00() -> None:
    sscc = with_check("04601234500000001")
    code = parse_code("00" + sscc)
    assert code.kind is CodeKind.SSCC
    assert code.sscc == sscc
    assert code.symbology == "GS1-128"
    assert code.ok


def test_sscc_bare_18_digits() -> None:
    sscc = with_check("04601234500000001")
    code = parse_code(sscc)
    assert code.kind is CodeKind.SSCC
    assert code.sscc == sscc


@pytest.mark.parametrize("prefix", ["", "00", "]C100"])
def test_sscc_bad_check_digit(prefix: str) -> None:
    code = parse_code(prefix + wrong_check("04601234500000001"))
    assert code.kind is CodeKind.INVALID
    assert code.sscc is None
    assert "check digit" in code.errors[0]


# --- marking codes -------------------------------------------------------------------


def test_chestny_znak_identity_and_crypto_tail() -> None:
    code = parse_code(MARKING)
    assert code.kind is CodeKind.MARKING
    assert code.gtin == "04601234567893"
    assert code.serial == SERIAL_13
    assert code.identity == IDENTITY
    assert code.crypto_tail == f"91EE06{GS}92{CRYPTO_44}"
    assert GS not in code.identity
    assert code.text == MARKING
    assert code.ok


def test_same_unit_with_another_crypto_tail_has_the_same_identity() -> None:
    first = parse_code(MARKING)
    second = parse_code(f"010460123456789321{SERIAL_13}{GS}91FF07{GS}92{CRYPTO_44_OTHER}")
    assert first.identity == second.identity
    assert first.crypto_tail != second.crypto_tail


def test_chestny_znak_93_variant() -> None:
    code = parse_code(f"]d2010460555000111621xY7!aB{GS}93dGVz")
    assert code.kind is CodeKind.MARKING
    assert code.gtin == "04605550001116"
    assert code.serial == "xY7!aB"
    assert code.identity == "010460555000111621xY7!aB"
    assert code.crypto_tail == "93dGVz"


def test_marking_code_without_gs_from_keyboard_wedge() -> None:
    code = parse_code(MARKING.replace(GS, ""))
    assert code.kind is CodeKind.MARKING
    assert code.identity == IDENTITY
    assert code.crypto_tail == f"91EE06{GS}92{CRYPTO_44}"
    short = parse_code("010460555000111621xY7!aB93dGVz")
    assert short.serial == "xY7!aB"
    assert short.crypto_tail == "93dGVz"


def test_datamatrix_with_gtin_and_serial_is_marking_even_without_crypto() -> None:
    assert parse_code("]d2010460123456789321ABC").kind is CodeKind.MARKING
    # The same element strings in GS1-128 are an ordinary serialised GS1 code.
    gs1 = parse_code("]C1010460123456789321ABC")
    assert gs1.kind is CodeKind.GS1
    assert gs1.serial == "ABC"
    assert gs1.identity is None


def test_marking_code_with_bad_gtin_check_digit() -> None:
    bad = MARKING.replace("04601234567893", wrong_check("0460123456789"))
    code = parse_code(bad)
    assert code.kind is CodeKind.INVALID
    assert code.identity is None
    assert "check digit" in code.errors[0]


def test_tobacco_pack_code() -> None:
    code = parse_code("04606203098187" + "o&zWeIh" + "AAAA" + "bcd5")
    assert code.kind is CodeKind.MARKING
    assert code.gtin == with_check("0460620309818")
    assert code.serial == "o&zWeIh"
    assert code.identity == "010460620309818721o&zWeIh"
    assert code.crypto_tail == "AAAAbcd5"


# --- namespaces ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [("CMD:NEXT", "NEXT"), ("cmd:ok", "OK"), ("Cmd:Undo", "UNDO"), ("CMD:LOGOUT\r", "LOGOUT")],
)
def test_commands(raw: str, name: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.COMMAND
    assert code.command == name
    assert code.ok


def test_box_codes() -> None:
    assert parse_code("BOX:S").command == "BOX:S"
    lower = parse_code("box:xl")
    assert lower.kind is CodeKind.BOX
    assert lower.command == "BOX:XL"


def test_document_code() -> None:
    code = parse_code("doc:invoice:ORD-1001")
    assert code.kind is CodeKind.DOCUMENT
    assert code.command == "INVOICE"
    assert code.order_ref == "ORD-1001"


@pytest.mark.parametrize(
    "raw", ["DOC:", "DOC:INVOICE", "DOC:INVOICE:", "DOC::ORD-1001", "CMD:", "CMD:[red]x", "BOX:"]
)
def test_malformed_namespaces_are_invalid(raw: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.INVALID
    assert code.errors and "malformed" in code.errors[0]
    assert code.command is None and code.order_ref is None


def test_namespace_wins_over_numbers() -> None:
    assert parse_code("DOC:LABEL:4601234567890").kind is CodeKind.DOCUMENT


@pytest.mark.parametrize(
    ("raw", "tariff"),
    [
        ("TARIFF:OZON-COURIER:EXPRESS", "OZON-COURIER:EXPRESS"),
        ("tariff:russian-post:ems-intl\r", "RUSSIAN-POST:EMS-INTL"),
        ("Tariff: OZON-COURIER : STANDARD", "OZON-COURIER:STANDARD"),
        ("]C0TARIFF:DHL:X.1", "DHL:X.1"),  # an AIM prefix is stripped first
    ],
)
def test_tariff_cards(raw: str, tariff: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.TARIFF
    assert code.command == tariff and code.ok and code.symbology == "Code128"


@pytest.mark.parametrize(
    "raw",
    ["TARIFF:", "TARIFF:OZON", "TARIFF:OZON:", "TARIFF::EXPRESS", "TARIFF:A:B:C", "TARIFF:[x]:Y"],
)
def test_malformed_tariff_cards_are_invalid(raw: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.INVALID
    assert code.errors == ("malformed tariff code: expected TARIFF:<CARRIER>:<TARIFF>",)
    assert code.command is None


def test_tariff_word_alone_is_text() -> None:
    assert parse_code("TARIFF").kind is CodeKind.TEXT
    assert parse_code("TARIFFS-2026").kind is CodeKind.TEXT


# --- text, bad input -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["CABLE-USB-C", "ORD-1001", "TOTE-017", "Кружка-350", "1234567890"])
def test_code128_text(raw: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.TEXT
    assert code.symbology == "Code128"
    assert code.text == raw
    assert code.gtin is None
    assert code.ok


@pytest.mark.parametrize(
    "bad", [wrong_check("460123456789"), wrong_check("04600000123"), wrong_check("1460123456789")]
)
def test_plain_bad_check_digit_is_invalid_not_text(bad: str) -> None:
    code = parse_code(bad)
    assert code.kind is CodeKind.INVALID
    assert not code.ok
    assert code.gtin is None
    assert "check digit" in code.errors[0]
    assert barcode_problem(bad) == code.errors[0]


def test_check_digit_message_names_expected_and_got() -> None:
    assert parse_code("4601234567890").errors == ("bad check digit: expected 3, got 0",)


def test_control_characters_are_stripped_from_text_but_kept_in_raw() -> None:
    code = parse_code("\x1b[2J\x00TOTE\x07-017\u202e")
    assert code.text == "[2JTOTE-017"
    assert code.raw == "\x1b[2J\x00TOTE\x07-017\u202e"
    assert code.kind is CodeKind.TEXT


def test_rich_markup_is_kept_literally() -> None:
    code = parse_code("[red]x[/]")
    assert code.kind is CodeKind.TEXT
    assert code.text == "[red]x[/]"


@pytest.mark.parametrize("raw", ["", "\r\n", "\x00\x01", "   ", GS + GS])
def test_empty(raw: str) -> None:
    code = parse_code(raw)
    assert code.kind is CodeKind.EMPTY
    assert not code.ok


def test_too_long() -> None:
    code = parse_code("7" * (MAX_CODE_LENGTH + 1))
    assert code.kind is CodeKind.INVALID
    assert "code too long" in code.errors[0]
    assert len(code.text) <= MAX_CODE_LENGTH
    assert parse_code("A" * MAX_CODE_LENGTH).kind is CodeKind.TEXT


def test_to_dict_shape() -> None:
    data = parse_code(f"]C1010460123456789317261231{GS}10L1").to_dict()
    assert set(data) == {
        "symbology",
        "kind",
        "gtin",
        "serial",
        "batch",
        "expiry",
        "sscc",
        "identity",
        "aim",
        "command",
        "order_ref",
        "text",
        "errors",
    }
    assert data["expiry"] == "2026-12-31"
    assert data["kind"] == "gs1"
    assert data["errors"] == []
    assert json.loads(json.dumps(data)) == data


# --- intake helpers -----------------------------------------------------------------


def test_barcode_problem() -> None:
    assert barcode_problem("4601234567893") is None
    assert barcode_problem("CABLE-USB-C") is None
    assert barcode_problem("425261") is None  # UPC-E without check digit: nothing to verify
    assert barcode_problem("04252614") is None  # valid UPC-E, as at the station
    problem = barcode_problem("4601234567890")
    assert problem is not None and "check digit" in problem


def test_gtin14() -> None:
    assert gtin14("046000001234") == "00046000001234"
    assert gtin14("96385074") == "00000096385074"
    assert gtin14("04252614") == "00042100005264"
    assert gtin14("4601234567890") is None
    assert gtin14("CABLE-USB-C") is None
    assert gtin14("٤٦٠١٢٣٤٥٦٧٨٩٣") is None  # Arabic-Indic digits are not barcode digits


# --- properties ---------------------------------------------------------------------

CONTROL = {"Cc", "Cf", "Cs", "Zl", "Zp"}
ANY_CHAR = st.characters(codec=None, exclude_categories=())
NASTY = st.sampled_from(
    ["", "]d2", "]C1", "]E0", "]Q3", "CMD:", "DOC:", "BOX:", "01", "00", "0104601234567893", "21"]
)
BODY = st.text(alphabet=st.sampled_from("0123456789ABCxyz:()[]/\x1d\x1b\x00\r\n "), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=ANY_CHAR), st.builds(str.__add__, NASTY, BODY)))
def test_never_raises_and_is_json_ready(raw: str) -> None:
    code = parse_code(raw)
    assert isinstance(code, ScannedCode)
    assert not any("internal error" in e for e in code.errors)
    text = json.dumps(code.to_dict(), ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogates survive into the output
    assert not any(ch != GS and unicodedata.category(ch) in CONTROL for ch in code.text)


@settings(max_examples=10, deadline=None)
@given(st.text(alphabet=ANY_CHAR, min_size=1, max_size=30), st.integers(4000, 10_240))
def test_huge_input_never_raises(chunk: str, size: int) -> None:
    raw = (chunk * (size // len(chunk) + 1))[:size]
    code = parse_code(raw)
    assert (code.kind is CodeKind.INVALID) == (len(raw.rstrip("\r\n")) > MAX_CODE_LENGTH)
    assert isinstance(code, ScannedCode)
    json.dumps(code.to_dict())


@pytest.mark.parametrize(
    "raw", ["\x1b[2J", "[red]x[/]", "\x00" * 100, "]", "]Y", "]Yx12", "(", "(01)", "01" + GS]
)
def test_nasty_examples(raw: str) -> None:
    code = parse_code(raw)
    assert not any("internal error" in e for e in code.errors)
    assert "\x1b" not in code.text and "\x00" not in code.text


TWELVE_DIGITS = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(TWELVE_DIGITS, st.integers(min_value=1, max_value=9))
def test_wrong_ean13_check_digit_is_never_accepted(payload: str, offset: int) -> None:
    bad = payload + str((check_digit(payload) + offset) % 10)
    code = parse_code(bad)
    assert code.kind is CodeKind.INVALID
    assert code.gtin is None
    assert any("check digit" in e for e in code.errors)
    assert barcode_problem(bad) is not None


@given(TWELVE_DIGITS)
def test_valid_ean13_is_accepted(payload: str) -> None:
    good = with_check(payload)
    code = parse_code(good)
    assert code.kind is CodeKind.GTIN
    assert code.gtin == "0" + good
    assert code.ok
    assert gtin14(good) == code.gtin
    assert barcode_problem(good) is None


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_intake_and_scan_agree_on_digits(digits: str) -> None:
    code = parse_code(digits)
    if len(digits) in (8, 12, 13, 14):
        assert (barcode_problem(digits) is None) == code.ok
        assert gtin14(digits) == code.gtin
    else:
        assert barcode_problem(digits) is None  # no check digit to verify


def test_aim_letters_match_biip() -> None:
    from biip.symbology import ISOSymbology

    from packstation.domain import codes

    assert frozenset(s.value for s in ISOSymbology) == codes._ISO_LETTERS
