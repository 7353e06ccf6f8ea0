"""`packstation channels check|sync|status` against both fakes: the account when the key
works, a clear line when it does not or is missing; the worker's loop (a pass, then SIGTERM);
the status of each channel's calls; the key never in any output (text or JSON)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select

from packstation.cli import main
from packstation.clock import utcnow
from packstation.models import Order
from packstation.models.db import open_database
from tests.channels.fake_ozon import CLIENT_ID, FakeOzon
from tests.channels.fake_ozon import KEY as OZON_KEY
from tests.channels.fake_wb import KEY as WB_KEY
from tests.channels.fake_wb import FakeWildberries
from tests.channels.fakeserver import Fault


@pytest.fixture
def fakes() -> Iterator[tuple[FakeOzon, FakeWildberries]]:
    ozon, wb = FakeOzon(now=utcnow()), FakeWildberries(now=utcnow())
    ozon.start()
    wb.start()
    yield ozon, wb
    ozon.stop()
    wb.stop()
    assert ozon.invalid == [] and wb.invalid == []


def config(tmp_path: Path, ozon: FakeOzon, wb: FakeWildberries, key_file: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f'[[channels]]\nkind = "ozon"\nname = "ozon-main"\nclient_id = "{CLIENT_ID}"\n'
        f'base_url = "{ozon.url}"\napi_key_file = "{key_file}"\n'
        f'[[channels]]\nkind = "wildberries"\nname = "wb"\nbase_url = "{wb.url}"\n'
        f'api_key_env = "WB_TOKEN"\n',
        encoding="utf-8",
    )
    return path


def key_file(tmp_path: Path, key: str) -> Path:
    path = tmp_path / "ozon.key"
    path.write_text(key + "\n", encoding="utf-8")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return path


def test_check_names_each_account_and_never_the_key(
    fakes: tuple[FakeOzon, FakeWildberries],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ozon, wb = fakes
    monkeypatch.setenv("WB_TOKEN", WB_KEY)
    cfg = config(tmp_path, ozon, wb, key_file(tmp_path, OZON_KEY))
    assert main(["--config", str(cfg), "channels", "check"]) == 0
    assert main(["--config", str(cfg), "channels", "check", "--json"]) == 0
    out = capsys.readouterr().out
    text, as_json = out.splitlines()[:2], [json.loads(line) for line in out.splitlines()[2:]]
    assert text[0].startswith("ozon-main (ozon): ok, account ")
    assert text[1].startswith("wb (wildberries): ok, account ")
    assert [(r["channel"], r["ok"]) for r in as_json] == [("ozon-main", True), ("wb", True)]
    assert OZON_KEY not in out and WB_KEY not in out


def test_a_wrong_or_missing_key_is_one_clear_line(
    fakes: tuple[FakeOzon, FakeWildberries],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ozon, wb = fakes
    wrong = "not-the-key-0000"
    cfg = config(tmp_path, ozon, wb, key_file(tmp_path, wrong))
    monkeypatch.delenv("WB_TOKEN", raising=False)
    assert main(["--config", str(cfg), "channels", "check", "--json"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in rows] == [False, False]
    assert "401" in rows[0]["error"] or "unauthor" in rows[0]["error"].lower()
    assert rows[1]["error"] == "channel wb: environment variable WB_TOKEN is not set"
    assert wrong not in json.dumps(rows)


def test_a_key_file_others_can_read_is_refused(
    fakes: tuple[FakeOzon, FakeWildberries],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ozon, wb = fakes
    monkeypatch.setenv("WB_TOKEN", WB_KEY)
    path = key_file(tmp_path, OZON_KEY)
    os.chmod(path, 0o644)
    cfg = config(tmp_path, ozon, wb, path)
    assert main(["--config", str(cfg), "channels", "check", "--channel", "ozon-main"]) == 1
    out = capsys.readouterr().out
    assert f"can be read by others (mode -rw-r--r--); run: chmod 600 {path}" in out
    assert OZON_KEY not in out


def test_a_key_written_in_the_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "station.toml"
    cfg.write_text(
        '[[channels]]\nkind = "wildberries"\nname = "wb"\napi_key = "abc-secret"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "channels", "check"]) == 1
    err = capsys.readouterr().err
    assert "the key is never written in the config; use api_key_env or api_key_file" in err
    assert "abc-secret" not in err


# -- the worker and its status --------------------------------------------------------------


class Lines:
    """A process's stdout, line by line, read by a thread: a test waits for a line with a
    bound (a hung worker fails the test instead of hanging it), never times anything."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def next(self) -> str | None:
        line = self._queue.get(timeout=120)
        if line is not None:
            self.seen.append(line)
        return line

    def rest(self) -> list[str]:
        while self.next() is not None:
            pass
        return self.seen


