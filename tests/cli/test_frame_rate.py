"""The station draws up to 500 frames a second, the queue 120; a TEXTUAL_FPS already set
wins. Why 500: a frame drawn just before a scan (the scale's weight changing as items go
into a box on it) holds the scan's frame until the frame timer's next slot
(`station_cmd.STATION_FPS`)."""

from __future__ import annotations

import os

import pytest

from packstation.cli.queue_cmd import QUEUE_FPS
from packstation.cli.station_cmd import STATION_FPS, fast_screen_updates


def test_the_station_sets_its_rate_unless_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    fast_screen_updates()
    assert os.environ["TEXTUAL_FPS"] == STATION_FPS == "500"
    monkeypatch.setenv("TEXTUAL_FPS", "60")
    fast_screen_updates()
    assert os.environ["TEXTUAL_FPS"] == "60"


def test_the_queue_keeps_the_rate_it_was_measured_at(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    fast_screen_updates(QUEUE_FPS)
    assert os.environ["TEXTUAL_FPS"] == "120"
