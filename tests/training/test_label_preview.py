"""Labels at a training station go to the screen: the label as printed (its ZPL's fields,
escapes decoded) beside the barcode the trainee scans off the screen, fitting 80x24."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from packstation.domain.workflow import Step
from packstation.labels.content import LabelData
from packstation.labels.zpl import render_zpl
from packstation.screens.training_app import TrainingApp
from packstation.training.lessons import lesson_by_ref
from packstation.training.preview import PreviewPrinter, zpl_fields
from packstation.widgets.training import LabelPreview, label_rows
from tests.screens.test_fit_80x24 import cut_offs, shown_text
from tests.training.conftest import TRAINEE, scan, wait_until
from tests.training.helpers import screen_code
from tests.training.test_lessons import follow

LABEL = LabelData(
    parcel_id="PCL-TRN-1-1-1",
    order_id="TRN-1-1",
    carrier="CDEK",
    tariff="express",
    recipient="Иван ^XZ Петров_",  # a ^ or _ in an address must not end the field
    address_lines=("ул. Ленина 1", "кв. 5"),
    country="RU",
    weight_g=Decimal(1234),
    packed_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    station_id="PS-T1",
    items=3,
    ship_from=("Fulfilment centre", "Leningradskaya 1"),
    marks=("FRAGILE",),
    parcel_no=2,
    parcel_count=3,
)


def test_the_printed_fields_are_read_back_out_of_the_zpl() -> None:
    lines, barcode = zpl_fields(render_zpl(LABEL))
    assert lines == (
        "CDEK / express",
        "From: Fulfilment centre",
        "Leningradskaya 1",
        "To: Иван ^XZ Петров_",
        "ул. Ленина 1",
        "кв. 5",
        "RU",
        "Order TRN-1-1   3 pcs   1.234 kg",
        "Parcel 2 of 3   2026-11-26 09:30  PS-T1",
        "[FRAGILE]",
    )
    assert barcode == "PCL-TRN-1-1-1"
    printer = PreviewPrinter()
    printer.send(render_zpl(LABEL).encode("utf-8"), "PCL-TRN-1-1-1.zpl")
    printer.send(b"\x89PNG...", "PCL-TRN-1-1-10.png")  # another parcel; a PNG shows its name
    job = printer.label_of("PCL-TRN-1-1-1")
    assert job is not None and job.lines == lines and job.barcode == barcode
    assert printer.label_of("PCL-TRN-1-1-10") is not None
    assert printer.label_of("PCL-TRN-1-1") is None


@pytest.mark.parametrize(
    ("rows", "dropped"),
    [
        (10, {"From: Fulfilment centre"}),
        (8, {"From: Fulfilment centre", "Leningradskaya 1", "Order TRN-1-1   3 pcs   1.234 kg"}),
        (6, {"From: Fulfilment centre", "Leningradskaya 1", "Order TRN-1-1   3 pcs   1.234 kg",
             "ул. Ленина 1", "кв. 5"}),
    ],
)  # fmt: skip
def test_a_short_body_drops_what_a_packer_checks_least(rows: int, dropped: set[str]) -> None:
    lines, barcode = zpl_fields(render_zpl(LABEL))
    shown = label_rows(lines, barcode, rows)
    assert len(shown) == rows and shown[-1] == barcode
    assert set(lines) - set(shown) == dropped  # carrier, To:, country, parcel n of m stay


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_the_label_step_shows_the_label_beside_its_barcode(
    make_training: Callable[..., TrainingApp], locale: str
) -> None:
    app = make_training(lesson=lesson_by_ref("first_order"), locale=locale)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, TRAINEE)
        await wait_until(pilot, lambda: app.coach is not None)
        await pilot.pause()
        await follow(pilot, app, lambda: app.state.parcel is not None)
        await pilot.pause()
        assert app.state.step is Step.LABEL
        parcel = app.state.parcel
        assert parcel is not None
        preview = app.screen.query_one(LabelPreview)
        assert preview.display and preview.region.area  # in place of the checklist
        shown = shown_text(preview)
        printer = app.setup.printer
        assert isinstance(printer, PreviewPrinter)
        job = printer.label_of(parcel.parcel_id)
        assert job is not None
        carrier, to = job.lines[0], next(x for x in job.lines if x.startswith("To: "))
        for field in (carrier, to, "Parcel 1 of 1", parcel.parcel_id):
            assert field in shown, (field, shown)
        assert screen_code(app) == parcel.parcel_id  # its barcode, scanned off the screen
        assert cut_offs(app) == []
        await scan(pilot, parcel.parcel_id)
        assert not preview.display  # the next order's body is the lines again
