"""Webhook and SMTP security against real local servers: TLS verified (a self-signed CA is
refused unless configured), STARTTLS required by default, redirects and notification rows
cannot send a notification elsewhere, and secrets never reach logs, errors or output."""

from __future__ import annotations

import json
import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import select

from packstation.cli.main import main
from packstation.models.db import Database
from packstation.models.outbox import Notification
from packstation.notify.base import DeliveryError
from packstation.notify.dispatcher import dispatch_once
from packstation.notify.settings import NotifyConfigError, NotifySettings, build_transports
from packstation.notify.transports import SmtpTransport, WebhookTransport, header_key
from tests.notify.conftest import T0, free_port, queue
from tests.notify.test_transports import outgoing, send

TOKEN = "tok-5ecret-Webhook-7781"
PASSWORD = "pw-5ecret-Smtp-9924"
USER = "mailer"


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A private CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test CA")
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
        "-subj", "/CN=packstation test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
        cwd=d,
    )  # fmt: skip
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "3650", "-extfile", "ext.cnf",
        cwd=d,
    )  # fmt: skip
    return Certs(d / "ca.pem", d / "server.pem", d / "server.key")


# --------------------------------------------------------------------------- HTTP receivers


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    reason: str = ""
    location: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)


def _serve(receiver: Receiver, scheme: str, context: ssl.SSLContext | None) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
            )
            # A careless receiver that echoes the Authorization header in its reason.
            reason = receiver.reason.format(auth=self.headers.get("Authorization", ""))
            self.send_response(receiver.status, reason or None)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # refused handshakes are the point of some tests

    server = Server(("127.0.0.1", 0), Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/notify"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def https_hook(certs: Certs) -> Iterator[Receiver]:
    yield from _serve(Receiver(), "https", certs.server_context())


@pytest.fixture
def http_hook() -> Iterator[Receiver]:
    yield from _serve(Receiver(), "http", None)


@pytest.fixture
def elsewhere() -> Iterator[Receiver]:
    """Where an attacker would like the notification to go."""
    yield from _serve(Receiver(), "http", None)


# --------------------------------------------------------------------------- webhook


def test_a_self_signed_webhook_is_refused_without_its_ca(https_hook: Receiver) -> None:
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        send(WebhookTransport(https_hook.url, timeout=5), outgoing())
    assert not caught.value.permanent  # a certificate can be fixed: tried again later
    assert https_hook.requests == []


def test_a_webhook_with_its_ca_configured_is_trusted(https_hook: Receiver, certs: Certs) -> None:
    hook = WebhookTransport(https_hook.url, timeout=5, token=TOKEN, ca_file=certs.ca)
    send(hook, outgoing("defect:ORD-1001:1"))
    [request] = https_hook.requests
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["body"]["idempotency_key"] == "defect:ORD-1001:1"
    assert TOKEN not in repr(hook)


def test_the_configured_ca_must_also_match_the_host_name(
    https_hook: Receiver, certs: Certs
) -> None:
    url = https_hook.url.replace("127.0.0.1", "127.1")  # the same address, another name
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|match|mismatch"):
        send(WebhookTransport(url, timeout=5, ca_file=certs.ca), outgoing())


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must be https://"),
        ("http://10.0.0.5/x", "must be https://"),
        ("https://user:hunter2@hooks.example.com/x", "must not hold credentials"),
        ("ftp://hooks.example.com/x", "http:// or https://"),
        ("https://hooks.example.com:99999/x", "not a URL"),
    ],
)
def test_webhook_urls_that_are_refused(url: str, message: str) -> None:
    with pytest.raises(NotifyConfigError, match=message) as caught:
        build_transports(NotifySettings(channels=("webhook",), webhook_url=url))
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/x", "http://127.0.0.1:8088/x", "http://localhost/x"]
)
def test_webhook_urls_that_are_accepted(url: str) -> None:
    build_transports(NotifySettings(channels=("webhook",), webhook_url=url))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(
    http_hook: Receiver, elsewhere: Receiver, status: int
) -> None:
    http_hook.status, http_hook.location = status, elsewhere.url
    with pytest.raises(DeliveryError, match=f"HTTP {status}.*redirects are not followed"):
        send(WebhookTransport(http_hook.url, timeout=5, token=TOKEN), outgoing())
    assert len(http_hook.requests) == 1 and elsewhere.requests == []


