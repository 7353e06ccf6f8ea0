"""The lead sees a marketplace that fails: calls counted per channel over a window,
the last failure named; `channels status` prints it; the queue header shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from packstation.channels.base import CallRecord
from packstation.models.channel_repo import health, prune_calls, record_calls
from packstation.models.db import Database, open_database
from packstation.models.queue_repo import floor_stats
from packstation.screens.queue_format import header_text

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


def call(channel: str, status: int | None, error: str = "") -> CallRecord:
    return CallRecord(channel, "POST", "/v3/posting/fbs/unfulfilled/list", status, 12.5, error)


def test_failing_calls_are_counted_and_the_last_named(db: Database) -> None:
    with db.unit_of_work() as s:
        record_calls(s, [call("ozon-main", 500)], NOW - timedelta(hours=2))  # long ago
        record_calls(
            s,
            [call("ozon-main", 200), call("ozon-main", 429), call("wb", 200)],
            NOW - timedelta(minutes=5),
        )
        record_calls(s, [call("ozon-main", None, "timed out: ReadTimeout")], NOW)
    with db.unit_of_work() as s:
        rows = {h.channel: h for h in health(s, NOW - timedelta(minutes=15))}
    ozon, wb = rows["ozon-main"], rows["wb"]
    assert (ozon.calls, ozon.failing, ozon.last_status) == (3, 2, None)
    assert ozon.last_error == "timed out: ReadTimeout"
    assert (wb.calls, wb.failing) == (1, 0)
    with db.unit_of_work() as s:
        assert prune_calls(s, NOW - timedelta(hours=1)) == 1


def test_the_queue_header_names_a_failing_marketplace(db: Database) -> None:
    with db.unit_of_work() as s:
        record_calls(s, [call("ozon-main", 429), call("ozon-main", 429)], NOW)
        record_calls(s, [call("wb", 200)], NOW)
    with db.unit_of_work() as s:
        stats = floor_stats(s, NOW, NOW - timedelta(hours=8))
    assert stats.marketplaces == (("ozon-main", 2, "429"),)
    assert "ozon-main: 2 calls failing, last 429" in header_text(stats, "en", UTC).plain
    assert "ozon-main: сбоев 2, последний 429" in header_text(stats, "ru", UTC).plain
