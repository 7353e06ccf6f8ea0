"""`packstation manifest -o DIR` with a carrier code that is a path: the files stay in DIR."""

from __future__ import annotations

from pathlib import Path

import pytest

from packstation.cli.main import main
from packstation.models import Parcel
from packstation.models.db import open_database
from tests.models.test_deliveries_repo import SHIP_BY, add_order


def _seed(url: str, carrier: str) -> None:
    db = open_database(url)
    with db.unit_of_work() as s:
        add_order(s, "O-1")
        s.flush()
        s.add(
            Parcel(
                id="P-1",
                order_id="O-1",
                carrier=carrier,
                tariff="T",
                status="confirmed",
                printed_at=SHIP_BY,
                confirmed_at=SHIP_BY,
            )
        )
    db.dispose()


@pytest.mark.parametrize(
    ("carrier", "stem"),
    [
        ("../../evil", "MF-.._.._evil-20261126-1"),
        ("A/B", "MF-A_B-20261126-1"),
        ("X\x00Y", "MF-X_Y-20261126-1"),
    ],
)
def test_manifest_files_stay_in_the_output_folder(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], carrier: str, stem: str
) -> None:
    _seed(sqlite_url, carrier)
    out = tmp_path / "a" / "b" / "out"
    args = ["manifest", "--carrier", carrier, "--date", "2026-11-26", "-o", str(out)]
    assert main([*args, "--db", sqlite_url]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.csv", f"{stem}.pdf"]
    written = {p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".csv", ".pdf")}
    assert written == {out / f"{stem}.csv", out / f"{stem}.pdf"}
    assert "\x00" not in capsys.readouterr().out


def test_a_carrier_code_that_cannot_name_a_file_closes_nothing(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    carrier = "C" * 300
    _seed(sqlite_url, carrier)
    args = ["manifest", "--carrier", carrier, "-o", str(tmp_path / "out"), "--db", sqlite_url]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file name longer than 200 bytes" in err
    db = open_database(sqlite_url)
    with db.sessions() as s:
        parcel = s.get(Parcel, "P-1")
        assert parcel is not None and parcel.manifest_id is None
    db.dispose()