def test_nothing_in_a_notification_row_changes_where_it_goes(
    db: Database, http_hook: Receiver, elsewhere: Receiver
) -> None:
    hostile_key = f"defect:X\r\nHost: evil.example\r\nX-Url: {elsewhere.url}:1"
    queue(
        db,
        hostile_key,
        recipient=elsewhere.url,
        payload={
            "order_id": elsewhere.url,
            "customer_name": "Olga",
            "sku": "S",
            "name": "N",
            "defect": "damaged",
            "resolution": "ship_short",
            "webhook_url": elsewhere.url,
            "url": elsewhere.url,
        },
    )
    report = dispatch_once(db, [WebhookTransport(http_hook.url, timeout=5)], T0)
    assert report.sent == 1
    assert elsewhere.requests == []
    [request] = http_hook.requests
    assert request["path"] == "/notify"
    assert request["body"]["idempotency_key"] == hostile_key
    header = request["headers"]["Idempotency-Key"]
    assert header == header_key(hostile_key) and "\r" not in header and "\n" not in header
    assert "Host: evil" not in json.dumps(request["headers"])


def test_header_key_leaves_plain_keys_alone() -> None:
    assert header_key("defect:ORD-1001:1") == "defect:ORD-1001:1"
    assert header_key("a b\r\nc%") == "a%20b%0D%0Ac%25"
    assert header_key("заказ") == header_key("заказ") == "%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7"


# --------------------------------------------------------------------------- SMTP


@dataclass
class Mail:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: A careless server that repeats the password in its refusal.
    echo_password: bool = False


class _Handler:
    def __init__(self, box: Mail) -> None:
        self.box = box

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.box.messages.append(
            message_from_bytes(envelope.original_content or b"", policy=policy.default)
        )
        return "250 OK"


def _smtp_server(box: Mail, **kwargs: Any) -> Iterator[Mail]:
    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        box.logins.append((data.login, data.password))
        if data.login == USER.encode() and data.password == PASSWORD.encode():
            return AuthResult(success=True)
        said = data.password.decode() if box.echo_password else ""
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad {said}".strip())

    for _ in range(5):
        box.port = free_port()
        controller = Controller(
            _Handler(box), hostname=box.host, port=box.port, authenticator=authenticator, **kwargs
        )
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


@pytest.fixture
def starttls_server(certs: Certs) -> Iterator[Mail]:
    """Offers STARTTLS, requires it before anything else, and AUTH only over TLS."""
    yield from _smtp_server(
        Mail("127.0.0.1", 0),
        tls_context=certs.server_context(),
        require_starttls=True,
        auth_require_tls=True,
    )


@pytest.fixture
def smtps_server(certs: Certs) -> Iterator[Mail]:
    # aiosmtpd offers AUTH over implicit TLS only with auth_require_tls off (it tracks
    # STARTTLS); the connection is TLS from the first byte either way.
    yield from _smtp_server(
        Mail("127.0.0.1", 0), ssl_context=certs.server_context(), auth_require_tls=False
    )


@pytest.fixture
def plain_server() -> Iterator[Mail]:
    yield from _smtp_server(Mail("127.0.0.1", 0))


SENDER = "noreply@shop.example"


def test_starttls_with_the_ca_configured_delivers_and_logs_in(
    starttls_server: Mail, certs: Certs
) -> None:
    smtp = SmtpTransport(
        starttls_server.host, starttls_server.port, SENDER, timeout=5,
        user=USER, password=PASSWORD, ca_file=certs.ca,
    )  # fmt: skip
    assert smtp.security == "starttls"  # the default
    send(smtp, outgoing("defect:ORD-1001:1"))
    smtp.close()
    assert starttls_server.logins == [(USER.encode(), PASSWORD.encode())]
    [mail] = starttls_server.messages
    assert mail["X-Idempotency-Key"] == "defect:ORD-1001:1"
    assert PASSWORD not in repr(smtp)


def test_starttls_with_an_unknown_ca_sends_nothing(starttls_server: Mail) -> None:
    smtp = SmtpTransport(
        starttls_server.host, starttls_server.port, SENDER, timeout=5,
        user=USER, password=PASSWORD,
    )  # fmt: skip
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        send(smtp, outgoing())
    assert not caught.value.permanent
    assert starttls_server.logins == [] and starttls_server.messages == []


def test_a_server_without_starttls_gets_nothing_unless_plain_is_configured(
    plain_server: Mail,
) -> None:
    smtp = SmtpTransport(plain_server.host, plain_server.port, SENDER, timeout=5)
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(smtp, outgoing())
    assert plain_server.messages == []
    plain = SmtpTransport(plain_server.host, plain_server.port, SENDER, timeout=5, security="none")
    send(plain, outgoing())
    plain.close()
    assert len(plain_server.messages) == 1


