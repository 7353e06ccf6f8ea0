"""`packstation queue`: arguments and the one-line error policy (the screen itself is in
test_queue_app.py)."""

from __future__ import annotations

import pytest

from packstation.cli.main import main


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["queue", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--db", "--locale", "--refresh", "--shift-start"):
        assert option in out


@pytest.mark.parametrize(
    "args", [["--refresh", "0"], ["--refresh", "soon"], ["--shift-start", "25:00"]]
)
def test_bad_values_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["queue", *args])
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["queue", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("packstation:") and "\n" not in err and "Traceback" not in err
