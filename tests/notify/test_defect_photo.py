"""The buyer's defect notification carries the evidence photo (issue 13): a link for the
webhook and the file, an attachment for e-mail (checked against its SHA-256), and the
notification still goes when the photo cannot."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from packstation.notify.settings import NotifyConfigError, NotifySettings, build_transports
from packstation.notify.transports import FileTransport, SmtpTransport, WebhookTransport
from tests.notify.conftest import Mailbox, Webhook
from tests.notify.test_transports import outgoing, send

JPEG = b"\xff\xd8 a defect photo \xff\xd9"
FILE = "PS-01/photos/ORD-1001/defect-1-damaged.jpg"


def with_photo(evidence: Path, data: bytes = JPEG, digest: str | None = None):  # type: ignore[no-untyped-def]
    path = evidence / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    msg = outgoing("defect:ORD-1001:1")
    photo = {
        "file": FILE,
        "sha256": digest or hashlib.sha256(data).hexdigest(),
        "taken_at": "2026-11-26T09:00:01+00:00",
    }
    return replace(msg, payload={**msg.payload, "photo": photo})


def test_webhook_gets_a_link_to_the_photo(webhook: Webhook, tmp_path: Path) -> None:
    msg = with_photo(tmp_path)
    send(WebhookTransport(webhook.url, photo_url="https://evidence.shop.example/p/"), msg)
    send(WebhookTransport(webhook.url), msg)  # no photo_url: no link
    (_, linked), (_, plain) = webhook.requests
    assert linked["photo"] == {
        "url": f"https://evidence.shop.example/p/{FILE}",
        "sha256": hashlib.sha256(JPEG).hexdigest(),
        "taken_at": "2026-11-26T09:00:01+00:00",
    }
    assert "photo" not in plain


def test_file_gets_the_link_too(tmp_path: Path) -> None:
    out = tmp_path / "n.jsonl"
    send(FileTransport(out, "https://e.example/p"), with_photo(tmp_path / "ev"))
    assert json.loads(out.read_text())["photo"]["url"] == f"https://e.example/p/{FILE}"


def smtp(mailbox: Mailbox, evidence: Path | None) -> SmtpTransport:
    return SmtpTransport(
        mailbox.host, mailbox.port, "noreply@shop.example", timeout=5, security="none",
        evidence_dir=evidence,
    )  # fmt: skip


def test_email_attaches_the_photo(mailbox: Mailbox, tmp_path: Path) -> None:
    transport = smtp(mailbox, tmp_path)
    send(transport, with_photo(tmp_path))
    transport.close()
    (mail,) = mailbox.messages
    assert mail.get_content_type() == "multipart/mixed"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "image/jpeg"
    assert attachment.get_filename() == "photo-ORD-1001.jpg"
    assert attachment.get_content() == JPEG
    assert mail.get_body(("plain",)) is not None  # the text is still there


@pytest.mark.parametrize("case", ["changed", "missing", "outside", "no_dir"])
def test_email_goes_without_a_photo_it_cannot_vouch_for(
    mailbox: Mailbox, tmp_path: Path, case: str
) -> None:
    msg = with_photo(tmp_path, digest="0" * 64 if case == "changed" else None)
    if case == "missing":
        (tmp_path / FILE).unlink()
    if case == "outside":
        msg = replace(msg, payload={**msg.payload, "photo": {"file": "../../etc/passwd"}})
    transport = smtp(mailbox, None if case == "no_dir" else tmp_path)
    send(transport, msg)
    transport.close()
    (mail,) = mailbox.messages
    assert list(mail.iter_attachments()) == []


def test_settings(tmp_path: Path) -> None:
    raw = {
        "notifications": {
            "channels": ["webhook", "smtp"],
            "webhook_url": "https://hooks.example/n",
            "smtp_host": "mail.example",
            "smtp_from": "noreply@shop.example",
            "photo_url": "https://evidence.shop.example/p",
        },
        "evidence": {"dir": "video"},
    }
    settings = NotifySettings.from_config(raw, tmp_path, environ={})
    assert settings.evidence_dir == tmp_path / "video"
    hook, mail = build_transports(settings)
    assert isinstance(hook, WebhookTransport) and hook.photo_url == settings.photo_url
    assert isinstance(mail, SmtpTransport) and mail.evidence_dir == tmp_path / "video"
    raw["notifications"]["photo_url"] = "ftp://user:pw@x/p"
    with pytest.raises(NotifyConfigError, match="photo_url"):
        NotifySettings.from_config(raw, tmp_path, environ={})