@pytest.mark.other_process  # the worker reads the real clock; the fake's postings are dated by ours
def test_sync_worker_runs_a_pass_then_stops_cleanly_on_sigterm(
    fakes: tuple[FakeOzon, FakeWildberries], tmp_path: Path
) -> None:
    ozon, wb = fakes
    ozon.add_product("TOWEL-1")
    posting = ozon.add_posting([("TOWEL-1", 2)])
    wb_order = wb.add_order()
    cfg = config(tmp_path, ozon, wb, key_file(tmp_path, OZON_KEY))
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKSTATION_")}
    env["WB_TOKEN"] = WB_KEY
    command = [sys.executable, "-m", "packstation", "--config", str(cfg), "channels", "sync"]
    # An hour between passes: only SIGTERM cutting the wait short lets it exit.
    command += ["--interval", "3600", "--json", "--db", url]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        lines = Lines(proc)
        assert (lines.next() or "").startswith("channels: syncing ozon-main, wb every 3600 s")
        first = [json.loads(lines.next() or "null") for _ in range(2)]  # one per channel
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = lines.rest()
    err = proc.stderr.read() if proc.stderr else ""
    assert [(r["channel"], r["new"], r["errors"]) for r in first] == [
        ("ozon-main", 1, []),
        ("wb", 1, []),
    ]
    assert out[-1] == "channels: stopped" and len(out) == 4 and err == ""
    db = open_database(url)
    try:
        with db.sessions() as session:
            stored = set(session.scalars(select(Order.id).where(Order.channel.is_not(None))))
    finally:
        db.dispose()
    assert stored == {posting, f"WB-{wb_order}"}
    assert OZON_KEY not in "\n".join(out) + err and WB_KEY not in "\n".join(out) + err


def test_status_counts_calls_names_the_failing_and_never_shows_a_key(
    fakes: tuple[FakeOzon, FakeWildberries],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ozon, wb = fakes
    monkeypatch.setenv("WB_TOKEN", WB_KEY)
    cfg = config(tmp_path, ozon, wb, key_file(tmp_path, OZON_KEY))
    url = f"sqlite:///{tmp_path / 'status.db'}"
    base = ["--config", str(cfg), "channels"]
    assert main([*base, "status", "--db", url]) == 0
    assert capsys.readouterr().out == "no marketplace calls in the last 60 min\n"
    # WB's order list fails every attempt: its calls are failing, Ozon's are not.
    wb.inject(*(Fault("/api/v3/orders/new", 503),) * 5)
    assert main([*base, "sync", "--once", "--db", url]) == 1
    capsys.readouterr()
    assert main([*base, "status", "--db", url]) == 0
    assert main([*base, "status", "--json", "--db", url]) == 0
    out = capsys.readouterr().out
    text, rows = out.splitlines()[:2], [json.loads(line) for line in out.splitlines()[2:]]
    assert re.fullmatch(r"ozon-main: \d+ calls, 0 failing", text[0])
    assert re.fullmatch(r"wb: \d+ calls, 5 failing, last 503", text[1])
    assert [(r["channel"], r["failing"], r["last_status"]) for r in rows] == [
        ("ozon-main", 0, None),
        ("wb", 5, 503),
    ]
    assert rows[0]["calls"] >= 1 and rows[1]["calls"] == 5 and rows[1]["last_at"]
    assert OZON_KEY not in out and WB_KEY not in out
