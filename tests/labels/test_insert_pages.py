"""Insert pages (a gift note, a flyer) carry their DOC barcode, decoded with zxing-cpp at
203 and 300 dpi like the other documents; their text is wrapped and kept to one page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from packstation.labels.canvas import A4, RasterPage
from packstation.labels.documents import (
    INSERT_ROWS,
    DocLine,
    DocumentData,
    doc_code,
    documents_pdf,
    insert_page,
    write_documents,
)
from tests.labels.zxing_decode import DPIS, code128, png_pages, read, read_pdf

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
NOTE = "С днём рождения, Анна! " * 30 + "\n\nОбнимаю, Иван"
DOC = DocumentData(
    order_id="ORD-1001",
    issued=NOW.date(),
    buyer="Анна Петрова",
    address_lines=("ул. Тверская, д. 7", "125009 Москва"),
    country="RU",
    lines=(DocLine("MUG-CER-350", "Кружка", 2, Decimal(320), Decimal(450), ""),),
    inserts=(("GIFTNOTE", NOTE), ("FLYER-WINTER", "Winter sale: -10% with WINTER10")),
)
KINDS = ("INVOICE", "GIFTNOTE", "FLYER-WINTER")


class Recorder(RasterPage):
    """A raster page that also keeps the text drawn on it."""

    def __init__(self) -> None:
        blank = RasterPage.blank(A4, 203)
        super().__init__(blank.image, blank.dpi)
        self.rows: list[str] = []

    def text(self, x_mm: float, y_mm: float, text: str, size_pt: float) -> None:
        self.rows.append(text)
        super().text(x_mm, y_mm, text, size_pt)


def test_insert_pages_decode_in_pdf_and_png(tmp_path: Path) -> None:
    pages = [{code128(doc_code(kind, "ORD-1001"))} for kind in KINDS]
    pdf = documents_pdf(DOC, KINDS)
    for dpi in DPIS:
        assert read_pdf(pdf, dpi) == pages, dpi
    assert write_documents(DOC, KINDS, tmp_path / "d.png") == list(KINDS)
    for kind, expected in zip(KINDS, pages, strict=True):
        dpi, (page,) = png_pages(tmp_path / f"d-{kind}.png")
        assert dpi == 300 and read(page) == expected


def test_a_long_note_is_wrapped_and_cut_to_one_page() -> None:
    page = Recorder()
    insert_page(page, DOC, "GIFTNOTE", NOTE * 3)
    body = page.rows[page.rows.index(DOC.country) + 1 :]
    assert len(body) == INSERT_ROWS and body[-1].endswith("…")
    assert all(len(row) <= 68 for row in body)
    short = Recorder()
    insert_page(short, DOC, "GIFTNOTE", "Hi Anna!\n\nLove, Ivan")
    assert short.rows[0] == "GIFT NOTE / ПОДАРОК"
    assert short.rows[short.rows.index(DOC.country) + 1 :] == ["Hi Anna!", "", "Love, Ivan"]
