from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli import main
from packstation.domain.pins import verify_pin
from packstation.models import Operator, Order
from packstation.models.db import open_database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_prints_counts_and_list_shows_orders(
    capsys: pytest.CaptureFixture[str], db_url: str, fixtures_dir: Path
) -> None:
    assert run(capsys, "db", "upgrade", "--db", db_url)[0] == 0
    code, out, _ = run(
        capsys, "orders", "import", str(fixtures_dir / "orders-sample.json"), "--db", db_url
    )
    assert code == 0
    assert "4 ready, 1 needs correction, 0 unchanged, 0 refused" in out
    assert "ORD-1004 needs correction" in out and "address.postcode" in out
    code, out, _ = run(
        capsys, "orders", "import", str(fixtures_dir / "orders-sample.json"), "--db", db_url
    )
    assert "0 ready, 0 needs correction, 5 unchanged, 0 refused" in out
    code, out, _ = run(capsys, "orders", "list", "--status", "ready", "--json", "--db", db_url)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and {r["id"] for r in rows} == {"ORD-1001", "ORD-1002", "ORD-1003", "ORD-1005"}
    code, out, _ = run(capsys, "orders", "list", "--db", db_url)
    assert code == 0 and "ORD-1004" in out and "needs_correction" in out


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b'{"orders": [{"id": "A-1",', "broken.json", "line 1"),
        (b"order_id,sku\nA-1,X\n", "cols.csv", "qty"),
        (b'{"orders": [{"id": "A-1", "lines": [{"sku": "X", "qty": "two"}]}]}', "t.json", "qty"),
        (b"\xff\xfe\x00garbage", "bin.json", "UTF-8"),
    ],
)
def test_malformed_file_is_one_line_exit_1_and_imports_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sqlite_url: str,
    content: bytes,
    name: str,
    expected: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "orders", "import", str(path), "--db", sqlite_url)
    assert code == 1
    assert err.startswith("packstation: ") and err.count("\n") == 1
    assert "nothing imported" in err and expected in err
    assert "Traceback" not in err
    db = open_database(sqlite_url)
    with db.sessions() as s:
        assert s.scalars(select(Order)).all() == []
    db.dispose()


FIXTURES_CSV = Path(__file__).resolve().parents[2] / "packstation" / "data" / "orders-sample.csv"


def _big_csv(orders: int) -> str:
    """The sample's columns, BOM and CRLF; two lines per order."""
    header = (FIXTURES_CSV.read_text(encoding="utf-8-sig").splitlines()[0]).split(",")
    rows = [",".join(header)]
    for i in range(orders):
        for k, code in enumerate(("4607001002000", "4607001002017|4607001002024")):
            cells = {
                "order_id": f"BIG-{i:05d}",
                "ship_by": "2026-11-27T12:00:00+03:00",
                "customer_name": "Мария Кузнецова",
                "phone": "+79161112233",
                "country": "RU",
                "city": "Москва",
                "postcode": "119019" if i % 50 else "11901",
                "line1": '"ул. Арбат, д. 1"',
                "sku": f"SKU-{k}",
                "name": "Товар",
                "barcodes": code,
                "qty": "1",
                "unit_weight_g": "45",
                "fragile": "false",
            }
            rows.append(",".join(cells.get(column, "") for column in header))
    return "\ufeff" + "\r\n".join(rows) + "\r\n"


def test_a_big_file_is_imported_once_and_an_error_in_its_last_line_imports_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_url: str
) -> None:
    text = _big_csv(2500)  # 5,000 lines: several chunks are written before the last is read
    broken = tmp_path / "broken.csv"
    broken.write_text(text[: text.rindex(",1,45,")] + ",one,45,false,false,false,\r\n")
    assert run(capsys, "db", "upgrade", "--db", db_url)[0] == 0
    code, _, err = run(capsys, "orders", "import", str(broken), "--db", db_url)
    assert code == 1 and err.count("\n") == 1
    assert "nothing imported: line 5001, column qty: expected a whole number, got 'one'" in err
    db = open_database(db_url)
    with db.sessions() as s:
        assert s.scalars(select(Order)).all() == []
    db.dispose()
    good = tmp_path / "orders.csv"
    good.write_bytes(text.encode())
    code, out, _ = run(capsys, "orders", "import", str(good), "--db", db_url)
    summary = "2450 ready, 50 needs correction, 0 unchanged, 0 refused (5000 lines stored)"
    assert code == 0 and out.endswith(f"orders.csv: {summary}\n")
    code, out, _ = run(capsys, "orders", "import", str(good), "--db", db_url)
    summary = "0 ready, 0 needs correction, 2500 unchanged, 0 refused (0 lines stored)"
    assert code == 0 and out == f"orders.csv: {summary}\n"


def test_missing_file_is_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "orders", "import", str(tmp_path / "nope.json"), "--db", str(tmp_path / "x.db")
    )
    assert code == 1 and "cannot read" in err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["orders", "frobnicate"])
    assert info.value.code == 2


def test_operator_pin_from_stdin_is_hashed_never_stored_plain(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    assert run(capsys, "db", "upgrade", "--db", db_url)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("4711\n"))
    code, out, _ = run(
        capsys,
        "operators",
        "add",
        "--badge",
        "B-7",
        "--name",
        "Лида",
        "--role",
        "lead",
        "--pin-stdin",
        "--db",
        db_url,
    )
    assert code == 0 and "4711" not in out
    db = open_database(db_url, auto_upgrade=True)
    with db.sessions() as s:
        op = s.scalar(select(Operator).where(Operator.badge == "B-7"))
        assert op is not None and op.role == "lead"
        assert op.pin_hash and "4711" not in op.pin_hash
        assert verify_pin("4711", op.pin_hash) and not verify_pin("4712", op.pin_hash)
    db.dispose()
    code, _, err = run(
        capsys,
        "operators",
        "add",
        "--badge",
        "B-7",
        "--name",
        "X",
        "--role",
        "packer",
        "--db",
        db_url,
    )
    assert code == 1 and "already registered" in err


