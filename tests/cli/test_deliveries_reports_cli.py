"""`packstation deliveries import` and `packstation report deliveries|shift`, end to end."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli.main import main
from packstation.models import Notification, Order
from packstation.models.db import open_database
from tests.models.test_deliveries_repo import add_order, add_parcel
from tests.models.test_reports import seed_deliveries, seed_shift

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def url(sqlite_url: str) -> Iterator[str]:
    db = open_database(sqlite_url)
    with db.unit_of_work() as s:
        for oid in ("O-1", "O-2", "O-3", "O-4"):
            add_order(s, oid)
        s.flush()
        for i, oid in enumerate(("O-1", "O-2", "O-3", "O-4"), 1):
            add_parcel(s, f"P-100{i}", oid)
    db.dispose()
    yield sqlite_url


@pytest.fixture
def report_url(sqlite_url: str) -> Iterator[str]:
    db = open_database(sqlite_url)
    with db.unit_of_work() as s:
        seed_deliveries(s)
        seed_shift(s)
    db.dispose()
    yield sqlite_url


def test_import_prints_counts_and_is_idempotent(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(DATA / "deliveries-sample.csv")
    assert main(["deliveries", "import", path, "--db", url]) == 0
    out = capsys.readouterr().out
    assert "P-9999: unknown parcel" in out
    assert out.splitlines()[-1] == (
        "deliveries-sample.csv: 2 delivered (1 damaged), 1 failed, 1 returned, 0 unchanged, "
        "1 unknown, 0 refused; 2 notification(s) queued"
    )
    assert main(["deliveries", "import", str(DATA / "deliveries-sample.json"), "--db", url]) == 0
    assert "0 delivered, 0 failed, 0 returned, 4 unchanged" in capsys.readouterr().out
    assert main(["deliveries", "import", path, "--db", url, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["unchanged"] == 4 and again["notifications"] == 0
    assert again["unknown_parcels"] == ["P-9999"]
    db = open_database(url)
    with db.sessions() as s:
        assert len(s.scalars(select(Notification)).all()) == 2
        order = s.get(Order, "O-1")
        assert order is not None and order.status == "delivered"
    db.dispose()


def test_bad_file_imports_nothing_and_exits_1(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "parcel_id,status,time\nP-1001,delivered,2024-05-03T10:00Z\nP-1002,lost,2024-05-03T10:00Z\n"
    )
    assert main(["deliveries", "import", str(bad), "--db", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"packstation: {bad}: nothing imported: line 3, column status: unknown status "
        '"lost" (expected delivered, failed or returned)'
    )
    db = open_database(url)
    with db.sessions() as s:
        order = s.get(Order, "O-1")
        assert order is not None and order.status == "packed"  # the good first row rolled back
    db.dispose()
    assert main(["deliveries", "import", str(tmp_path / "none.csv"), "--db", url]) == 1
    assert "cannot read: no such file" in capsys.readouterr().err


def test_report_deliveries_table_and_csv(
    report_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "deliveries", "--since", "2024-05-01T00:00Z", "--until", "2024-05-07"]
    assert main([*args, "--db", report_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Deliveries, parcels handed over 2024-05-01")
    assert lines[1].split() == [
        "CARRIER", "TARIFF", "PARCELS", "DELIVERED", "MEDIAN", "H", "P90", "H", "LATE",
        "FAILED", "DAMAGED", "IN", "TRANSIT",
    ]  # fmt: skip
    assert lines[2].split() == [
        "OZON-COURIER", "EXPRESS", "6", "4", "30.0", "44.4", "66.7%", "20.0%", "25.0%", "1",
    ]  # fmt: skip
    assert lines[4].split() == ["ALL", "ALL", "8", "5", "36.0", "48.0", "50.0%", "28.6%",
                                "20.0%", "1"]  # fmt: skip
    out = tmp_path / "deliveries.csv"
    assert main([*args, "--csv", str(out), "--db", report_url]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["carrier"], r["tariff"]) for r in rows] == [
        ("OZON-COURIER", "EXPRESS"),
        ("RUSSIAN-POST", "PARCEL"),
        ("ALL", "ALL"),
    ]
    assert rows[0]["median_h"] == "30.00" and rows[0]["p90_h"] == "44.40"
    assert rows[0]["late_share"] == "0.6667" and rows[2]["failed_share"] == "0.2857"


def test_report_shift_table_and_csv_to_stdout(
    report_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    since = "2024-05-01T06:00+00:00"
    until = "2024-05-01T18:00+00:00"
    assert main(["report", "shift", "--since", since, "--until", until, "--db", report_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:9] == [
        "STATION", "PACKER", "ORDERS", "LINES", "UNITS", "MIN/ORDER", "DEFECTS", "PER", "100",
    ]  # fmt: skip
    assert lines[2].split() == [
        "PS-01", "Anna", "K.", "2", "3", "7", "15.0", "2", "100.0", "1",
        "missing", "1", "(50.0),", "damaged", "1", "(50.0)",
    ]  # fmt: skip
    assert lines[-1].split()[:9] == ["-", "ALL", "5", "6", "11", "15.0", "3", "60.0", "2"]

    args = ["report", "shift", "--station", "PS-02", "--since", since, "--until", until]
    assert main([*args, "--csv", "-", "--db", report_url]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["station"], r["packer"], r["orders"], r["avg_minutes"]) for r in rows] == [
        ("PS-02", "Anna K.", "1", "30.00"),
        ("PS-02", "Ivan S.", "2", "7.50"),
        ("", "ALL", "3", "15.00"),  # (30 + 6 + 9) min / 3 orders
    ]


def test_bad_date_is_a_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "shift", "--since", "yesterday", "--db", url])
    assert exit_info.value.code == 2
    assert "expected a date (2024-05-31)" in capsys.readouterr().err


def test_shift_default_window_is_today(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "shift", "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    assert out == [
        f"Shift, {today} 00:00 .. now",
        "nothing packed, no defects and no overrides in this window",  # the data is from 2024
    ]
