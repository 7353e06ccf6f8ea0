"""The rules of the browser view without a server: which Host and Origin are served, the
session cookie's attributes, and session expiry on an injected clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from packstation.config import ConfigError, load_config
from packstation.web.guard import Guard, valid_name
from packstation.web.sessions import SessionStore, cookie_spec, idle_limit
from packstation.web.settings import web_section

LOOPBACK = Guard.for_bind("127.0.0.1", 8000, tls=False)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000", "[0:0::1]:8000"],
)
def test_loopback_names_on_the_bound_port_are_served(host: str) -> None:
    assert LOOPBACK.host_ok(host)


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8000",  # DNS rebinding: the attacker's name, resolving to 127.0.0.1
        "evil.example",
        "127.0.0.1:8001",  # another port
        "127.0.0.1",  # port 80
        "127.0.0.1.evil.example:8000",
        "127.0.0.1:8000@evil.example",
        "127.0.0.1:8000/",
        "localhost.:8000",
        "127.000.0.1:8000",
        "",
        None,
    ],
)
def test_other_host_headers_are_refused(host: str | None) -> None:
    assert not LOOPBACK.host_ok(host)


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]
)
def test_this_server_is_a_good_origin(origin: str) -> None:
    assert LOOPBACK.origin_ok(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://evil.example:8000",
        "http://127.0.0.1:8001",  # another server on this machine: same site, other origin
        "https://127.0.0.1:8000",  # wrong scheme
        "ws://127.0.0.1:8000",
        "null",  # sandboxed frames, file: pages
        "http://user@127.0.0.1:8000",
        "http://127.0.0.1:8000/path",
        "http://127.0.0.1:99999",
        "",
        None,
    ],
)
def test_other_origins_are_refused(origin: str | None) -> None:
    assert not LOOPBACK.origin_ok(origin)


def test_a_lan_bind_serves_its_address_and_the_given_names_only() -> None:
    guard = Guard.for_bind("192.168.1.20", 8443, tls=True, extra=["Pack-Lead.lan"])
    assert guard.names == {"192.168.1.20", "pack-lead.lan"}
    assert guard.host_ok("pack-lead.lan:8443") and guard.host_ok("192.168.1.20:8443")
    assert guard.origin_ok("https://pack-lead.lan:8443")
    assert not guard.origin_ok("http://pack-lead.lan:8443")  # TLS on: only https
    assert not guard.host_ok("localhost:8443") and not guard.host_ok("other.lan:8443")


def test_a_wildcard_bind_serves_loopback_and_the_given_names() -> None:
    guard = Guard.for_bind("0.0.0.0", 443, tls=True, extra=["pack-lead.lan"])
    assert "0.0.0.0" not in guard.names
    assert guard.host_ok("pack-lead.lan")  # the default port of https
    assert guard.origin_ok("https://pack-lead.lan") and guard.origin_ok("https://localhost")
    assert guard.origins()[0] == "https://127.0.0.1"


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("pack-lead.lan", True),
        ("192.168.1.20", True),
        ("[fe80::1]", True),
        ("pack-lead.lan:8000", False),
        ("http://pack-lead.lan", False),
        ("pack lead", False),
        ("", False),
    ],
)
def test_names_given_explicitly(name: str, ok: bool) -> None:
    assert valid_name(name) is ok


def test_the_cookie_is_httponly_strict_and_secure_under_tls() -> None:
    plain = cookie_spec(8000, tls=False, idle_s=900)
    assert plain.name == "packstation-8000"
    assert plain.attributes() == {
        "max_age": 900,
        "secure": False,
        "httponly": True,
        "samesite": "Strict",
        "path": "/",
    }
    tls = cookie_spec(8443, tls=True, idle_s=300)
    assert tls.name == "__Host-packstation-8443"  # the browser insists on Secure, path /
    assert tls.attributes()["secure"] is True and tls.attributes()["max_age"] == 300


def test_the_idle_limit_is_the_stations_and_never_unlimited() -> None:
    assert idle_limit(600) == 600
    assert idle_limit(0) == 900


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(store: SessionStore, badge: str = "B1", station: str | None = None) -> str:
    session, dropped = store.create(
        operator_id=1, badge=badge, name="N", role="lead", station=station
    )
    assert dropped == []
    return session.token


def test_a_session_ends_after_the_idle_time_and_activity_extends_it() -> None:
    clock = FakeClock()
    store = SessionStore(idle_s=60, clock=clock)
    token = make(store)
    assert len(token) >= 40 and store.get(token) is not None
    clock.now += 59
    session = store.get(token)
    assert session is not None
    store.touch(session)  # a key at the tab
    clock.now += 59
    assert store.get(token) is session
    clock.now += 1
    assert store.get(token) is None  # 60 s idle
    assert store.sweep() == [session] and session.ended and len(store) == 0
    store.touch(session)  # too late: an ended session stays ended
    assert store.get(token) is None


def test_tokens_are_random_and_unknown_ones_find_nothing() -> None:
    store = SessionStore(idle_s=60, clock=FakeClock())
    tokens = {make(store, f"B{i}") for i in range(20)}
    assert len(tokens) == 20
    assert store.get("guess") is None and store.get(None) is None and store.get("") is None


def test_the_oldest_session_makes_room() -> None:
    clock = FakeClock()
    store = SessionStore(idle_s=60, clock=clock, max_sessions=2)
    first = make(store, "B1")
    clock.now += 1
    make(store, "B2")
    session, dropped = store.create(operator_id=3, badge="B3", name="N", role="lead", station=None)
    assert [s.token for s in dropped] == [first] and len(store) == 2
    assert store.get(session.token) is session


def test_the_web_section(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[web]\nnames = ["pack-lead.lan"]\ncert = "tls/web.crt"\nkey = "/k.pem"\n')
    web = web_section(load_config(config))
    assert web.names == ("pack-lead.lan",) and not web.scale
    assert web.cert == tmp_path / "tls" / "web.crt" and web.key == Path("/k.pem")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('names = "pack-lead.lan"', "web.names must be a list of host names or addresses"),
        ('names = ["http://x"]', "web.names must be a list of host names or addresses"),
        ("cert = 5", "web.cert must be a file path"),
        ('scale = "yes"', "web.scale must be true or false"),
    ],
)
def test_a_wrong_web_section_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "station.toml"
    config.write_text(f"[web]\n{text}\n")
    with pytest.raises(ConfigError) as error:
        web_section(load_config(config))
    assert str(error.value) == f"config {config}: {message}"