def test_lead_without_pin_is_refused(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> None:
    code, _, err = run(
        capsys,
        "operators",
        "add",
        "--badge",
        "L1",
        "--name",
        "Lead",
        "--role",
        "lead",
        "--db",
        sqlite_url,
    )
    assert code == 1 and "needs a PIN" in err


def test_codes_parse_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "codes",
        "parse",
        "--json",
        "0104601234567893215Abc1234567890<GS>91ABCD<GS>92" + "x" * 44,
    )
    data = json.loads(out)
    assert code == 0
    assert data["kind"] == "marking"
    assert data["gtin"] == "04601234567893"
    assert data["identity"] == "010460123456789321" + "5Abc1234567890"
    code, out, _ = run(capsys, "codes", "parse", "4601234567890")
    assert code == 0 and "check digit" in out


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "packstation", "codes", "parse", "--json", "]E04601234567893"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["symbology"] == "EAN-13" and data["gtin"] == "04601234567893"


def test_only_a_process_ending_after_its_command_freezes_its_objects(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console script (arguments from the process) freezes what it made before the
    interpreter's exit, skipping its last collections; a caller passing arguments (these
    tests, in one long-lived process) keeps a collector that frees cycles."""
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.get_count()[0]))
    assert main(["codes", "parse", "4601234567893"]) == 0
    assert frozen == []
    monkeypatch.setattr(sys, "argv", ["packstation", "codes", "parse", "4601234567893"])
    assert main() == 0
    assert len(frozen) == 1
    assert "EAN-13" in capsys.readouterr().out


def test_demo_builds_a_database_with_orders_and_badges(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "demo", "--setup-only", "--dir", str(tmp_path))
    assert code == 0
    assert "ORD-1005" in out and "ORD-2001" in out
    db = open_database(f"sqlite:///{tmp_path / 'packstation.db'}")
    with db.sessions() as s:
        assert len(s.scalars(select(Order)).all()) == 6
        assert {o.role for o in s.scalars(select(Operator))} == {"packer", "lead"}
    db.dispose()


def test_demo_orders_are_due_after_the_demo_is_made(tmp_path: Path) -> None:
    """Sample ship-by dates are fixed in the files; the demo moves them past its own now."""
    from packstation.cli.station_cmd import create_demo_database

    now = datetime(2031, 3, 5, 23, 30, tzinfo=UTC)
    create_demo_database(tmp_path, now=now)
    db = open_database(f"sqlite:///{tmp_path / 'packstation.db'}")
    with db.sessions() as s:
        due = sorted(o.ship_by for o in s.scalars(select(Order)) if o.ship_by is not None)
    db.dispose()
    assert len(due) == 6 and now < due[0] <= now + timedelta(days=1)
    # Spacing kept: the sample files span 2026-11-26 16:00 .. 11-28 18:00 (+03:00).
    assert due[-1] - due[0] == timedelta(days=2, hours=2)


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{cfg}", "orders", "list", "--json"],
        ["orders", "list", "--config", "{cfg}", "--json"],
        ["orders", "list", "--json", "--config={cfg}"],
    ],
)
def test_config_is_accepted_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    """The database comes from the config wherever --config stands."""
    db = tmp_path / "from-config.db"
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    code, _, err = run(capsys, *(a.format(cfg=cfg) for a in argv))
    assert code == 0, err
    assert db.exists()


def test_config_after_run_names_the_file_it_cannot_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.toml"
    code, _, err = run(capsys, "run", "--config", str(missing))
    assert code == 1 and str(missing) in err and "unrecognized" not in err
    code, _, err = run(capsys, "db", "current", "--config", str(missing))
    assert code == 1 and str(missing) in err


def test_set_pin_gives_a_packer_a_pin_clears_a_lock_and_is_audited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    from packstation.models.audit_repo import audit_entries

    assert run(capsys, "db", "upgrade", "--db", sqlite_url)[0] == 0
    add = ["operators", "add", "--badge", "P-1", "--name", "Оля", "--role", "packer"]
    assert run(capsys, *add, "--db", sqlite_url)[0] == 0
    db = open_database(sqlite_url)
    with db.unit_of_work() as s:
        op = s.scalar(select(Operator).where(Operator.badge == "P-1"))
        assert op is not None and op.pin_hash is None
        op.failed_pins, op.locked_until = 4, datetime(2099, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(sys, "stdin", io.StringIO("2580\n"))
    code, out, _ = run(capsys, "operators", "set-pin", "P-1", "--pin-stdin", "--db", sqlite_url)
    assert code == 0 and "2580" not in out
    with db.sessions() as s:
        op = s.scalar(select(Operator).where(Operator.badge == "P-1"))
        assert op is not None and verify_pin("2580", op.pin_hash)
        assert op.failed_pins == 0 and op.locked_until is None
        [entry] = [e for e in audit_entries(s) if e.kind == "pin.set"]
        assert entry.lead is not None and entry.lead.badge == "P-1"
        assert "2580" not in str(entry.payload)
    db.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO("12\n"))
    code, _, err = run(capsys, "operators", "set-pin", "P-1", "--pin-stdin", "--db", sqlite_url)
    assert code == 1 and "4 to 12 digits" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    code, _, err = run(capsys, "operators", "set-pin", "NOPE", "--pin-stdin", "--db", sqlite_url)
    assert code == 1 and "no operator" in err
