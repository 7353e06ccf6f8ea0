"""Real receivers on 127.0.0.1: an HTTP webhook listener and an aiosmtpd SMTP server."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from packstation.models.db import Database, open_database
from packstation.models.outbox_repo import enqueue

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class Webhook:
    """Answers with ``script`` in turn (then 200) and records every request."""

    url: str
    script: list[int] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay_s: float = 0.0

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.requests]

    @property
    def distinct(self) -> set[str]:
        """What a receiver deduplicating by Idempotency-Key keeps."""
        return set(self.keys)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(hook.delay_s)
            with hook.lock:
                status = hook.script.pop(0) if hook.script else 200
                if 200 <= status < 300:
                    key = self.headers.get("Idempotency-Key", "")
                    assert self.headers.get("Content-Type", "").startswith("application/json")
                    hook.requests.append((key, json.loads(body)))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/notify"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    #: Recipients answered with 550 at RCPT TO.
    refuse: set[str] = field(default_factory=set)


class _Collect:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.box.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.box.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    # aiosmtpd 1.4 confirms start-up by connecting to its port, so it cannot take port 0.
    for _ in range(5):
        box = Mailbox("127.0.0.1", free_port())
        controller = Controller(_Collect(box), hostname=box.host, port=box.port)
        try:
            controller.start()
        except OSError:
            continue
        break
    else:
        pytest.fail("no free port for the SMTP server")
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating takes a third of a second: done once, then copied for each test."""
    path = tmp_path_factory.mktemp("template") / "packstation.db"
    open_database(f"sqlite:///{path}").dispose()  # the last close folds the WAL in
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """The project's fixture, on a copy of an already migrated database."""
    path = tmp_path / "packstation.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = open_database(sqlite_url)
    yield database
    database.dispose()


def queue(
    db: Database,
    key: str,
    *,
    template: str = "order_defect",
    channel: str = "email",
    recipient: str = "olga@example.ru",
    locale: str = "en",
    payload: dict[str, Any] | None = None,
) -> None:
    with db.unit_of_work() as session:
        enqueue(
            session,
            key=key,
            template=template,
            channel=channel,
            recipient=recipient,
            locale=locale,
            payload=payload
            if payload is not None
            else {
                "order_id": "ORD-1005",
                "customer_name": "Olga Smirnova",
                "sku": "SHAMPOO-500",
                "name": "Shampoo 500 ml",
                "defect": "damaged",
                "resolution": "ship_short",
            },
            order_id="ORD-1005",
            now=T0,
        )
