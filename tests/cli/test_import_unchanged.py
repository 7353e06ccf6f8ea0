"""The same order file again is answered from its digest when that changes nothing, and takes
the whole path whenever the database or the file says otherwise (`models/imported_files.py`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from packstation.cli import main
from packstation.domain import intake
from packstation.models import Event, ImportedFile, Order
from packstation.models.db import open_database

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "packstation" / "data" / "orders-sample.json").read_text(
        encoding="utf-8"
    )
)["orders"][0]


def _order(order_id: str, sku: str = "MUG", qty: int = 1) -> dict[str, Any]:
    """The sample's first (valid) order with one line."""
    line = {**SAMPLE["lines"][0], "sku": sku, "qty": qty}
    return {**SAMPLE, "id": order_id, "lines": [line]}


def _write(path: Path, *orders: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"orders": list(orders)}, ensure_ascii=False), encoding="utf-8")
    return path


def _import(capsys: pytest.CaptureFixture[str], path: Path, url: str, *more: str) -> str:
    code = main(["orders", "import", str(path), "--db", url, *more])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out.strip().splitlines()[-1]


@pytest.fixture
def url(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["db", "upgrade", "--db", db_url]) == 0
    capsys.readouterr()
    return db_url


@pytest.fixture
def no_parse(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Counts the files parsed: an answer from the digest parses none."""
    parsed: list[Path] = []
    real = intake.iter_orders

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "iter_orders", counting)
    yield parsed


def _events(url: str, kind: str) -> int:
    db = open_database(url)
    try:
        with db.sessions() as s:
            return int(s.scalar(select(func.count()).where(Event.kind == kind)) or 0)
    finally:
        db.dispose()


def _set_status(url: str, order_id: str, status: str) -> None:
    db = open_database(url)
    try:
        with db.unit_of_work() as s:
            s.execute(update(Order).where(Order.id == order_id).values(status=status))
    finally:
        db.dispose()


def test_the_same_file_again_is_answered_without_parsing_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, no_parse: list[Path]
) -> None:
    path = _write(tmp_path / "orders.json", _order("A-1"), _order("A-2"), _order("A-3", qty=2))
    assert _import(capsys, path, url).endswith(
        "3 ready, 0 needs correction, 0 unchanged, 0 refused (3 lines stored)"
    )
    assert no_parse == [path]
    said = _import(capsys, path, url)
    assert (
        said == "orders.json: 0 ready, 0 needs correction, 3 unchanged, 0 refused (0 lines stored)"
    )
    assert no_parse == [path]  # not parsed again
    code = main(["orders", "import", str(path), "--db", url, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["unchanged"] == 3 and report["ready"] == 0
    assert report["refused_orders"] == [] and report["problems"] == {}
    assert _events(url, "order.imported") == 3


def test_an_order_changed_since_by_another_file_takes_the_whole_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, no_parse: list[Path]
) -> None:
    first = _write(tmp_path / "first.json", _order("B-1"), _order("B-2"))
    _import(capsys, first, url)
    other = _write(tmp_path / "other.json", _order("B-2", qty=5))
    assert "1 ready" in _import(capsys, other, url)
    said = _import(capsys, first, url)  # B-2 goes back to what the first file says
    assert (
        said == "first.json: 1 ready, 0 needs correction, 1 unchanged, 0 refused (1 lines stored)"
    )
    assert no_parse == [first, other, first]
    assert _events(url, "order.updated") == 2


def test_an_order_refused_last_time_is_refused_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str
) -> None:
    _import(capsys, _write(tmp_path / "a.json", _order("C-1")), url)
    _set_status(url, "C-1", "packing")
    changed = _write(tmp_path / "b.json", _order("C-1", qty=3), _order("C-2"))
    said = _import(capsys, changed, url)
    assert said == "b.json: 1 ready, 0 needs correction, 0 unchanged, 1 refused (1 lines stored)"
    said = _import(capsys, changed, url)
    assert said == "b.json: 0 ready, 0 needs correction, 1 unchanged, 1 refused (0 lines stored)"
    assert _events(url, "order.import_refused") == 2


def test_a_file_over_the_limit_now_is_refused_though_it_was_imported_before(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str
) -> None:
    path = _write(tmp_path / "orders.json", *(_order(f"E-{i}") for i in range(4000)))
    assert path.stat().st_size > 1024 * 1024
    _import(capsys, path, url)
    conf = tmp_path / "station.toml"
    conf.write_text("[intake]\nmax_file_mb = 1\n", encoding="utf-8")
    code = main(["orders", "import", str(path), "--db", url, "--config", str(conf)])
    assert code == 1 and "larger than the 1.0 MiB" in capsys.readouterr().err


def test_only_the_latest_files_are_remembered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from packstation.models import imported_files

    monkeypatch.setattr(imported_files, "KEEP", 3)
    for i in range(5):
        _import(capsys, _write(tmp_path / f"f{i}.json", _order(f"F-{i}")), url)
    db = open_database(url)
    try:
        with db.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ImportedFile)) == 3
    finally:
        db.dispose()


def test_a_file_rewritten_while_it_was_imported_is_not_remembered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "orders.json", _order("G-1"))
    real = intake.iter_orders

    def read_then_rewrite(file: Path, *args: Any, **kwargs: Any) -> Any:
        orders = list(real(file, *args, **kwargs))
        _write(file, _order("G-1", qty=7))  # the exporter writes the next version
        return iter(orders)

    monkeypatch.setattr(intake, "iter_orders", read_then_rewrite)
    assert "1 ready" in _import(capsys, path, url)
    db = open_database(url)
    try:
        with db.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ImportedFile)) == 0
    finally:
        db.dispose()


def test_the_import_stands_when_its_digest_cannot_be_kept(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same file imported at the same moment elsewhere keeps its digest first: this one
    loses only the shortcut (the key is taken), never its orders."""
    from sqlalchemy.exc import IntegrityError

    from packstation.models import imported_files

    def taken(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("INSERT INTO imported_files", {}, Exception("duplicate key"))

    monkeypatch.setattr(imported_files, "remember", taken)
    path = _write(tmp_path / "orders.json", _order("H-1"), _order("H-2"))
    assert "2 ready" in _import(capsys, path, url)
    assert "its digest was not kept" in caplog.text
    db = open_database(url)
    try:
        with db.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Order)) == 2
            assert s.scalar(select(func.count()).select_from(ImportedFile)) == 0
    finally:
        db.dispose()
