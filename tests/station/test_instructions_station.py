"""Pack instructions and inserts through the real station runner, on SQLite and PostgreSQL:
the order file's instructions and gift note are stored in ``orders.extra`` and reach the
claim; the gift note and a config flyer are printed with the documents at claim (their
barcodes decode at 203 and 300 dpi) and scanned into the box; a confirm instruction is
confirmed by scan and audited as ``check.confirmed`` with its text."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

# Rules are msgspec Structs (`replaced`); an order read from a file is a dataclass (`replace`).
from msgspec.structs import replace as replaced
from sqlalchemy import select

from packstation.cli.orders_cmd import validate
from packstation.domain.instructions import Instruction
from packstation.domain.intake import read_orders
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.domain.workflow.instructions import INSTRUCTION_PROFILE, shown_at
from packstation.models import Event, Order
from packstation.models.db import Database
from packstation.models.orders_repo import content_hash, import_orders
from packstation.station.context import DbContext
from tests.labels.zxing_decode import DPIS, code128, read_pdf
from tests.station.conftest import PACKER, SyncRunner

ORDER = "ORD-3001"
NOW_DAY = date(2026, 11, 26)
MUG = "4601234567893"
WRAP = "Wrap each mug in bubble film"
NOTE = "С днём рождения, Анна!\nОбнимаю, Иван"
FLYER = "Winter sale: -10% with WINTER10"
ORDER_FILE = {
    "id": ORDER,
    "ship_by": "2026-11-27T12:00:00+03:00",
    "customer": {"name": "Анна Петрова", "email": "VIP@example.ru", "locale": "ru"},
    "address": {"country": "RU", "city": "Москва", "postcode": "125009", "line1": "Тверская, 7"},
    "instructions": ["No invoice price stickers on the items"],
    "gift_note": NOTE,
    "lines": [
        {"sku": "MUG-CER-350", "name": "Кружка", "barcodes": [MUG], "qty": 1,
         "unit_weight_g": 320, "instructions": [{"text": WRAP, "confirm": True}]},
    ],
}  # fmt: skip


def rules_with_config(rules: PackRules) -> PackRules:
    config = PackRules.from_config(
        {
            "instructions": [{"customer": "vip@example.ru", "text": "Add a sweet", "step": "box"}],
            "inserts": [{"kind": "flyer", "sku": "MUG-CER-350", "text": FLYER}],
        }
    )
    return replaced(rules, instructions=config.instructions, inserts=config.inserts)


def _import(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": [ORDER_FILE]}, ensure_ascii=False), encoding="utf-8")
    with db.unit_of_work() as session:
        report = import_orders(session, read_orders(path), validate)
    assert report.ready == 1, report.problems


def test_order_file_fields_are_stored_and_reach_the_order_view(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    _import(station_db, tmp_path)
    with station_db.sessions() as s:
        extra = s.get(Order, ORDER).extra  # type: ignore[union-attr]
        view = DbContext(s, "PS-01", rules_with_config(rules)).find_order(ORDER)
    assert extra["gift_note"] == NOTE
    assert [i["text"] for i in extra["instructions"]] == [
        "No invoice price stickers on the items",
        WRAP,
    ]
    assert extra["instructions"][1] == {
        "text": WRAP, "confirm": True, "step": "items", "source": "sku:MUG-CER-350"
    }  # fmt: skip
    assert view is not None and not isinstance(view, type(None))
    assert [i.text for i in view.instructions] == [  # type: ignore[union-attr]
        "No invoice price stickers on the items",
        WRAP,
    ]
    assert view.inserts == ("GIFTNOTE",)  # type: ignore[union-attr]
    # Only the identity the config names is carried, case-folded (no name, no phone).
    assert view.customer == ("vip@example.ru",)  # type: ignore[union-attr]


def test_an_order_without_the_new_fields_hashes_as_before(fixtures_dir: Path) -> None:
    order = read_orders(fixtures_dir / "orders-sample.json")[0]
    assert order.instructions == [] and order.gift_note == ""
    # The hash this order had before instructions existed (the function without their two
    # parts gives it for every sample order): stored hashes stay valid.
    assert content_hash(order) == (
        "fd3382c8b5fd8173a5cfd87d781fee29d2d9d45ca87a92ed8223b92168878e38"
    )
    noted = replace(order, gift_note="Hi")
    told = replace(order, lines=[replace(order.lines[0], instructions=[Instruction("Wrap")]),
                                 *order.lines[1:]])  # fmt: skip
    assert len({content_hash(order), content_hash(noted), content_hash(told)}) == 3


def test_instructions_and_inserts_at_the_station(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    _import(station_db, tmp_path)
    docs = tmp_path / "docs"
    st = SyncRunner(station_db, rules_with_config(rules), tmp_path / "spool", documents=docs)
    try:
        st.scan(PACKER)
        claimed = st.scan(ORDER)
        state = claimed.state
        assert state.documents == ("INVOICE", "GIFTNOTE", "FLYER")
        assert [i.text for i in shown_at(state)] == [
            "No invoice price stickers on the items",
            WRAP,
        ]
        result = st.scan(MUG)
        assert result.state.step is Step.BOX
        assert [i.text for i in shown_at(result.state)] == ["Add a sweet"]
        boxed = st.scan("BOX:S")
        assert boxed.outcome is not None and boxed.outcome.ok
        result = st.do(ScaleReading(boxed.state.expected_weight_g, stable=True))
        assert result.state.step is Step.CHECKS, result.outcome
        while result.state.next_check is not None:
            result = st.do(Key(Action.OK))
            assert result.outcome is not None and result.outcome.ok
        for kind in ("INVOICE", "GIFTNOTE", "FLYER"):
            result = st.scan(f"DOC:{kind}:{ORDER}")
            assert result.outcome is not None and result.outcome.ok, result.outcome
        assert result.state.step is Step.LABEL
    finally:
        st.stop()
    pdf = (docs / f"{ORDER}-documents.pdf").read_bytes()
    expected = [{code128(f"DOC:{kind}:{ORDER}")} for kind in ("INVOICE", "GIFTNOTE", "FLYER")]
    for dpi in DPIS:
        assert read_pdf(pdf, dpi) == expected, dpi
    with station_db.sessions() as s:
        confirmed = s.scalars(
            select(Event.payload).where(Event.kind == "check.confirmed", Event.order_id == ORDER)
        ).all()
        documents = s.scalars(
            select(Event.payload).where(Event.kind == "document.confirmed", Event.order_id == ORDER)
        ).all()
    audited = [(p["profile"], p["text"]) for p in confirmed if p["profile"] == INSTRUCTION_PROFILE]
    assert audited == [(INSTRUCTION_PROFILE, WRAP)]
    assert [p["document"] for p in documents] == ["INVOICE", "GIFTNOTE", "FLYER"]


def test_a_file_insert_is_read_when_printed_and_a_missing_one_named(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    from packstation.models.documents_repo import document_data

    flyer = tmp_path / "flyer.txt"
    flyer.write_text("Спасибо за заказ!\nThank you!", encoding="utf-8")
    config = PackRules.from_config(
        {"inserts": [{"kind": "thanks", "customer": "Анна Петрова", "file": str(flyer)}]}
    )
    with_file = replaced(rules, inserts=config.inserts)
    with station_db.sessions() as s:
        found = document_data(s, "ORD-1001", with_file, (), NOW_DAY)  # Анна Петрова's order
        other = document_data(s, "ORD-1002", with_file, (), NOW_DAY)
    assert found is not None and other is not None
    doc, kinds = found
    assert kinds == ("INVOICE", "THANKS")
    assert doc.inserts == (("THANKS", "Спасибо за заказ!\nThank you!"),)
    assert other[1] == ("INVOICE",) and other[0].inserts == ()
    flyer.unlink()
    with station_db.sessions() as s, pytest.raises(ValueError, match="insert THANKS: cannot read"):
        document_data(s, "ORD-1001", with_file, (), NOW_DAY)
