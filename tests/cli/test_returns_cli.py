"""`packstation returns import|list`, end to end on a seeded SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from packstation.cli.main import main
from packstation.models import Event, Order, Return
from packstation.models.db import open_database
from tests.station.conftest import seed

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def url(sqlite_url: str, fixtures_dir: Path) -> Iterator[str]:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    with db.unit_of_work() as s:
        s.execute(update(Order).where(Order.id == "ORD-1001").values(status="shipped"))
        s.execute(update(Order).where(Order.id == "ORD-1005").values(status="delivered"))
    db.dispose()
    yield sqlite_url


def test_import_prints_counts_refusals_and_is_idempotent(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["returns", "import", str(DATA / "returns-sample.csv"), "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "RMA-5003 refused: unknown order ORD-9999" in out
    assert out[-1] == "returns-sample.csv: 2 announced, 0 updated, 0 unchanged, 1 refused"
    path = str(DATA / "returns-sample.json")
    assert main(["returns", "import", path, "--db", url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["announced"], report["unchanged"]) == (0, 2)
    assert report["refused"] == [{"rma": "RMA-5003", "reason": "unknown order ORD-9999"}]
    db = open_database(url)
    with db.sessions() as s:
        ret = s.scalars(select(Return).where(Return.rma == "RMA-5001")).one()
        assert (ret.order_id, ret.status, ret.label_code, ret.reason) == (
            "ORD-1001",
            "announced",
            "RET-LBL-0001",
            "Arrived cracked",
        )
        assert ret.announced_items == [
            {"sku": "MUG-CER-350", "qty": 1},
            {"sku": "SPOON-SET", "qty": 1},
        ]
        assert len(s.scalars(select(Event).where(Event.kind == "return.announced")).all()) == 2
    db.dispose()
    assert main(["returns", "list", "--db", url]) == 0
    listed = capsys.readouterr().out
    assert "RMA-5001" in listed and "announced" in listed
    assert main(["returns", "list", "--db", url, "--json", "--status", "closed"]) == 0
    assert capsys.readouterr().out == ""


def test_refusals_that_do_not_fail_the_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "rma,order_id,sku,qty\n"
        "R-1,ORD-1002,SNK-RUN-42,1\n"  # ready: never shipped
        "R-2,ORD-1001,CABLE-USB-C,1\n"  # not in the order
        "R-3,ORD-1001,MUG-CER-350,3\n"  # 2 shipped
        "R-4,ORD-1001,,\n",  # the whole order, items not said
        encoding="utf-8",
    )
    assert main(["returns", "import", str(path), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "R-1 refused: order ORD-1002 is ready" in out
    assert "R-2 refused: CABLE-USB-C not in order ORD-1001" in out
    assert "R-3 refused: MUG-CER-350: 3 announced, 2 shipped" in out
    assert out.splitlines()[-1] == "r.csv: 1 announced, 0 updated, 0 unchanged, 3 refused"


@pytest.mark.parametrize(
    ("text", "name", "where"),
    [
        ("rma,order_id,sku,qty\nR-1,ORD-1001,MUG-CER-350,1\nR-2,ORD-1001,TEA-GRN-100,x\n",
         "bad.csv", "line 3, column qty: expected a whole number"),
        ('{"returns": [{"rma": "R-1", "order_id": "ORD-1001"},\n {"rma": "R-2" "x"}]}',
         "bad.json", "line 2 column"),
    ],
)  # fmt: skip
def test_malformed_file_imports_nothing_and_names_the_place(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, name: str, where: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["returns", "import", str(path), "--db", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"packstation: {path}: nothing imported: ")
    assert where in err and "\n" not in err
    db = open_database(url)
    with db.sessions() as s:
        assert s.scalars(select(Return)).all() == []
    db.dispose()


def test_missing_file_is_one_line(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["returns", "import", "/nonexistent/returns.csv", "--db", url]) == 1
    assert "no such file" in capsys.readouterr().err
