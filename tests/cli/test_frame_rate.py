"""The station draws up to 500 frames a second, the queue 120; a TEXTUAL_FPS already set
wins. Why 500: a frame drawn just before a scan (the scale's weight changing as items go
into a box on it) holds the scan's frame until the frame timer's next slot
(`station_cmd.STATION_FPS`).

The commands themselves are run, up to the step after the rate is set: a test of
`fast_screen_updates` alone would pass with either command passing the other's rate."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from importlib import resources

import pytest

from packstation.cli import station_cmd
from packstation.cli.queue_cmd import run_queue

#: TEXTUAL_FPS as the session had it before these tests (a developer's shell may set it).
BEFORE = os.environ.get("TEXTUAL_FPS")
SAMPLE = str(resources.files("packstation.data") / "station-sample.toml")


class RateSet(Exception):
    """Raised by the step after the rate is set: the command goes no further."""


def rate_set_by(
    command: Callable[[argparse.Namespace], int], monkeypatch: pytest.MonkeyPatch
) -> str:
    def stop(ascii_only: bool) -> None:
        raise RateSet

    monkeypatch.setattr(station_cmd, "plain_console", stop)
    with pytest.raises(RateSet):
        command(argparse.Namespace(config=SAMPLE, ascii=False))
    return os.environ["TEXTUAL_FPS"]


@pytest.fixture
def no_rate_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """TEXTUAL_FPS unset, and unset again after the test (a bare `delenv` of a name that
    is not set records nothing, so the rate the command sets would outlive the test)."""
    monkeypatch.setenv("TEXTUAL_FPS", "recorded")
    monkeypatch.delenv("TEXTUAL_FPS")


@pytest.mark.usefixtures("no_rate_set")
def test_the_station_draws_at_500_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rate_set_by(station_cmd.run_station, monkeypatch) == "500"


@pytest.mark.usefixtures("no_rate_set")
def test_the_queue_keeps_the_rate_it_was_measured_at(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rate_set_by(run_queue, monkeypatch) == "120"


@pytest.mark.parametrize("command", [station_cmd.run_station, run_queue])
def test_a_rate_already_set_wins(
    command: Callable[[argparse.Namespace], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEXTUAL_FPS", "60")
    assert rate_set_by(command, monkeypatch) == "60"


def test_no_rate_outlives_these_tests() -> None:
    """Runs after the tests above (file order): none of them changed TEXTUAL_FPS."""
    assert os.environ.get("TEXTUAL_FPS") == BEFORE