def test_smtps_with_the_ca_configured(smtps_server: Mail, certs: Certs) -> None:
    smtp = SmtpTransport(
        smtps_server.host, smtps_server.port, SENDER, timeout=5, security="tls",
        user=USER, password=PASSWORD, ca_file=certs.ca,
    )  # fmt: skip
    send(smtp, outgoing())
    smtp.close()
    assert len(smtps_server.messages) == 1
    unknown = SmtpTransport(smtps_server.host, smtps_server.port, SENDER, 5, security="tls")
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        send(unknown, outgoing())
    assert len(smtps_server.messages) == 1


def test_smtp_settings() -> None:
    assert NotifySettings().smtp_security == "starttls"
    raw: dict[str, Any] = {"notifications": {"smtp_host": "mail.example", "smtp_from": SENDER}}
    settings = NotifySettings.from_config(raw, environ={})
    assert settings.smtp_security == "starttls" and settings.smtp_port_or_default == 25
    raw["notifications"]["smtp_security"] = "tls"
    assert NotifySettings.from_config(raw, environ={}).smtp_port_or_default == 465
    raw["notifications"].update(smtp_security="none", smtp_user=USER)
    with pytest.raises(NotifyConfigError, match="in the clear") as caught:
        NotifySettings.from_config(raw, environ={"PACKSTATION_SMTP_PASSWORD": PASSWORD})
    assert PASSWORD not in str(caught.value)
    raw["notifications"]["smtp_security"] = "ssl"
    with pytest.raises(NotifyConfigError, match="smtp_security must be one of"):
        NotifySettings.from_config(raw, environ={})
    with pytest.raises(NotifyConfigError, match="the value is not shown") as caught:
        NotifySettings(webhook_token=f"{TOKEN}\r\nX-Evil: 1").checked()
    assert TOKEN not in str(caught.value)


# --------------------------------------------------------------------------- secrets


def test_secrets_never_reach_logs_errors_or_output(
    db: Database,
    http_hook: Receiver,
    starttls_server: Mail,
    certs: Certs,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A webhook that echoes the token in its error and an SMTP server that echoes a wrong
    password in its refusal: the errors stored, logged and printed show *** instead."""
    caplog.set_level(logging.DEBUG)
    http_hook.status, http_hook.reason = 401, "no entry for {auth}"
    starttls_server.echo_password = True
    wrong = f"{PASSWORD}-wrong"
    conf = tmp_path / "station.toml"
    conf.write_text(
        "[notifications]\n"
        'channels = ["webhook", "smtp"]\n'
        f'webhook_url = "{http_hook.url}"\n'
        f'smtp_host = "{starttls_server.host}"\n'
        f"smtp_port = {starttls_server.port}\n"
        f'smtp_from = "{SENDER}"\n'
        f'smtp_user = "{USER}"\n'
        f'smtp_ca = "{certs.ca}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PACKSTATION_WEBHOOK_TOKEN", TOKEN)
    monkeypatch.setenv("PACKSTATION_SMTP_PASSWORD", wrong)
    queue(db, "defect:ORD-1005:1", channel="email")
    db.dispose()

    assert main(["notify", "--once", "--config", str(conf), "--db", sqlite_url]) == 0
    assert main(["notify", "list", "--db", sqlite_url]) == 0
    out, err = capsys.readouterr()
    assert "notify: sent 0, retried 0, dead 1" in out  # 401: permanent

    # Both were tried with the secrets, and both answered with them in their errors.
    assert http_hook.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert set(starttls_server.logins) == {(USER.encode(), wrong.encode())}  # PLAIN, LOGIN
    with db.sessions() as s:
        [row] = s.scalars(select(Notification)).all()
    error = row.last_error or ""
    assert "HTTP 401 no entry for Bearer ***" in error and "bad ***" in error
    secrets = {"webhook_token": TOKEN, "smtp_user": USER, "smtp_password": PASSWORD}
    settings = NotifySettings.from_config({"notifications": secrets}, environ={})
    # Our logs, not the test SMTP server's own ("mail.log"), which repeats what it is told.
    fmt = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = [fmt.format(r) for r in caplog.records if not r.name.startswith("mail.log")]
    assert any("notification" in line and "***" in line for line in logged)
    shown = "\n".join([out, err, *logged, error, repr(settings)])
    for secret in (TOKEN, PASSWORD, wrong):
        assert secret not in shown
