"""A large order file is prepared in a forked child while the import writes
(`cli/import_child.py`): the child's rows are the ones this process would make, a
file error in it is the same error here, and neither its death nor the parent's stopping
leaves an import half-done or a process behind."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from packstation.cli import import_child, main
from packstation.cli.import_child import FORK_FROM_BYTES, Setup, prepared_chunks
from packstation.cli.orders_cmd import row_setup, validator
from packstation.domain.intake import CHUNK, DEFAULT_LIMITS, OrderFileError
from packstation.domain.intake.rows import FORMATTED, PreparedOrder, Validator, prepare_chunk
from packstation.domain.orders import OrderData, Problem
from packstation.models import Barcode, Event, Notification, Order, OrderLine
from packstation.models.db import open_database
from packstation.models.order_import_rows import formats_of
from packstation.models.orders_repo import import_prepared
from tests.models.test_orders_import_bulk import make_orders

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
SAMPLE_CSV = Path(__file__).resolve().parents[2] / "packstation" / "data" / "orders-sample.csv"
CHILD = "packstation-import-prepare"
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the child is forked (Linux)"
)


def _ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def write_csv(path: Path, orders: int, *, bad_qty_at: int | None = None) -> Path:
    """`orders` orders of 1 to 3 lines in the sample export's 22 columns; every ninth has a
    5-digit postcode (needs correction); `bad_qty_at`: that order's first line says qty
    "two" (the file cannot be read)."""
    with SAMPLE_CSV.open(encoding="utf-8-sig", newline="") as fh:
        template = next(csv.DictReader(fh))
    header = list(template)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=header, lineterminator="\r\n")
        out.writeheader()
        for i in range(orders):
            for k in range(1 + i % 3):
                out.writerow(
                    {
                        **template,
                        "order_id": f"BIG-{i:06d}",
                        "customer_name": f'Покупатель "{i}", тест',
                        "phone": f"+7916{i:07d}",
                        "postcode": "11901" if i % 9 == 0 else f"{119000 + i % 900}",
                        "line1": f"ул. Арбат, д. {i % 90 + 1}, кв. {i % 300 + 1}",
                        "sku": f"SKU-{(i + k) % 400:05d}",
                        "name": f"Товар {k}, вариант {i % 7}",
                        "barcodes": _ean13(f"460{(i + k) % 400:09d}"),
                        "qty": "two" if i == bad_qty_at and k == 0 else str(1 + k),
                        "unit_weight_g": f"{12 + k}.5",
                    }
                )
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_csv(tmp_path_factory.mktemp("child") / "big.csv", 3 * CHUNK + 321)
    assert path.stat().st_size >= FORK_FROM_BYTES  # else the CLI would not fork for it
    return path


SQLITE = sqlite.pysqlite.dialect()


def _dialects() -> list[Dialect]:
    return [SQLITE, postgresql.psycopg.dialect()]


def _setup(dialect: Dialect = SQLITE, validate: Validator | None = None) -> Setup:
    """What the preparing process calls: made there (in the child after the fork)."""
    return lambda: (validate or validator(), formats_of(dialect, NOW))


def _prepared(path: Path, dialect: Dialect, *, fork: bool) -> list[list[PreparedOrder]]:
    with prepared_chunks(path, DEFAULT_LIMITS, _setup(dialect), CHUNK, fork=fork) as chunks:
        return list(chunks)


def _children() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.name == CHILD]


@pytest.mark.parametrize("dialect", _dialects(), ids=lambda d: d.name)
def test_the_child_sends_the_rows_this_process_would_make(big_csv: Path, dialect: Dialect) -> None:
    here = _prepared(big_csv, dialect, fork=False)
    with prepared_chunks(big_csv, DEFAULT_LIMITS, _setup(dialect), CHUNK) as chunks:
        first = next(chunks)
        # A large file is prepared in a child by default, where no other thread runs.
        assert len(_children()) == (1 if threading.active_count() == 1 else 0)
        there = [first, *chunks]
    assert _children() == []
    assert [len(chunk) for chunk in there] == [CHUNK, CHUNK, CHUNK, 321]
    assert there == here
    problems = [order.problems for chunk in there for order in chunk if order.problems]
    assert len(problems) == len(range(0, 3 * CHUNK + 321, 9))
    assert problems[0] == (Problem("address.postcode", "must be 6 digits for RU, got '11901'"),)


def test_a_file_error_after_the_first_chunks_is_the_same_error_here(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", 3 * CHUNK, bad_qty_at=2 * CHUNK + 5)
    for fork in (False, True):
        received: list[list[PreparedOrder]] = []
        with (
            pytest.raises(OrderFileError) as raised,
            prepared_chunks(path, DEFAULT_LIMITS, _setup(), CHUNK, fork=fork) as chunks,
        ):
            received.extend(chunks)
        assert [len(chunk) for chunk in received] == [CHUNK, CHUNK]
        assert raised.value.file == str(path)
        assert "column qty" in raised.value.where and "two" in raised.value.detail
    assert _children() == []


def test_a_child_that_dies_fails_the_import_with_a_clear_message(big_csv: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="ended unexpectedly .exit code -9.; nothing was"),
        prepared_chunks(big_csv, DEFAULT_LIMITS, _setup(), CHUNK, fork=True) as chunks,
    ):
        next(chunks)
        [child] = _children()
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        list(chunks)
    assert _children() == []


def test_the_parent_stopping_ends_the_child(big_csv: Path) -> None:
    with (
        pytest.raises(KeyboardInterrupt),
        prepared_chunks(big_csv, DEFAULT_LIMITS, _setup(), CHUNK, fork=True) as chunks,
    ):
        next(chunks)
        assert len(_children()) == 1
        raise KeyboardInterrupt  # Ctrl-C, or the database failing, while chunk 1 is written
    assert _children() == []


def test_a_bug_in_the_child_is_reported_with_its_message(big_csv: Path) -> None:
    def broken(order: OrderData) -> list[Problem]:
        if order.id == "BIG-001500":
            raise ValueError("validator broke on <BIG-001500>")
        return []

    with (
        pytest.raises(
            RuntimeError,
            match="preparing the orders failed: ValueError: validator broke on <BIG-001500>",
        ),
        prepared_chunks(big_csv, DEFAULT_LIMITS, _setup(validate=broken), CHUNK, fork=True) as got,
    ):
        list(got)
    assert _children() == []


def _counts(url: str) -> list[int]:
    db = open_database(url)
    try:
        with db.sessions() as s:
            tables: list[Any] = [Order, OrderLine, Barcode, Event, Notification]
            return [int(s.scalar(select(func.count()).select_from(t)) or 0) for t in tables]
    finally:
        db.dispose()


@pytest.fixture
def through_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's large files go through the child, as in a process of one thread (pytest's
    may have others), and never through this process."""

    def not_here(*_: object) -> Iterator[list[PreparedOrder]]:
        raise AssertionError("a large file was prepared in the importing process")

    monkeypatch.setattr(import_child, "forks_here", lambda: True)
    monkeypatch.setattr(import_child, "_prepared_here", not_here)


