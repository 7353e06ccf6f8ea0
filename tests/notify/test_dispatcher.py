from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli.orders_cmd import validate
from packstation.domain.intake import iter_orders
from packstation.models.db import Database, open_database
from packstation.models.orders_repo import import_orders
from packstation.models.outbox import Notification
from packstation.notify.admin import requeue
from packstation.notify.base import Outgoing, Transport
from packstation.notify.dispatcher import DispatchReport, dispatch_once
from packstation.notify.templates import Rendered
from packstation.notify.transports import SmtpTransport, WebhookTransport
from tests.notify.conftest import T0, Mailbox, Webhook, queue

MIN = timedelta(minutes=1)


def row(db: Database, key: str) -> Notification:
    with db.sessions() as session:
        found = session.scalar(select(Notification).where(Notification.idempotency_key == key))
        assert found is not None
        return found


def test_sample_import_queues_a_correction_notice_that_reaches_the_webhook(
    db: Database, webhook: Webhook, fixtures_dir: Path
) -> None:
    with db.unit_of_work() as session:
        import_orders(session, iter_orders(fixtures_dir / "orders-sample.json"), validate, now=T0)
    report = dispatch_once(db, [WebhookTransport(webhook.url)], T0)
    assert report == DispatchReport(sent=1)
    [(key, body)] = webhook.requests
    assert body["template"] == "order_needs_correction" and body["order_id"] == "ORD-1004"
    assert body["channel"] == "marketplace" and body["locale"] == "ru"
    assert "Почтовый индекс" in body["text"]
    sent = row(db, key)
    assert sent.status == "sent" and sent.sent_at == T0 and sent.attempts == 1
    assert dispatch_once(db, [WebhookTransport(webhook.url)], T0 + MIN) == DispatchReport()


def test_500_then_200_retries_after_the_backoff(db: Database, webhook: Webhook) -> None:
    queue(db, "k1")
    webhook.script = [500]
    hook = [WebhookTransport(webhook.url)]
    assert dispatch_once(db, hook, T0, base_backoff_s=30) == DispatchReport(retried=1)
    waiting = row(db, "k1")
    assert waiting.status == "pending" and waiting.attempts == 1
    assert waiting.next_attempt_at == T0 + timedelta(seconds=30)
    assert waiting.last_error is not None and "HTTP 500" in waiting.last_error
    assert dispatch_once(db, hook, T0 + timedelta(seconds=29)) == DispatchReport()
    assert dispatch_once(db, hook, T0 + timedelta(seconds=30)) == DispatchReport(sent=1)
    assert webhook.keys == ["k1"] and row(db, "k1").status == "sent"


def test_backoff_doubles_then_dead_after_max_attempts(db: Database, webhook: Webhook) -> None:
    queue(db, "k1")
    webhook.script = [503] * 10
    hook = [WebhookTransport(webhook.url)]
    at, delays = T0, []
    for _ in range(3):
        dispatch_once(db, hook, at, max_attempts=4, base_backoff_s=30)
        nxt = row(db, "k1").next_attempt_at
        delays.append((nxt - at).total_seconds())
        at = nxt
    assert delays == [30, 60, 120] and row(db, "k1").attempts == 3
    assert dispatch_once(db, hook, at, max_attempts=4) == DispatchReport(dead=1)
    dead = row(db, "k1")
    assert dead.status == "dead" and dead.attempts == 4 and "HTTP 503" in (dead.last_error or "")
    assert dispatch_once(db, hook, at + timedelta(days=1)) == DispatchReport()
    back = T0 + timedelta(days=1)
    assert requeue(db, dead.id, now=back) and not requeue(db, dead.id, now=back)
    webhook.script.clear()
    assert dispatch_once(db, hook, back) == DispatchReport(sent=1)


def test_400_is_dead_at_once_and_other_rows_still_go(db: Database, webhook: Webhook) -> None:
    queue(db, "k1")
    queue(db, "k2")
    webhook.script = [400]
    report = dispatch_once(db, [WebhookTransport(webhook.url)], T0)
    assert report == DispatchReport(sent=1, dead=1)
    assert row(db, "k1").status == "dead" and "HTTP 400" in (row(db, "k1").last_error or "")
    assert row(db, "k2").status == "sent" and webhook.keys == ["k2"]


def test_unknown_template_is_dead_with_the_reason(db: Database, webhook: Webhook) -> None:
    queue(db, "k1", template="birthday_card")
    report = dispatch_once(db, [WebhookTransport(webhook.url)], T0)
    assert report == DispatchReport(dead=1) and webhook.requests == []
    assert "unknown template 'birthday_card'" in (row(db, "k1").last_error or "")


