"""`packstation channels check` against both fakes: the account when the key works, a
clear line when it does not or is missing; the key never in any output (text or JSON)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.cli import main
from packstation.clock import utcnow
from tests.channels.fake_ozon import CLIENT_ID, FakeOzon
from tests.channels.fake_ozon import KEY as OZON_KEY
from tests.channels.fake_wb import KEY as WB_KEY
from tests.channels.fake_wb import FakeWildberries


@pytest.fixture
def fakes() -> Iterator[tuple[FakeOzon, FakeWildberries]]:
    ozon, wb = FakeOzon(now=utcnow()), FakeWildberries(now=utcnow())
    ozon.start(), wb.start()
    yield ozon, wb
    ozon.stop(), wb.stop()
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
