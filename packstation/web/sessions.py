"""Browser sessions of `packstation serve`: who signed in, kept in this process's memory only.

A session is a random token (`secrets.token_urlsafe`) in an HttpOnly, SameSite=Strict cookie
(Secure, and `__Host-` named, under TLS). It ends after `idle_s` without activity (a page
request, or a key or mouse event from a tab), at logout, or when the server stops: nothing is
written to disk, so a restart signs everyone out. Time is `time.monotonic` (an interval, not
the wall clock), injectable for tests.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

#: An idle browser session ends after `[station] idle_logout_s`; a station that never logs
#: out by itself (0) still gets this limit in a browser.
DEFAULT_IDLE_S = 900
#: Sessions kept at most (each needs a right PIN): the oldest idle one makes room.
MAX_SESSIONS = 500


def idle_limit(idle_logout_s: int) -> int:
    """Seconds a browser session may stay idle: the station's idle logout, never "never"."""
    return idle_logout_s if idle_logout_s > 0 else DEFAULT_IDLE_S


@dataclass(frozen=True, slots=True)
class CookieSpec:
    """The session cookie's name and attributes (see `cookie_spec`)."""

    name: str
    max_age: int
    secure: bool
    httponly: bool = True
    samesite: str = "Strict"
    path: str = "/"

    def attributes(self) -> dict[str, Any]:
        """Keyword arguments for aiohttp's `Response.set_cookie`."""
        return {
            "max_age": self.max_age,
            "secure": self.secure,
            "httponly": self.httponly,
            "samesite": self.samesite,
            "path": self.path,
        }


def cookie_spec(port: int, tls: bool, idle_s: int) -> CookieSpec:
    """The cookie for a server on `port`.

    Cookies are not kept apart by port, so the name carries it: a queue on 8000 and a
    station on 8001 in one browser keep their own sessions. Under TLS the `__Host-` prefix
    makes the browser refuse the cookie unless Secure, for path / and without a Domain.
    """
    base = f"packstation-{port}"
    return CookieSpec(f"__Host-{base}" if tls else base, max_age=idle_s, secure=tls)


@dataclass(eq=False, slots=True)
class Tab:
    """One browser tab's WebSocket and the app process behind it (`done` once it ended)."""

    close: Callable[[], Awaitable[object]]
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False, slots=True)
class Session:
    token: str
    operator_id: int
    badge: str
    name: str
    role: str
    #: The station this session may open (`serve --station ID`); None at the queue server.
    station: str | None
    last_seen: float
    tabs: set[Tab] = field(default_factory=set)
    ended: bool = False


class SessionStore:
    def __init__(
        self,
        idle_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._max = max_sessions
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def create(
        self, *, operator_id: int, badge: str, name: str, role: str, station: str | None
    ) -> tuple[Session, list[Session]]:
        """A new session, and the ones dropped to make room (the caller ends their tabs)."""
        dropped = self.sweep()
        while len(self._sessions) >= self._max:
            oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
            dropped.append(self.remove(oldest))
        token = secrets.token_urlsafe(32)
        session = Session(token, operator_id, badge, name, role, station, self._clock())
        self._sessions[token] = session
        return session, dropped

    def expired(self, session: Session) -> bool:
        return session.ended or self._clock() - session.last_seen >= self.idle_s

    def get(self, token: str | None) -> Session | None:
        """The live session of `token`; an expired one is not returned (`sweep` ends it)."""
        session = self._sessions.get(token or "")
        if session is None or self.expired(session):
            return None
        return session

    def touch(self, session: Session) -> None:
        """Activity: the idle time starts again."""
        if not self.expired(session):
            session.last_seen = self._clock()

    def remove(self, session: Session) -> Session:
        self._sessions.pop(session.token, None)
        session.ended = True
        return session

    def sweep(self) -> list[Session]:
        """Take the expired sessions out (ended) and return them, so their tabs are closed."""
        return [self.remove(s) for s in list(self._sessions.values()) if self.expired(s)]

    def all(self) -> list[Session]:
        return list(self._sessions.values())