@pytest.fixture
def url(db_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[str]:
    assert main(["db", "upgrade", "--db", db_url]) == 0
    capsys.readouterr()
    yield db_url


def test_the_cli_imports_a_large_file_through_the_child(
    big_csv: Path, url: str, capsys: pytest.CaptureFixture[str], through_child: None
) -> None:
    assert main(["orders", "import", str(big_csv), "--db", url]) == 0
    said = capsys.readouterr().out.strip().splitlines()[-1]
    orders = 3 * CHUNK + 321
    invalid = len(range(0, orders, 9))
    lines = sum(1 + i % 3 for i in range(orders))
    assert said == (
        f"big.csv: {orders - invalid} ready, {invalid} needs correction, 0 unchanged, "
        f"0 refused ({lines} lines stored)"
    )
    assert _counts(url) == [orders, lines, lines, orders, invalid]
    assert _children() == []
    # Again: answered from the file's digest; the child, started before that was known,
    # is ended, and nothing is written.
    assert main(["orders", "import", str(big_csv), "--db", url]) == 0
    said = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        said
        == f"big.csv: 0 ready, 0 needs correction, {orders} unchanged, 0 refused (0 lines stored)"
    )
    assert _counts(url) == [orders, lines, lines, orders, invalid]
    assert _children() == []


