"""Each transport delivers a notice once: a retry goes only to the transports that failed,
and a marketplace order's notice goes to its buyer chat alone (never also the webhook)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.channels.base import CallRecord
from packstation.channels.sync import sync_channel
from packstation.domain.workflow.records import NotificationQueued
from packstation.models.channel_repo import channel_of
from packstation.models.db import Database, open_database
from packstation.models.outbox import Notification
from packstation.notify.admin import requeue
from packstation.notify.base import SENT_BY, Transport
from packstation.notify.dispatcher import DispatchReport, dispatch_once
from packstation.notify.marketplace import MarketplaceChatTransport
from packstation.notify.transports import FileTransport, SmtpTransport, WebhookTransport
from packstation.station.store import StationStore
from tests.channels.test_buyer_chat import Chatty
from tests.channels.test_sync import NOW, SETTINGS, posting
from tests.notify.conftest import T0, Mailbox, Webhook, queue

LATER = timedelta(seconds=30)


def smtp(mailbox: Mailbox) -> SmtpTransport:
    return SmtpTransport(mailbox.host, mailbox.port, "noreply@shop.example", 5, security="none")


def row(db: Database, key: str) -> Notification:
    with db.sessions() as session:
        found = session.scalar(select(Notification).where(Notification.idempotency_key == key))
        assert found is not None
        return found


@pytest.fixture
def any_db(db_url: str) -> Iterator[Database]:
    """SQLite and PostgreSQL: the noted transports live in the row's JSON payload."""
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


def test_a_webhook_failure_does_not_send_the_email_again(
    any_db: Database, webhook: Webhook, mailbox: Mailbox
) -> None:
    db = any_db
    queue(db, "defect:ORD-1005:1")
    webhook.script = [500]
    transports: list[Transport] = [WebhookTransport(webhook.url), smtp(mailbox)]
    assert dispatch_once(db, transports, T0, base_backoff_s=30) == DispatchReport(retried=1)
    waiting = row(db, "defect:ORD-1005:1")
    assert waiting.payload[SENT_BY] == ["smtp"] and "HTTP 500" in (waiting.last_error or "")
    assert dispatch_once(db, transports, T0 + LATER) == DispatchReport(sent=1)
    assert len(mailbox.messages) == 1  # the buyer got one e-mail
    [(key, body)] = webhook.requests  # and the webhook its copy, on the retry
    assert key == "defect:ORD-1005:1" and SENT_BY not in body["payload"]


def test_a_requeued_dead_notice_goes_only_where_it_had_not_gone(
    db: Database, webhook: Webhook, mailbox: Mailbox
) -> None:
    queue(db, "k1")
    webhook.script = [400]  # permanent: dead at once, after the e-mail went
    transports: list[Transport] = [WebhookTransport(webhook.url), smtp(mailbox)]
    assert dispatch_once(db, transports, T0) == DispatchReport(dead=1)
    assert requeue(db, row(db, "k1").id, now=T0 + LATER)
    assert dispatch_once(db, transports, T0 + LATER) == DispatchReport(sent=1)
    assert len(mailbox.messages) == 1 and webhook.keys == ["k1"]


def synced_order_chat(db: Database) -> tuple[Chatty, MarketplaceChatTransport]:
    """An Ozon posting made an order by the sync itself, and the chat of its account."""
    calls: list[CallRecord] = []
    market = Chatty(calls)
    market.to_pack["77-1"] = posting("77-1")
    report = sync_channel(db, market, SETTINGS, now=lambda: NOW, calls=calls)
    assert report.new == 1

    def lookup(order_id: str) -> tuple[str, str] | None:
        with db.unit_of_work() as session:
            return channel_of(session, order_id)

    return market, MarketplaceChatTransport({SETTINGS.name: market}, lookup)


def station_defect(db: Database, order_id: str, at: datetime) -> str:
    """The defect notice as the station queues it: its record, committed by its store."""
    key = f"defect:{order_id}:1:damaged:{at.isoformat()}"
    params = {"sku": "SKU-1", "name": "Product SKU-1", "defect": "damaged"}
    record = NotificationQueued(at, order_id, "order_defect", key, params | {"resolution": "hold"})
    store = StationStore("PS-01")
    with db.unit_of_work() as session:
        store.ensure_station(session)
        store.commit_records(session, [record], None)
    return key


def test_a_synced_orders_defect_goes_to_the_chat_alone_and_once(
    db: Database, webhook: Webhook, tmp_path: Path
) -> None:
    market, chat = synced_order_chat(db)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    key = station_defect(db, "77-1", at)
    assert row(db, key).channel == "marketplace"  # no e-mail or phone: the buyer's account
    out = tmp_path / "notices.jsonl"
    webhook.script = [500]  # would fail once, were it asked
    transports: list[Transport] = [WebhookTransport(webhook.url), FileTransport(out), chat]
    assert dispatch_once(db, transports, at) == DispatchReport(sent=1)
    assert dispatch_once(db, transports, at + timedelta(hours=1)) == DispatchReport()
    [(ref, text)] = market.sent
    assert ref == "77-1" and "Product SKU-1" in text
    assert webhook.script == [500] and webhook.requests == [] and not out.exists()


def test_a_file_orders_notice_still_goes_to_the_webhook_and_file(
    db: Database, webhook: Webhook, tmp_path: Path
) -> None:
    market, chat = synced_order_chat(db)
    queue(db, "k-file", channel="marketplace", recipient="")  # an order file's, no contact
    out = tmp_path / "notices.jsonl"
    transports: list[Transport] = [WebhookTransport(webhook.url), FileTransport(out), chat]
    assert dispatch_once(db, transports, T0) == DispatchReport(sent=1)
    assert webhook.keys == ["k-file"] and "k-file" in out.read_text(encoding="utf-8")
    assert market.sent == []
