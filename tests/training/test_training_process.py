"""`packstation run --training` as a real process on a pseudo-terminal (the scanner a
simulator on a pty, as `tests/e2e/station_process.py` drives a station): a trainee packs the
first_order lesson by scans. Nothing reaches the floor: no label or document in the dir://
spools the config names, no camera, no outbox row in the real database, whose file is
byte-for-byte as before; the practice happened in the sandbox and the score is in the store.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
import tomllib
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from packstation.devices.simulators import ScannerSimulator
from packstation.domain.rules import PackRules
from packstation.domain.workflow import PackState, Step
from packstation.domain.workflow.boxing import suggestion_for
from packstation.models import Barcode, Notification, OrderLine
from packstation.models.db import open_database
from packstation.training.coach import WEIGH_CARD
from tests.e2e.station_process import SAMPLE_CONFIG, StationProcess
from tests.training.conftest import TRAINEE, stored_scores

# The station process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

STATION = "PS-TRN-E2E"


def _digest(path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.iterdir())
        if p.name.startswith(path.name)
    }


def _config(tmp_path: Path) -> Path:
    """The sample config with a document printer and a camera: a training station must use
    neither."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    docs = f'printer = "dir://{tmp_path / "documents"}"'
    text = text.replace('# printer = "lp://office-a4"', docs)
    assert docs in text
    evidence = tmp_path / "evidence"
    text += f'\n[camera]\nurl = "rtsp://127.0.0.1:9/none"\n\n[evidence]\ndir = "{evidence}"\n'
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _wait(
    check: Callable[[], bool], station: StationProcess, what: str, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if station.proc is not None and station.proc.poll() is not None:
            raise AssertionError(f"station exited: {station.screen_text()[-1500:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {station.screen_text()[-1500:]}")
        time.sleep(0.05)


def _barcodes(sandbox_url: str, order_id: str) -> list[str]:
    """Each unit's code of the practice order, as the tote holds them."""
    db = open_database(sandbox_url)
    try:
        with db.sessions() as session:
            lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
            codes = []
            for line in lines:
                code = session.scalar(
                    select(Barcode.code).where(Barcode.line_id == line.id).order_by(Barcode.id)
                )
                assert code is not None
                codes += [code] * line.qty
            return codes
    finally:
        db.dispose()


def test_a_trainee_packs_a_lesson_in_a_training_process_and_nothing_reaches_the_floor(
    real_url: str, scores_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path(make_url(real_url).database or "")
    copy = tmp_path / "real-before.db"
    shutil.copyfile(real, copy)  # read afterwards: the real file is not opened by the test
    before = _digest(real)
    data = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))  # the sandbox's user data dir
    sandbox = data / "packstation" / "training" / f"{STATION}.sqlite"
    config = _config(tmp_path)
    rules = PackRules.from_config(tomllib.loads(config.read_text(encoding="utf-8")))
    spool = tmp_path / "labels"
    scanner = ScannerSimulator()
    station = StationProcess(
        real_url,
        scanner.port,
        "none",
        spool,
        STATION,
        extra_args=("--training", "--lesson", "first_order"),
        config=config,
    )
    station.start()
    try:
        # The training screen is up once the sandbox is made: from then on it is polled.
        _wait(lambda: "TRAINING" in station.screen_text(), station, "the training screen")
        station.db_url = f"sqlite:///{sandbox}"
        _wait(
            lambda: station.devices().get("scanner", {}).get("state") == "connected",  # type: ignore[union-attr]
            station,
            "the scanner",
        )
        scanner.send(TRAINEE)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        order = "TRN-1-1"  # the lesson's practice order, made at the login (--lesson)
        _wait(lambda: _has_order(station.db_url, order), station, "the practice order")
        scanner.send("CMD:NEXT")
        station.wait_for(lambda s: s.order is not None, what="claim")
        for n, code in enumerate(_barcodes(station.db_url, order), start=1):
            scanner.send(code)
            station.wait_for(lambda s, n=n: s.units_packed == n, what=f"unit {n}")
        state = station.state()
        box = suggestion_for(state, rules).box
        scanner.send(box.code if box is not None else "BOX:M")
        station.wait_for(lambda s: s.step is Step.WEIGHT, what="weight step")
        scanner.send(WEIGH_CARD)  # the coach puts the parcel on the scale
        state = station.wait_for(lambda s: s.step is Step.CHECKS, what="checks step")
        state = _checks(station, scanner, state, order)
        assert state.parcel is not None
        scanner.send(state.parcel.parcel_id)
        station.wait_for(lambda s: s.closed_order == order, what="packed")
        _wait(lambda: len(stored_scores(scores_url)) == 1, station, "the score in the store")
        devices = station.devices()
    finally:
        station.kill()
        scanner.shutdown()
    [score] = stored_scores(scores_url)
    assert score["badge"] == TRAINEE and score["lesson"] == "first_order"
    assert score["passed"] is True and score["units"] >= 2
    # Nothing reached the floor.
    assert _digest(real) == before  # the real database: its bytes, and nothing beside it
    assert not spool.exists() or not any(spool.iterdir())  # the label was on the screen
    documents = tmp_path / "documents"
    assert not documents.exists() or not any(documents.iterdir())
    assert "camera" not in devices and not (tmp_path / "evidence").exists()
    assert _outbox(real) == _outbox(copy)  # (the same bytes say so too; said plainly here)
    # The practice is in the sandbox; its outbox rows (if the config makes any) never sent.
    db = open_database(f"sqlite:///{sandbox}")
    try:
        with db.sessions() as session:
            sent = session.scalars(select(Notification.sent_at)).all()
    finally:
        db.dispose()
    assert all(at is None for at in sent)


def _outbox(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as conn:
        return conn.execute("SELECT * FROM notifications ORDER BY id").fetchall()


def _has_order(url: str, order_id: str) -> bool:
    db = open_database(url)
    try:
        with db.sessions() as session:
            return (
                session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
                is not None
            )
    finally:
        db.dispose()


def _checks(
    station: StationProcess, scanner: ScannerSimulator, state: PackState, order: str
) -> PackState:
    """The packaging checks (CMD:OK each), then the documents from the tray, to the label."""
    for _ in range(20):
        if state.parcel is not None:
            return state
        done = (len(state.checks_done), len(state.documents_done))
        if state.next_check is not None:
            scanner.send("CMD:OK")
        else:
            scanner.send(f"DOC:{state.next_document}:{order}")
        state = station.wait_for(
            lambda s, done=done: (
                s.parcel is not None or (len(s.checks_done), len(s.documents_done)) != done
            ),
            what="a check or a document",
        )
    raise AssertionError(f"no label after the checks: {state.step}")