def test_a_database_that_cannot_be_opened_ends_the_child(
    big_csv: Path, capsys: pytest.CaptureFixture[str], through_child: None
) -> None:
    url = "postgresql+psycopg://root@127.0.0.1:9/nothing-listens-here"
    assert main(["orders", "import", str(big_csv), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "cannot use database" in err and "nothing-listens-here" in err
    assert _children() == []


def test_the_cli_imports_nothing_from_a_large_file_that_breaks_late(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str], through_child: None
) -> None:
    path = write_csv(tmp_path / "late.csv", 3 * CHUNK + 321, bad_qty_at=3 * CHUNK + 1)
    assert path.stat().st_size >= FORK_FROM_BYTES
    assert main(["orders", "import", str(path), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "late.csv: nothing imported:" in err and "column qty" in err
    assert _counts(url) == [0, 0, 0, 0, 0]
    assert _children() == []


def test_rows_made_before_connecting_are_the_rows_made_after(db_url: str) -> None:
    """The import makes its row formats from the URL's dialect (`row_setup`), before the
    database is open, so that the child can start at once: they are the connected
    dialect's."""
    orders = make_orders(300, invalid_every=7)  # prices, declared values, problems
    db = open_database(db_url, auto_upgrade=True)
    try:
        with db.sessions() as s:
            connected = s.connection().dialect
            assert connected.server_version_info is not None  # initialised by connecting
    finally:
        db.dispose()
    validate, before = row_setup(db_url, NOW)
    after = formats_of(connected, NOW)
    made = [prepare_chunk(orders, validate, f) for f in (before, after)]
    assert made[0] == made[1]
    assert sum(1 for order in made[0] if order.problems) == len(range(0, 300, 7))


def test_rows_prepared_for_another_database_are_refused(sqlite_url: str) -> None:
    """JSON goes as text to PostgreSQL's COPY and through SQLite's processor otherwise:
    rows made for one are never written to the other."""
    db = open_database(sqlite_url, auto_upgrade=True)
    try:
        pg = formats_of(postgresql.psycopg.dialect(), NOW)
        prepared = [prepare_chunk(make_orders(3), validator(), pg)]
        with (
            pytest.raises(ValueError, match=r"prepared for postgresql \(psycopg\) .* sqlite"),
            db.unit_of_work() as session,
        ):
            import_prepared(session, prepared, pg)
        assert _counts(sqlite_url) == [0, 0, 0, 0, 0]
    finally:
        db.dispose()


#: Values each formatted column may be given (None only where the column takes it).
_SAMPLES: dict[str, list[Any]] = {
    "orders.created_at": [NOW, datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=3)))],
    "orders.ship_by": [None, datetime(2027, 1, 1, 23, 59, 59, 999999, tzinfo=timezone.min)],
    "orders.deliver_by": [None, date(2026, 12, 31)],
    "orders.declared_value": [None, Decimal("1234.50"), Decimal("0")],
    "orders.problems": [[], [{"field": "postcode", "message": '«5 цифр» "x"\t\\'}]],
    "orders.extra": [{}, {"gift_note": "С днём\nрождения 🎁", "instructions": [{"a": 1}]}],
    "order_lines.unit_weight_g": [Decimal("12.345"), Decimal(0)],
    "order_lines.unit_price": [None, Decimal("99.90")],
    "events.payload": [{"reason": "x", "source": "big.csv", "n": 1.5, "ok": True}],
    "notifications.payload": [{"order_id": "B-1", "problems": []}],
}


def test_copy_formats_are_the_psycopg_dialects_column_by_column() -> None:
    """The child makes PostgreSQL's rows without loading SQLAlchemy (`copy_formats`): each
    column's format gives what that column's bind processor gives, a naive time is refused
    by both."""
    plain = import_child.copy_formats(NOW)
    dialect = formats_of(postgresql.psycopg.dialect(), NOW)
    assert set(_SAMPLES) == set(FORMATTED)
    assert (plain.database, plain.driver, plain.copy) == ("postgresql", "psycopg", True)
    for column in FORMATTED:
        for value in _SAMPLES[column]:
            got = plain.processors[column](value)
            assert got == dialect.processors[column](value), column
            assert type(got) is type(dialect.processors[column](value)), column
    for column in ("orders.created_at", "orders.ship_by"):
        for f in (plain, dialect):
            with pytest.raises(ValueError, match="naive"):
                f.processors[column](datetime(2026, 12, 1, 9, 0))
    assert (plain.when, plain.no_problems, plain.no_extra) == (
        dialect.when,
        dialect.no_problems,
        dialect.no_extra,
    )


@pytest.mark.parametrize(
    ("url", "loads"),
    [("postgresql+psycopg://root@127.0.0.1:5432/test", False), ("sqlite:///x.db", True)],
)
def test_the_child_reads_postgresql_rows_without_loading_sqlalchemy(url: str, loads: bool) -> None:
    """What the child runs, in a fresh interpreter: the formats for the URL and a chunk's
    rows. For COPY nothing of SQLAlchemy is loaded (the parent loads it meanwhile)."""
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from packstation.cli.orders_cmd import row_setup\n"
        "from packstation.domain.intake import DEFAULT_LIMITS, iter_orders\n"
        "from packstation.domain.intake.rows import prepare_chunk\n"
        f"validate, formats = row_setup({url!r}, datetime(2026, 11, 26, tzinfo=UTC))\n"
        f"orders = list(iter_orders(Path({str(SAMPLE_CSV)!r}), DEFAULT_LIMITS))\n"
        "rows = prepare_chunk(orders, validate, formats)\n"
        "print(len(rows), formats.copy, 'sqlalchemy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    count, copy, loaded = done.stdout.split()
    assert int(count) > 0
    assert copy == str(not loads)
    assert loaded == str(loads)


def test_no_child_is_forked_beside_another_thread(big_csv: Path) -> None:
    """A thread's locks would stay held in a forked child: with one running, the file is
    prepared here."""
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        with prepared_chunks(big_csv, DEFAULT_LIMITS, _setup(), CHUNK) as chunks:
            first = next(chunks)
            assert _children() == []
            assert len(first) == CHUNK and len(list(chunks)) == 3
    finally:
        done.set()
        other.join()