def test_email_goes_to_smtp_sms_only_to_the_webhook(
    db: Database, webhook: Webhook, mailbox: Mailbox
) -> None:
    queue(db, "mail", channel="email", locale="ru")
    queue(db, "sms", channel="sms", recipient="+79161234567")
    smtp = SmtpTransport(
        mailbox.host, mailbox.port, "noreply@shop.example", timeout=5, security="none"
    )
    report = dispatch_once(db, [WebhookTransport(webhook.url), smtp], T0)
    assert report == DispatchReport(sent=2)
    assert sorted(webhook.keys) == ["mail", "sms"]
    [mail] = mailbox.messages
    assert mail["X-Idempotency-Key"] == "mail" and mail["Subject"].startswith("Заказ ORD-1005")
    # Only SMTP configured: nobody can reach the sms customer, which is said, not hidden.
    queue(db, "sms2", channel="sms", recipient="+79161234567")
    assert dispatch_once(db, [smtp], T0) == DispatchReport(dead=1)
    assert "delivers sms" in (row(db, "sms2").last_error or "")


class Crash(BaseException):
    """The process dies: nothing after this line runs."""


class CrashAfterSend:
    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.name = inner.name

    def accepts(self, message: Outgoing) -> bool:
        return self.inner.accepts(message)

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        self.inner.send(message, rendered)
        raise Crash

    def close(self) -> None:
        self.inner.close()


def test_crash_between_send_and_mark_resends_with_the_same_key(
    db: Database, webhook: Webhook, mailbox: Mailbox
) -> None:
    queue(db, "defect:ORD-1005:2:damaged")
    hook = WebhookTransport(webhook.url)
    smtp = SmtpTransport(
        mailbox.host, mailbox.port, "noreply@shop.example", timeout=5, security="none"
    )
    with pytest.raises(Crash):
        dispatch_once(db, [hook, CrashAfterSend(smtp)], T0)
    assert row(db, "defect:ORD-1005:2:damaged").status == "sending"
    # Still within the lease: another pass must not take it (its dispatcher may be alive).
    assert dispatch_once(db, [hook, smtp], T0 + MIN) == DispatchReport()
    assert dispatch_once(db, [hook, smtp], T0 + 6 * MIN) == DispatchReport(sent=1)
    done = row(db, "defect:ORD-1005:2:damaged")
    assert done.status == "sent" and done.attempts == 2
    assert webhook.keys == ["defect:ORD-1005:2:damaged"] * 2
    assert len(webhook.distinct) == 1
    first, again = mailbox.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["X-Idempotency-Key"] == again["X-Idempotency-Key"]


def test_a_notification_that_kills_every_attempt_ends_dead(db: Database, webhook: Webhook) -> None:
    queue(db, "poison")
    crashing = CrashAfterSend(WebhookTransport(webhook.url))
    with pytest.raises(Crash):
        dispatch_once(db, [crashing], T0, max_attempts=1)
    report = dispatch_once(db, [WebhookTransport(webhook.url)], T0 + 6 * MIN, max_attempts=1)
    assert report == DispatchReport(dead=1) and webhook.keys == ["poison"]
    assert "stopped during attempt 1" in (row(db, "poison").last_error or "")


def run_concurrently(url: str, webhook: Webhook, workers: int = 2) -> list[list[DispatchReport]]:
    """Each worker has its own engine, as separate processes would, and drains the outbox."""
    reports: list[list[DispatchReport]] = [[] for _ in range(workers)]
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        db = open_database(url, auto_upgrade=True)
        try:
            start.wait()
            while True:
                r = dispatch_once(db, [WebhookTransport(webhook.url)], T0, batch=5)
                reports[i].append(r)
                if r.sent == 0:
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors, errors
    return reports


def test_two_dispatchers_never_send_a_row_twice(db_url: str, webhook: Webhook) -> None:
    db = open_database(db_url, auto_upgrade=True)
    try:
        for i in range(40):
            queue(db, f"k{i:02}")
    finally:
        db.dispose()
    webhook.delay_s = 0.003  # keeps both busy at the same time
    per_worker = run_concurrently(db_url, webhook)
    assert sum(r.sent for rs in per_worker for r in rs) == 40
    assert len(webhook.keys) == 40 and len(webhook.distinct) == 40
    assert all(r.sent + r.retried + r.dead <= 5 for rs in per_worker for r in rs)  # batch kept
    assert all(sum(r.sent for r in rs) > 0 for rs in per_worker)  # both really took part


def test_a_slow_pass_gives_back_what_it_cannot_send_within_its_lease(
    db: Database, webhook: Webhook
) -> None:
    for i in range(4):
        queue(db, f"k{i}")
    webhook.delay_s = 0.06
    report = dispatch_once(db, [WebhookTransport(webhook.url)], T0, lease_s=0.1)
    assert 1 <= report.sent < 4 and report.retried == report.dead == 0
    given_back = [row(db, f"k{i}") for i in range(report.sent, 4)]
    assert all(n.status == "pending" and n.attempts == 0 for n in given_back)
    assert all(n.next_attempt_at == T0 for n in given_back)
    assert len(webhook.distinct) == report.sent
