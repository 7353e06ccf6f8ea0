from __future__ import annotations

import json
from pathlib import Path

import pytest

from packstation.notify.base import DeliveryError, Outgoing
from packstation.notify.templates import render
from packstation.notify.transports import (
    FileTransport,
    SmtpTransport,
    WebhookTransport,
    message_id,
)
from tests.notify.conftest import T0, Mailbox, Webhook, free_port


def outgoing(
    key: str = "k-1", *, channel: str = "email", locale: str = "ru", name: str = "Анна"
) -> Outgoing:
    return Outgoing(
        id=1,
        key=key,
        channel=channel,
        recipient="anna@example.ru",
        template="order_defect",
        locale=locale,
        order_id="ORD-1001",
        attempt=1,
        created_at=T0,
        payload={
            "order_id": "ORD-1001",
            "customer_name": name,
            "name": "Кружка",
            "defect": "missing",
            "resolution": "ship_short",
        },
    )


def send(transport: WebhookTransport | SmtpTransport | FileTransport, msg: Outgoing) -> None:
    transport.send(msg, render(msg.template, msg.payload, msg.locale))


def test_webhook_posts_json_with_the_idempotency_key(webhook: Webhook) -> None:
    send(WebhookTransport(webhook.url), outgoing("defect:ORD-1001:1"))
    [(key, body)] = webhook.requests
    assert key == "defect:ORD-1001:1" == body["idempotency_key"]
    assert body["template"] == "order_defect" and body["payload"]["name"] == "Кружка"
    assert body["subject"].startswith("Заказ ORD-1001") and "Анна" in body["text"]


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (429, False), (408, False), (400, True), (404, True), (422, True)],
)
def test_webhook_failures_are_retryable_or_permanent_by_status(
    webhook: Webhook, status: int, permanent: bool
) -> None:
    webhook.script = [status]
    with pytest.raises(DeliveryError, match=f"HTTP {status}") as caught:
        send(WebhookTransport(webhook.url), outgoing())
    assert caught.value.permanent is permanent


def test_webhook_409_means_the_receiver_already_has_it(webhook: Webhook) -> None:
    webhook.script = [409]
    send(WebhookTransport(webhook.url), outgoing())  # no error: delivered earlier


def test_webhook_refused_connection_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        send(WebhookTransport(f"http://127.0.0.1:{free_port()}/x", timeout=2), outgoing())
    assert not caught.value.permanent


def test_smtp_sends_plain_and_html_with_a_key_derived_message_id(mailbox: Mailbox) -> None:
    smtp = SmtpTransport(
        mailbox.host, mailbox.port, "noreply@shop.example", timeout=5, security="none"
    )
    send(smtp, outgoing("defect:ORD-1001:1", name="<script>x</script>"))
    send(smtp, outgoing("defect:ORD-1001:1", name="<script>x</script>"))  # a resend
    smtp.close()
    first, again = mailbox.messages
    assert first["Subject"] == "Заказ ORD-1001: проблема с одним из товаров"
    assert first["To"] == "anna@example.ru" and first["From"] == "noreply@shop.example"
    assert first["X-Idempotency-Key"] == "defect:ORD-1001:1"
    assert (
        first["Message-ID"]
        == again["Message-ID"]
        == message_id("defect:ORD-1001:1", "noreply@shop.example")
    )
    assert first.get_content_type() == "multipart/alternative"
    plain = first.get_body(("plain",))
    html = first.get_body(("html",))
    assert plain is not None and html is not None
    assert "Здравствуйте, <script>x</script>!" in plain.get_content()
    assert "&lt;script&gt;x&lt;/script&gt;" in html.get_content()
    assert "<script>" not in html.get_content()


def test_smtp_refused_recipient_is_permanent_and_server_down_is_not(mailbox: Mailbox) -> None:
    mailbox.refuse.add("anna@example.ru")
    smtp = SmtpTransport(
        mailbox.host, mailbox.port, "noreply@shop.example", timeout=5, security="none"
    )
    with pytest.raises(DeliveryError, match="550") as caught:
        send(smtp, outgoing())
    assert caught.value.permanent
    down = SmtpTransport(
        "127.0.0.1", free_port(), "noreply@shop.example", timeout=2, security="none"
    )
    with pytest.raises(DeliveryError) as caught:
        send(down, outgoing())
    assert not caught.value.permanent


def test_smtp_takes_only_email_customers() -> None:
    smtp = SmtpTransport("127.0.0.1", 25, "noreply@shop.example")
    assert smtp.accepts(outgoing(channel="email"))
    assert not smtp.accepts(outgoing(channel="sms"))


def test_file_appends_one_json_line_per_send(tmp_path: Path) -> None:
    path = tmp_path / "out" / "notifications.jsonl"
    transport = FileTransport(path)
    send(transport, outgoing("a"))
    send(transport, outgoing("b", locale="en"))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [x["idempotency_key"] for x in lines] == ["a", "b"]
    assert lines[0]["subject"].startswith("Заказ") and lines[1]["subject"].startswith("Order")
    assert lines[0]["created_at"] == T0.isoformat()


def test_file_in_an_unwritable_place_is_a_retryable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DeliveryError) as caught:
        send(FileTransport(blocker / "sub" / "x.jsonl"), outgoing())
    assert not caught.value.permanent
