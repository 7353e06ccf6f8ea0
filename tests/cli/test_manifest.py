from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli import main
from packstation.domain.manifest import ManifestLine, ManifestView
from packstation.domain.rules import PackRules
from packstation.labels.manifest_doc import ROWS_PER_PAGE, manifest_pdf
from packstation.models import Event, Manifest, Notification, Order, Parcel
from packstation.models.db import Database
from tests.labels.zxing_decode import DPIS, read_pdf
from tests.station.conftest import SyncRunner
from tests.station.test_runner import pack_ord_1001_to_label


@pytest.fixture
def packed(station_db: Database, rules: PackRules, tmp_path: Path) -> tuple[str, str]:
    st = SyncRunner(station_db, rules, tmp_path / "spool")
    try:
        parcel_id = pack_ord_1001_to_label(st)
        assert st.scan(parcel_id).outcome.ok  # type: ignore[union-attr]
    finally:
        st.stop()
    with station_db.sessions() as s:
        parcel = s.get(Parcel, parcel_id)
        assert parcel is not None
        return parcel_id, parcel.carrier


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_manifest_ships_parcels_and_tells_customers(
    capsys: pytest.CaptureFixture[str],
    station_db: Database,
    packed: tuple[str, str],
    tmp_path: Path,
) -> None:
    parcel_id, carrier = packed
    out_dir = tmp_path / "out"
    code = main(
        [
            "manifest",
            "--carrier",
            carrier,
            "--date",
            "2026-11-26",
            "-o",
            str(out_dir),
            "--db",
            _url(station_db),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "1 parcels" in out
    with station_db.sessions() as s:
        manifest = s.scalars(select(Manifest)).one()
        parcel = s.get(Parcel, parcel_id)
        order = s.get(Order, "ORD-1001")
        notes = s.scalars(select(Notification).where(Notification.template == "parcel_shipped"))
        kinds = s.scalars(select(Event.kind).where(Event.kind == "parcel.shipped")).all()
        assert parcel is not None and parcel.status == "shipped"
        assert parcel.manifest_id == manifest.id
        assert order is not None and order.status == "shipped"
        assert [n.order_id for n in notes] == ["ORD-1001"]
        assert kinds == ["parcel.shipped"]
    rows = list(csv.DictReader((out_dir / f"{manifest.id}.csv").open(encoding="utf-8")))
    assert [(r["parcel_id"], r["order_id"]) for r in rows] == [(parcel_id, "ORD-1001")]
    for dpi in DPIS:
        assert read_pdf(out_dir / f"{manifest.id}.pdf", dpi) == [{("]C0", manifest.id)}]
    # Nothing left for this carrier: a second close is a clear one-line error.
    code = main(["manifest", "--carrier", carrier, "-o", str(out_dir), "--db", _url(station_db)])
    assert code == 1 and "no packed parcels" in capsys.readouterr().err


def test_handoff_check_reports_extras_and_gaps(
    capsys: pytest.CaptureFixture[str],
    station_db: Database,
    packed: tuple[str, str],
    tmp_path: Path,
) -> None:
    parcel_id, carrier = packed
    main(["manifest", "--carrier", carrier, "-o", str(tmp_path), "--db", _url(station_db)])
    capsys.readouterr()
    with station_db.sessions() as s:
        manifest_id = s.scalars(select(Manifest.id)).one()
    scans = tmp_path / "scans.txt"
    scans.write_text(f"PCL-FOREIGN-1\n{parcel_id}\n{parcel_id}\n", encoding="utf-8")
    assert (
        main(["manifest", "--check", manifest_id, "--scans", str(scans), "--db", _url(station_db)])
        == 0
    )
    out = capsys.readouterr().out
    assert "NOT IN MANIFEST: PCL-FOREIGN-1" in out and "1 of 1 parcels scanned" in out
    scans.write_text("", encoding="utf-8")
    main(["manifest", "--check", manifest_id, "--scans", str(scans), "--db", _url(station_db)])
    assert f"MISSING (not scanned): {parcel_id}" in capsys.readouterr().out


def test_manifest_pages_barcode_is_the_manifest_id(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime
    from decimal import Decimal

    line = ManifestLine("PCL-1", "ORD-1", "EXPRESS", Decimal(1200), "A", "Москва", "101000", "RU")
    view = ManifestView(
        "MF-OZON-COURIER-20261126-1",
        "OZON-COURIER",
        date(2026, 11, 26),
        datetime(2026, 11, 26, tzinfo=UTC),
        (line,) * (ROWS_PER_PAGE + 1),
    )
    path = tmp_path / "m.pdf"
    assert manifest_pdf(view, path) == 2
    for dpi in DPIS:
        assert read_pdf(path, dpi) == [{("]C0", view.id)}] * 2, f"{dpi} dpi"


def test_documents_command_writes_what_the_order_needs(
    capsys: pytest.CaptureFixture[str], station_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "docs.pdf"
    assert main(["documents", "ORD-1003", "-o", str(out), "--db", _url(station_db)]) == 0
    assert "INVOICE, CN23 for ORD-1003" in capsys.readouterr().out  # KZ: customs too
    assert main(["documents", "ORD-1001", "-o", str(out), "--db", _url(station_db)]) == 0
    assert "INVOICE for ORD-1001" in capsys.readouterr().out  # domestic
    assert main(["documents", "NOPE", "-o", str(out), "--db", _url(station_db)]) == 1
    assert "no order NOPE" in capsys.readouterr().err
