from __future__ import annotations

import json
from pathlib import Path

import pytest

from packstation.cli import main
from tests.notify.conftest import Webhook


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def imported(capsys: pytest.CaptureFixture[str], sqlite_url: str, fixtures_dir: Path) -> str:
    sample = str(fixtures_dir / "orders-sample.json")
    assert run(capsys, "orders", "import", sample, "--db", sqlite_url)[0] == 0
    return sqlite_url


def test_notify_once_writes_the_file_channel_and_is_idempotent(
    capsys: pytest.CaptureFixture[str], imported: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "sent.jsonl"
    args = ["notify", "--once", "--db", imported, "--channels", "file", "--file", str(out_file)]
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (0, "notify: sent 1, retried 0, dead 0\n", "")
    [line] = out_file.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["order_id"] == "ORD-1004" and record["template"] == "order_needs_correction"
    assert record["idempotency_key"].startswith("order.needs_correction:ORD-1004:")
    assert record["subject"] == "Заказ ORD-1004: пожалуйста, проверьте данные"
    assert run(capsys, *args)[1] == "notify: sent 0, retried 0, dead 0\n"
    assert len(out_file.read_text(encoding="utf-8").splitlines()) == 1
    code, out, _ = run(capsys, "notify", "list", "--status", "sent", "--db", imported)
    assert code == 0 and "ORD-1004" in out and "order_needs_correction" in out


def test_notify_reads_the_config_section(
    capsys: pytest.CaptureFixture[str], imported: str, tmp_path: Path, webhook: Webhook
) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        f'[notifications]\nchannels = ["webhook", "file"]\nwebhook_url = "{webhook.url}"\n'
        'file = "out/notifications.jsonl"\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "notify", "--once", "--config", str(config), "--db", imported)
    assert code == 0 and "sent 1" in out
    assert len(webhook.requests) == 1
    assert (tmp_path / "out" / "notifications.jsonl").is_file()  # relative to the config


def test_failed_send_is_counted_and_dead_ones_can_be_requeued(
    capsys: pytest.CaptureFixture[str], imported: str, webhook: Webhook
) -> None:
    webhook.script = [400]
    args = ["notify", "--once", "--db", imported, "--channels", "webhook"]
    code, out, _ = run(capsys, *args, "--webhook-url", webhook.url)
    assert code == 0 and out == "notify: sent 0, retried 0, dead 1\n"
    code, out, _ = run(capsys, "notify", "list", "--status", "dead", "--db", imported)
    assert "HTTP 400" in out
    notification_id = out.splitlines()[1].split()[0]
    assert run(capsys, "notify", "requeue", notification_id, "--db", imported)[0] == 0
    code, _, err = run(capsys, "notify", "requeue", notification_id, "--db", imported)
    assert code == 1 and "is not dead" in err
    code, out, _ = run(capsys, *args, "--webhook-url", webhook.url)
    assert out == "notify: sent 1, retried 0, dead 0\n" and len(webhook.requests) == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "no notification channels"),
        (["--channels", "pigeon"], "unknown notification channel(s) pigeon"),
        (["--channels", "webhook"], "needs webhook_url"),
        (["--channels", "smtp", "--smtp-host", "127.0.0.1"], "smtp_from"),
        (["--channels", "file"], "needs file"),
        (["--channels", "webhook", "--webhook-url", "ftp://x"], "http:// or https://"),
    ],
)
def test_configuration_errors_are_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, "notify", "--once", "--db", sqlite_url, *extra)
    assert code == 1 and out == ""
    assert err.startswith("packstation: ") and message in err and err.count("\n") == 1


def test_without_once_it_polls_until_ctrl_c(
    capsys: pytest.CaptureFixture[str],
    imported: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("packstation.cli.notify_cmd.time.sleep", sleep)
    out_file = tmp_path / "sent.jsonl"
    argv = ["notify", "--db", imported, "--channels", "file", "--file", str(out_file)]
    code, out, _ = run(capsys, *argv, "--interval", "7")
    assert code == 0 and sleeps == [7.0, 7.0]
    lines = out.splitlines()
    assert lines[0] == "notify: sending to file every 7 s; Ctrl+C stops"
    assert lines[1].endswith("notify: sent 1, retried 0, dead 0")  # quiet polls print nothing
    assert lines[2:] == ["notify: stopped"]
    assert len(out_file.read_text(encoding="utf-8").splitlines()) == 1
