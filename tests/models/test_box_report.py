"""`report shift`: boxes used vs suggested and the volume saved (issue 12 part 3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from packstation.cli.main import main
from packstation.models import Parcel
from packstation.models.db import Database, open_database
from packstation.models.reports_repo import shift_report
from tests.models.test_reports import SHIFT_END, SHIFT_START, seed_shift

# order, box used, suggested, cm3 used / suggested / first pick, status
PARCELS = [
    ("S1", "BOX:S", "BOX:S", 3000, 3000, 11250, "confirmed"),  # saved 8.25 l
    ("S2", "BOX:M", "BOX:S", 11250, 3000, 11250, "confirmed"),  # 8.25 l over
    ("S2", "BOX:M", "BOX:M", 11250, 11250, 11250, "void"),  # a voided label: not counted
    ("S5", "BOX:BAG", "BOX:S", 875, 3000, 875, "shipped"),  # smaller, a lead's override
    ("S6", "BOX:S", None, 3000, None, 3000, "confirmed"),  # no sizes: no suggestion
]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    with database.unit_of_work() as s:
        seed_shift(s)
        for n, (order, box, suggested, used, hinted, first, status) in enumerate(PARCELS):
            s.add(
                Parcel(
                    id=f"P{n}", order_id=order, carrier="C", tariff="T", box_code=box,
                    status=status, printed_at=SHIFT_START + timedelta(hours=1),
                    suggested_box=suggested, box_cm3=used, suggested_cm3=hinted,
                    first_box_cm3=first,
                )
            )  # fmt: skip
    yield database
    database.dispose()


def test_boxes_used_vs_suggested_per_packer_and_shift(db: Database) -> None:
    with db.sessions() as s:
        report = shift_report(s, SHIFT_START, SHIFT_END)
    anna = next(r for r in report.rows if (r.station_id, r.packer) == ("PS-01", "Anna K."))
    ivan = next(r for r in report.rows if r.packer == "Ivan S.")
    b = anna.boxes
    assert (b.suggested, b.as_suggested, b.larger, b.smaller) == (2, 1, 1, 0)
    assert (anna.volume_saved_l, anna.volume_over_l) == (8.25, 8.25)
    b = ivan.boxes
    assert (b.suggested, b.as_suggested, b.larger, b.smaller) == (1, 0, 0, 1)
    assert (b.saved_cm3, b.over_cm3) == (0, 0)
    total = report.total.boxes
    assert (total.suggested, total.as_suggested, total.larger, total.smaller) == (3, 1, 1, 1)
    assert total.saved_cm3 == 8250 and total.over_cm3 == 8250


def test_report_shift_prints_the_box_table_and_csv(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ["--since", SHIFT_START.isoformat(), "--until", SHIFT_END.isoformat()]
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["report", "shift", *window, "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("Boxes used vs suggested")
    assert out[start + 1].split() == [
        "STATION", "PACKER", "SUGGESTED", "AS", "SUGGESTED", "LARGER", "SMALLER", "SAVED", "L",
        "OVER", "L",
    ]  # fmt: skip
    assert out[start + 2].split() == ["PS-01", "Anna", "K.", "2", "1", "(50.0%)", "1", "0",
                                      "8.2", "8.2"]  # fmt: skip
    assert out[-1].split() == ["-", "ALL", "3", "1", "(33.3%)", "1", "1", "8.2", "8.2"]
    assert main(["report", "shift", *window, "--csv", "-", "--db", url]) == 0
    rows = capsys.readouterr().out.splitlines()
    header = rows[0].split(",")
    total = dict(zip(header, rows[-1].split(","), strict=True))
    assert (total["box_suggested"], total["box_as_suggested"], total["volume_saved_l"]) == (
        "3", "1", "8.250",
    )  # fmt: skip
