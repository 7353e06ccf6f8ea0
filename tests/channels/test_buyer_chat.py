"""A marketplace order's notifications reach the buyer through the marketplace's chat,
through the same outbox (queued once per key, retried, dead when it cannot help)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from packstation.channels.base import CallRecord, ChannelError
from packstation.channels.sync import sync_channel
from packstation.models.channel_repo import channel_of
from packstation.models.db import Database, open_database
from packstation.models.outbox_repo import enqueue
from packstation.notify.dispatcher import DispatchReport, dispatch_once
from packstation.notify.marketplace import MarketplaceChatTransport
from packstation.notify.transports import FileTransport
from tests.channels.test_sync import NOW, SETTINGS, Memory, posting


class Chatty(Memory):
    def __init__(self, calls: list[CallRecord]) -> None:
        super().__init__(calls)
        self.sent: list[tuple[str, str]] = []
        self.fail: list[ChannelError] = []

    def message_buyer(self, ref: str, text: str) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((ref, text))


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = open_database(sqlite_url)
    yield database
    database.dispose()


def setup(db: Database) -> tuple[Chatty, MarketplaceChatTransport]:
    calls: list[CallRecord] = []
    market = Chatty(calls)
    market.to_pack["77-1"] = posting("77-1")
    sync_channel(db, market, SETTINGS, now=lambda: NOW, calls=calls)

    def lookup(order_id: str) -> tuple[str, str] | None:
        with db.unit_of_work() as session:
            return channel_of(session, order_id)

    return market, MarketplaceChatTransport({SETTINGS.name: market}, lookup)


def defect(db: Database, order_id: str, key: str = "defect-1") -> None:
    with db.unit_of_work() as session:
        enqueue(
            session,
            key=key,
            template="order_defect",
            channel="marketplace",
            recipient="",
            locale="ru",
            payload={
                "order_id": order_id,
                "customer_name": "",
                "sku": "SKU-1",
                "name": "Product SKU-1",
                "defect": "damaged",
                "resolution": "ship_short",
            },
            order_id=order_id,
            now=NOW,
        )


def test_a_defect_notice_goes_to_the_buyer_chat_once(db: Database) -> None:
    market, chat = setup(db)
    defect(db, "77-1")
    defect(db, "77-1")  # the same fact again: queued once
    assert dispatch_once(db, [chat], NOW) == DispatchReport(sent=1)
    [(ref, text)] = market.sent
    assert ref == "77-1" and "77-1" in text and "Product SKU-1" in text
    assert dispatch_once(db, [chat], NOW + timedelta(hours=1)) == DispatchReport()


def test_a_file_order_is_not_the_chats(db: Database, tmp_path: Path) -> None:
    market, chat = setup(db)
    defect(db, "ORD-FILE-1")
    report = dispatch_once(db, [chat], NOW)
    assert report == DispatchReport(dead=1)  # nobody delivers it: told, not dropped silently
    assert market.sent == []
    # The file transport (which takes everything) still gets it.
    defect(db, "ORD-FILE-2", key="defect-2")
    out = tmp_path / "out.jsonl"
    assert dispatch_once(db, [chat, FileTransport(out)], NOW) == DispatchReport(sent=1)
    assert market.sent == [] and "ORD-FILE-2" in out.read_text(encoding="utf-8")


def test_marketplace_down_is_retried_a_refusal_is_dead(db: Database) -> None:
    market, chat = setup(db)
    defect(db, "77-1")
    market.fail = [ChannelError("ozon-main: answered 503 (5 attempts)", status=503, retryable=True)]
    assert dispatch_once(db, [chat], NOW, base_backoff_s=30) == DispatchReport(retried=1)
    assert dispatch_once(db, [chat], NOW + timedelta(seconds=30)) == DispatchReport(sent=1)
    defect(db, "77-1", key="defect-2")
    market.fail = [ChannelError("ozon-main: answered 400: chat is closed", status=400)]
    assert dispatch_once(db, [chat], NOW + timedelta(minutes=5)) == DispatchReport(dead=1)
    assert len(market.sent) == 1
