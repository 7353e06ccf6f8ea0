"""Which `Host` and `Origin` a request may carry: only the addresses this server serves.

Browsers let any page open a WebSocket to 127.0.0.1 (a WebSocket has no same-origin policy,
the server must check `Origin` itself), and a DNS-rebinding page reaches a loopback server
under its own name (`Host: evil.example:8000`). So every request must name one of the served
addresses in `Host`, and `Origin`, when a browser sends one, must be this server itself. The
served names: the bound `--host` (unless it is a wildcard such as 0.0.0.0), localhost,
127.0.0.1 and [::1] when bound to loopback or a wildcard, and the names given explicitly
(`--public-name`, `[web] names`), each on the bound port only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Loopback names a browser on this machine may use for a loopback (or wildcard) bind.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Bind addresses that listen on every interface: no browser types them.
WILDCARDS = frozenset({"", "0.0.0.0", "::"})

# A Host header: a DNS name or IPv4 address, or a bracketed IPv6 address; then a port.
_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
                   r"(?::(?P<port>[0-9]{1,5}))?")  # fmt: skip


def normalise(name: str) -> str:
    """A host name as compared: lower case, IPv6 without brackets, IP addresses canonical."""
    bare = name.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(bare).compressed
    except ValueError:
        return bare


def is_loopback(host: str) -> bool:
    if normalise(host) == "localhost":
        return True
    try:
        return ipaddress.ip_address(normalise(host)).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return normalise(host) in WILDCARDS


def valid_name(name: str) -> bool:
    """Is `name` something a browser can put in `Host` (a DNS name or an IP address)?"""
    match = _HOST.fullmatch(name.strip())
    return match is not None and match["port"] is None


@dataclass(frozen=True, slots=True)
class Guard:
    """The served names and port, and whether the server speaks TLS (the scheme of Origin)."""

    names: frozenset[str]
    port: int
    tls: bool

    @classmethod
    def for_bind(cls, host: str, port: int, tls: bool, extra: Iterable[str] = ()) -> Guard:
        names = {normalise(n) for n in extra}
        if not is_wildcard(host):
            names.add(normalise(host))
        if is_loopback(host) or is_wildcard(host):
            names.update(LOOPBACK_NAMES)
        return cls(frozenset(names), port, tls)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def _served(self, name: str, port: int | None) -> bool:
        default = 443 if self.tls else 80
        return normalise(name) in self.names and (port or default) == self.port

    def host_ok(self, host: str | None) -> bool:
        """Does the `Host` header name this server (not a rebinding attacker's name)?"""
        match = _HOST.fullmatch(host or "")
        if match is None:
            return False
        port = int(match["port"]) if match["port"] else None
        return self._served(match["name"], port)

    def origin_ok(self, origin: str | None) -> bool:
        """Is `Origin` this server (same scheme, served name, bound port)? `None` is not."""
        if not origin:
            return False
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme != self.scheme or parts.hostname is None:
            return False
        if parts.username is not None or parts.path not in ("", "/") or parts.query:
            return False
        return self._served(parts.hostname, port)

    def origins(self) -> list[str]:
        """The served origins, for the startup banner and error messages."""
        default = 443 if self.tls else 80
        port = "" if self.port == default else f":{self.port}"
        hosts = sorted(f"[{n}]" if ":" in n else n for n in self.names)
        return [f"{self.scheme}://{h}{port}" for h in hosts]
