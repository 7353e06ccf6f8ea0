"""Hostile order files: huge, deeply nested, one endless line. Each is refused with one line,
in bounded memory, and nothing is imported.

Peak memory is measured with tracemalloc (Python allocations) around the read; the
real-size cases also run in a child process, whose peak RSS is printed with ``-s``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from packstation.cli.main import main
from packstation.domain.deliveries import DeliveryFileError, read_deliveries
from packstation.domain.intake import (
    IntakeLimits,
    OrderFileError,
    read_orders,
    read_orders_csv,
    read_orders_json,
)
from packstation.models import Order
from packstation.models.db import open_database

MiB = 2**20
CSV_HEADER = b"order_id,customer_name,sku,name,barcodes,qty\n"
CSV_ROW = b"ORD-1,Anna,A,Item,4601234567893,1\n"
ORDER = {"id": "ORD-1", "lines": [{"sku": "A", "qty": 1, "barcodes": ["4601234567893"]}]}


def peak(read: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """What `read` raised, and the most memory Python held meanwhile (bytes)."""
    tracemalloc.start()
    try:
        read()
    except Exception as exc:
        caught: BaseException | None = exc
    else:
        caught = None
    finally:
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return caught, top


def one_line(exc: BaseException | None) -> str:
    assert isinstance(exc, OrderFileError), exc
    text = str(exc)
    assert "\n" not in text and "\r" not in text
    return text


# --------------------------------------------------------------------------- file size


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (a hole)."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


@pytest.mark.parametrize("suffix", [".json", ".csv", ""])
def test_a_2_gib_file_is_refused_from_its_size(tmp_path: Path, suffix: str) -> None:
    path = sparse(tmp_path / f"orders{suffix}", 2 * 2**30)
    caught, top = peak(lambda: read_orders(path))
    assert one_line(caught) == (
        "the file is 2.0 GiB (2147483648 bytes), larger than the 64.0 MiB an order file may have"
    )
    assert top < 1 * MiB  # never read


def test_the_size_limit_is_exact_and_injectable(tmp_path: Path) -> None:
    data = json.dumps([ORDER]).encode()
    path = tmp_path / "o.json"
    path.write_bytes(data)
    assert [o.id for o in read_orders(path, IntakeLimits(max_file_bytes=len(data)))] == ["ORD-1"]
    with pytest.raises(OrderFileError, match=f"the file is {len(data) + 1} bytes"):
        path.write_bytes(data + b" ")
        read_orders(path, IntakeLimits(max_file_bytes=len(data)))


def test_a_device_without_a_size_is_read_no_further_than_the_limit() -> None:
    # /dev/zero says it is empty and never ends: at most limit + 1 bytes are read.
    limits = IntakeLimits(max_file_bytes=MiB)
    caught, top = peak(lambda: read_orders(Path("/dev/zero"), limits))
    assert "larger than the 1.0 MiB an order file may have" in one_line(caught)
    assert top < 3 * MiB


def test_other_exported_files_have_the_same_size_limit(tmp_path: Path) -> None:
    path = sparse(tmp_path / "statuses.csv", 2 * 2**30)
    with pytest.raises(DeliveryFileError, match=r"2\.0 GiB .* larger than the 64\.0 MiB"):
        read_deliveries(path)


# --------------------------------------------------------------------------- JSON nesting

DEEP = 100_000


def deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ('{"orders": [' + deep(DEEP) + "]}", "orders[0]"),
        ("[" + deep(DEEP) + "]", "orders[0]"),
        ('{"orders": [{"id": "A", "lines": [{"sku": ' + deep(DEEP) + "}]}]}", "orders[0]"),
        ('{"meta": ' + deep(DEEP) + ', "orders": []}', '"meta"'),
        ('{"orders": {"x": ' + deep(DEEP) + "}}", "orders"),
        (deep(DEEP), "orders[0]"),
    ],
    ids=["order", "bare-list", "in-a-field", "unknown-key", "orders-value", "top-level"],
)
def test_json_nested_100000_deep_is_refused(document: str, where: str) -> None:
    data = document.encode()
    caught, top = peak(lambda: read_orders_json(data))
    assert one_line(caught) == f"{where}: JSON nested deeper than 32 levels (an order needs 4)"
    assert top < 4 * len(data) + MiB  # the text and little else


def test_the_depth_limit_is_injectable() -> None:
    # An order nests 4 levels: order {} > lines [] > line {} > barcodes [].
    data = json.dumps({"orders": [ORDER]}).encode()
    assert len(read_orders_json(data, limits=IntakeLimits(max_json_depth=4))) == 1
    with pytest.raises(OrderFileError, match=r"^orders\[0\]: JSON nested deeper than 3 levels"):
        read_orders_json(data, limits=IntakeLimits(max_json_depth=3))
    extra = {**ORDER, "meta": {"a": [[[{"b": []}]]]}}  # 7 levels, in a field nobody reads
    data = json.dumps([{**ORDER, "id": "ORD-0"}, extra]).encode()
    assert len(read_orders_json(data, limits=IntakeLimits(max_json_depth=7))) == 2
    with pytest.raises(OrderFileError, match=r"^orders\[1\]: JSON nested deeper than 6 levels"):
        read_orders_json(data, limits=IntakeLimits(max_json_depth=6))


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    order = {**ORDER, "name": "[[[[[[{{{{{{" * 10}
    assert len(read_orders_json(json.dumps([order]).encode())) == 1


# --------------------------------------------------------------------------- CSV lines


def test_a_long_csv_line_is_refused_before_it_is_decoded() -> None:
    limits = IntakeLimits(max_csv_line_bytes=100)
    fits = CSV_HEADER + b"ORD-1,Anna,A," + b"x" * (100 - 16) + b",,1\n"
    assert len(fits.splitlines()[1]) == 100
    assert len(read_orders_csv(fits, limits=limits)) == 1
    assert len(read_orders_csv(fits.replace(b"\n", b"\r\n"), limits=limits)) == 1
    too_long = fits.replace(b"Anna", b"Annas")
    with pytest.raises(OrderFileError) as caught:
        read_orders_csv(too_long, limits=limits)
    assert one_line(caught.value) == (
        "line 2: the line is longer than 100 bytes (the limit for one CSV line)"
    )
    # The last line has no line end: the same limit.
    with pytest.raises(OrderFileError, match="^line 2: the line is longer than 100 bytes"):
        read_orders_csv(too_long.rstrip(b"\n"), limits=limits)


def test_a_100_mb_csv_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    with path.open("wb") as fh:
        fh.write(CSV_HEADER + b"ORD-1,")
        fh.write(b"x" * (100 * 10**6))
        fh.write(b",A,Item,,1\n")
    size = path.stat().st_size
    # With the default limits the file is refused from its size, unread.
    caught, top = peak(lambda: read_orders(path))
    assert one_line(caught).startswith(f"the file is 95.4 MiB ({size} bytes), larger than")
    assert top < MiB
    # Allowed in by size, the line is refused without a copy of it or its text.
    limits = IntakeLimits(max_file_bytes=128 * MiB)
    caught, top = peak(lambda: read_orders(path, limits))
    assert one_line(caught) == (
        f"line 2: the line is longer than {MiB} bytes (the limit for one CSV line)"
    )
    assert top < size + 2 * MiB  # the file's bytes, read once


def test_a_field_longer_than_the_csv_field_limit_across_lines() -> None:
    # Many short lines inside one quoted field: csv.field_size_limit (131,072) stops it.
    field = b'"' + b"x" * 1000 + (b"\n" + b"x" * 1000) * 200 + b'"'
    data = CSV_HEADER + b"ORD-1," + field + b",A,Item,,1\n"
    with pytest.raises(OrderFileError) as caught:
        read_orders_csv(data)
    assert one_line(caught.value) == "line 2: malformed CSV: field larger than field limit (131072)"


# --------------------------------------------------------------------------- the command


def _orders(url: str) -> int:
    db = open_database(url)
    try:
        with db.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Order)) or 0)
    finally:
        db.dispose()


@pytest.mark.parametrize("kind", ["huge", "deep", "long-line"])
def test_orders_import_refuses_with_one_line_and_imports_nothing(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    good = json.dumps([ORDER, {**ORDER, "id": "ORD-2"}])
    if kind == "huge":
        path = sparse(tmp_path / "orders.json", 2 * 2**30)
        why = "the file is 2.0 GiB (2147483648 bytes), larger than the 64.0 MiB an order"
    elif kind == "deep":
        path = tmp_path / "orders.json"
        path.write_text(good[:-1] + ", " + deep(DEEP) + "]")
        why = "orders[2]: JSON nested deeper than 32 levels (an order needs 4)"
    else:
        path = tmp_path / "orders.csv"
        path.write_bytes(CSV_HEADER + CSV_ROW + b"ORD-2," + b"x" * (2 * MiB) + b",A,I,,1\n")
        why = f"line 3: the line is longer than {MiB} bytes (the limit for one CSV line)"
    assert main(["orders", "import", str(path), "--db", sqlite_url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"packstation: {path}: nothing imported: {why}")
    assert _orders(sqlite_url) == 0


def test_the_size_limit_comes_from_the_config(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sparse(tmp_path / "orders.json", 3 * MiB)
    conf = tmp_path / "station.toml"
    conf.write_text("[intake]\nmax_file_mb = 2\n", encoding="utf-8")
    args = ["orders", "import", str(path), "--db", sqlite_url, "--config", str(conf)]
    assert main(args) == 1
    assert "larger than the 2.0 MiB an order file may have" in capsys.readouterr().err
    conf.write_text("[intake]\nmax_file_mb = 0\n", encoding="utf-8")
    assert main(args) == 1
    assert "intake.max_file_mb must be a whole number from 1 to 1024" in capsys.readouterr().err


# --------------------------------------------------------------------------- peak RSS

_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from packstation.domain.intake import IntakeLimits, OrderFileError, read_orders

    def peak_rss_mib():  # VmHWM: this process's own high-water mark (ru_maxrss survives exec)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
        raise SystemExit("no VmHWM")

    path, max_mb = Path(sys.argv[1]), int(sys.argv[2])
    before = peak_rss_mib()
    try:
        read_orders(path, IntakeLimits(max_file_bytes=max_mb * 2**20))
    except OrderFileError as exc:
        print(exc, file=sys.stderr)
    print(before, peak_rss_mib())
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_peak_rss_of_the_hostile_files_in_a_child_process(tmp_path: Path) -> None:
    huge = sparse(tmp_path / "huge.json", 2 * 2**30)
    nested = tmp_path / "deep.json"
    nested.write_text('{"orders": [' + deep(DEEP) + "]}")
    line = tmp_path / "line.csv"
    line.write_bytes(CSV_HEADER + b"ORD-1," + b"x" * (100 * 10**6) + b",A,Item,,1\n")
    report = []
    for path, max_mb, bound_mb in ((huge, 64, 5), (nested, 64, 5), (line, 128, 100 + 10)):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(max_mb)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        before, after = map(int, done.stdout.split())
        report.append(f"{path.name}: {done.stderr.strip()} | peak RSS {before} -> {after} MiB")
        assert after - before <= bound_mb, report[-1]
    print("\n".join(report))
