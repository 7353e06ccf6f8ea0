"""`packstation training lessons|ready`, `report training` (scores from the training scores
store, `--scores` or the environment), and `run --training` refusals."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from packstation.cli import main
from packstation.training.scoring import FaultResult, LessonScore
from packstation.training.store import ENV, ScoresStore
from tests.station.conftest import LEAD, LEAD_PIN
from tests.training.conftest import TRAINEE, TRAINEE_NAME

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _scored(scores_url: str) -> None:
    first = LessonScore("first_order", T0, T0 + timedelta(seconds=90), 3, {"wrong_item": 1})
    fault = FaultResult("wrong_item", "TRN-2-1", False, "defect:missing")
    defects = LessonScore("defects", T0 + timedelta(hours=1), T0 + timedelta(hours=1, seconds=60),
                          3, {"refused": 2}, (fault,))  # fmt: skip
    store = ScoresStore(scores_url)
    for score in (first, defects):
        payload = score.to_payload()
        store.save(badge=TRAINEE, name=TRAINEE_NAME, station_id="PS-T1", payload=payload, at=T0)
    store.close()


def test_lessons_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "training", "lessons")
    assert code == 0
    assert out.splitlines()[2].split()[:2] == ["3", "weight_problems"] and "faults: scale" in out
    assert len(out.splitlines()) == 5


def test_report_training_per_trainee_and_per_lesson(
    capsys: pytest.CaptureFixture[str], real_url: str, scores_url: str, tmp_path: Path
) -> None:
    _scored(scores_url)
    code, out, _ = run(capsys, "report", "training", "--db", real_url)
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:3] == ["BADGE", "NAME", "STATUS"]
    assert row.startswith(TRAINEE) and TRAINEE_NAME in row
    assert "trainee" in row and " 2 " in row and "1/5" in row and "25.0" in row  # 150 s / 6
    assert "0/1" in row and "refused 2, wrong_item 1" in row
    code, out, _ = run(capsys, "report", "training", "--lessons", "--db", real_url)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert "first_order" in lines[1] and "30.0" in lines[1] and " yes " in lines[1]
    assert "defects" in lines[2] and " no " in lines[2] and "0/1" in lines[2]
    target = tmp_path / "training.csv"
    assert run(capsys, "report", "training", "--csv", str(target), "--db", real_url)[0] == 0
    csv = target.read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("BADGE,NAME,STATUS") and csv[1].startswith(TRAINEE)


def test_ready_from_the_command_line(
    capsys: pytest.CaptureFixture[str], real_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ("training", "ready", TRAINEE, "--lead", LEAD, "--note", "passed", "--pin-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO("0000\n"))
    code, _, err = run(capsys, *argv, "--db", real_url)
    assert code == 1 and "wrong PIN for" in err and err.count("\n") == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{LEAD_PIN}\n"))
    code, out, _ = run(capsys, *argv, "--db", real_url)
    assert code == 0 and out == f"{TRAINEE_NAME} may pack real orders now\n"
    code, out, _ = run(capsys, "report", "training", "--db", real_url)
    assert "ready " in out and "by Мария Л." in out


def test_run_training_refusals_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, real_url: str
) -> None:
    code, _, err = run(capsys, "run", "--training", "--lesson", "juggling", "--db", real_url)
    assert code == 1 and "no lesson 'juggling'" in err and err.count("\n") == 1
    missing = tmp_path / "none" / "packstation.db"
    code, _, err = run(capsys, "run", "--training", "--db", str(missing))
    assert code == 1 and "no packstation database at" in err and err.count("\n") == 1
    assert not missing.exists() and not missing.parent.exists()  # nothing made there


def test_report_training_reads_the_store_it_is_given(
    capsys: pytest.CaptureFixture[str],
    real_url: str,
    scores_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _scored(scores_url)
    monkeypatch.delenv(ENV)
    elsewhere = tmp_path / "elsewhere.db"
    code, out, _ = run(capsys, "report", "training", "--db", real_url, "--scores", str(elsewhere))
    assert code == 0 and " 0 " in out and "0/5" in out  # the trainee, no lessons there
    assert not elsewhere.exists()  # reading a store never makes one
    store = scores_url.removeprefix("sqlite:///")
    config = tmp_path / "station.toml"
    config.write_text(f'[training]\nscores = "{store}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "report", "training", "--db", real_url)
    assert code == 0 and " 2 " in out and "1/5" in out  # [training] scores in the config


def test_the_real_database_is_refused_as_the_scores_store(
    capsys: pytest.CaptureFixture[str], real_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "report", "training", "--db", real_url, "--scores", real_url)
    assert code == 1 and "the scores store is the real database" in err
    assert err.count("\n") == 1
    path = real_url.removeprefix("sqlite:///")
    monkeypatch.setenv(ENV, path)  # the same file, named as a path
    before = Path(path).read_bytes()
    code, _, err = run(capsys, "run", "--training", "--db", real_url)
    assert code == 1 and "the scores store is the real database" in err
    assert Path(path).read_bytes() == before
