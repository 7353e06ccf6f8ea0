"""textual-serve with a door: Host/Origin checks, a badge + PIN sign-in, sessions, TLS.

textual-serve's `Server` builds an aiohttp application whose `/ws` starts an app process
for whoever connects. `WebServer` keeps its pieces (the per-tab `AppService`, the static
files, the page template) and puts two middlewares in front of every route: `guard`
(Host and Origin name this server, `packstation.web.guard`) and `auth` (a live session for
everything but the sign-in page and the static files). A refused request gets 403 and no
app process is started. Logout or an idle session closes the session's sockets and waits
until their app processes have ended. Leads and admins also get an order's packing
evidence, the clip and photos (`packstation.web.evidence_routes`), behind the same door.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, hdrs, web
from aiohttp.typedefs import Handler
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from packstation.clock import Clock, utcnow
from packstation.config import PinLimits
from packstation.models.db import Database
from packstation.web.auth import SignIn, sign_in
from packstation.web.evidence_routes import PAGES as EVIDENCE_PAGES
from packstation.web.evidence_routes import EvidenceRoutes
from packstation.web.guard import Guard
from packstation.web.sessions import CookieSpec, Session, SessionStore, Tab, cookie_spec
from packstation.web.texts import say

log = logging.getLogger("packstation.web")

SESSION = web.RequestKey("packstation_session", Session)
#: Routes served without a session: signing in and out, and textual-serve's static files.
PUBLIC_ROUTES = frozenset({"login", "login_post", "logout", "static"})
#: Seconds an app gets to quit when asked, and again after SIGTERM, before SIGKILL.
STOP_S = 5.0
#: PIN checks at once (scrypt takes memory and a core each): a flood of sign-ins waits.
SIGN_INS_AT_ONCE = 2
#: Headers on every response: no framing by another site, no referrer to other sites, no
#: guessing types. (`no-referrer` would also turn the Origin of our own form posts to "null".)
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def see_other(location: str) -> web.Response:
    """303: after a POST, the browser GETs `location` (a reload does not post again)."""
    return web.Response(status=303, headers={hdrs.LOCATION: location})


class WebServer(Server):
    """One app (the queue, or `station`) per browser tab, for signed-in operators only."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        templates_path: Path,
        db: Database,
        guard: Guard,
        idle_s: int,
        pin_limits: PinLimits,
        locale: str,
        station: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock = utcnow,
        sessions: SessionStore | None = None,
        evidence_dir: Path | None = None,
    ) -> None:
        scheme = "https" if ssl_context is not None else "http"
        super().__init__(
            command,
            host=host,
            port=port,
            title=title,
            public_url=f"{scheme}://{host}:{port}",
            templates_path=templates_path,
        )
        self.db = db
        self.guard = guard
        self.pin_limits = pin_limits
        self.locale = locale
        self.station = station
        self.ssl_context = ssl_context
        self.clock = clock
        #: `[evidence] dir`: clips and photos for leads (None: no evidence configured).
        self.evidence_dir = evidence_dir
        self.sessions = sessions if sessions is not None else SessionStore(idle_s)
        self.cookie: CookieSpec = cookie_spec(port, ssl_context is not None, idle_s)
        #: Seconds an app gets to quit, and again after SIGTERM (tests shorten it).
        self.stop_s = STOP_S
        self._signing = asyncio.Semaphore(SIGN_INS_AT_ONCE)
        self._sweeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Future[None]] = set()

    # --- the application ----------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._guard(request, handler)

        @web.middleware
        async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._auth(request, handler)

        app = web.Application(middlewares=[guard, auth], client_max_size=64 * 1024)
        loader = jinja2.FileSystemLoader(self.templates_path)
        aiohttp_jinja2.setup(app, loader=loader, autoescape=True)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/login", self.handle_login_page, name="login"),
                web.post("/login", self.handle_login, name="login_post"),
                web.post("/logout", self.handle_logout, name="logout"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
                *EvidenceRoutes(self.db, self.evidence_dir, self.locale, SESSION).routes(),
            ]
        )
        app.on_response_prepare.append(self._headers)
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """403 unless Host is served here and Origin, when required or sent, is this server.

        A browser sends Origin with every WebSocket and every POST; a plain navigation (GET)
        may come without one."""
        if not self.guard.host_ok(request.headers.get(hdrs.HOST)):
            log.warning("refused %s %s: Host %r", request.method, request.path, request.host)
            raise web.HTTPForbidden(text="Forbidden: this server is not served under that name.")
        origin = request.headers.get(hdrs.ORIGIN)
        required = request.method not in ("GET", "HEAD") or request.path == "/ws"
        if (origin is not None or required) and not self.guard.origin_ok(origin):
            log.warning("refused %s %s: Origin %r", request.method, request.path, origin)
            raise web.HTTPForbidden(text="Forbidden: cross-origin request.")
        return await handler(request)

    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.name
        if route in PUBLIC_ROUTES:
            return await handler(request)
        session = self.session_of(request)  # an expired one is None (the sweep ends it)
        if session is None:
            if route == "index" or route in EVIDENCE_PAGES:
                raise web.HTTPSeeOther("/login")
            raise web.HTTPForbidden(text="Forbidden: sign in first.")
        self.sessions.touch(session)
        request[SESSION] = session
        return await handler(request)

    async def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(SECURITY_HEADERS)
        if request.match_info.route.name != "static":
            response.headers[hdrs.CACHE_CONTROL] = "no-store"

    def session_of(self, request: web.Request) -> Session | None:
        session = self.sessions.get(request.cookies.get(self.cookie.name))
        return session if session is not None and session.station == self.station else None

    # --- sessions ------------------------------------------------------------------------

    async def end_session(self, session: Session, why: str) -> None:
        """End `session` and, before returning, the app process of each of its tabs."""
        self.sessions.remove(session)
        tabs = list(session.tabs)
        log.info("session of %r ended (%s); closing %d tab(s)", session.badge, why, len(tabs))
        for tab in tabs:
            with contextlib.suppress(Exception):
                await tab.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(tab.done.wait() for tab in tabs)), 3 * self.stop_s + 2
            )

    async def end_expired(self) -> None:
        await asyncio.gather(*(self.end_session(s, "idle") for s in self.sessions.sweep()))

    async def _sweep_forever(self) -> None:
        """End idle sessions (and their tabs' apps) within seconds, open tabs or not."""
        every = max(0.5, min(5.0, self.sessions.idle_s / 4))
        while True:
            await asyncio.sleep(every)
            try:
                await self.end_expired()
            except Exception:
                log.exception("ending idle sessions")

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_startup(self, app: web.Application) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())
        what = f"station {self.station}" if self.station else "the queue"
        served = ", ".join(self.guard.origins())
        print(f"packstation serve: {what} at {served} (sign-in required)", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await asyncio.gather(*(self.end_session(s, "shutdown") for s in self.sessions.all()))
        await asyncio.gather(*self._background, return_exceptions=True)

    # --- pages ---------------------------------------------------------------------------

    def _login_page(
        self, request: web.Request, *, error: str = "", note: str = "", badge: str = "", status: int
    ) -> web.Response:
        title = (
            say("web.title.station", self.locale, station=self.station)
            if self.station
            else say("web.title.queue", self.locale)
        )
        context = {
            "locale": self.locale,
            "title": title,
            "error": error,
            "note": note,
            "badge": badge,
            "badge_label": say("web.badge", self.locale),
            "pin_label": say("web.pin", self.locale),
            "submit": say("web.sign_in", self.locale),
        }
        return aiohttp_jinja2.render_template("login.html", request, context, status=status)

    async def handle_login_page(self, request: web.Request) -> web.StreamResponse:
        if self.session_of(request) is not None:
            raise web.HTTPSeeOther("/")
        note = say("web.ended", self.locale) if "ended" in request.query else ""
        return self._login_page(request, note=note, status=200)

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        badge, pin = str(form.get("badge", "")), str(form.get("pin", ""))
        try:
            async with self._signing:
                result: SignIn = await asyncio.to_thread(
                    sign_in,
                    self.db,
                    badge,
                    pin,
                    station=self.station,
                    limits=self.pin_limits,
                    clock=self.clock,
                )
        except Exception:
            log.exception("sign-in: database error")
            error = say("web.db_down", self.locale)
            return self._login_page(request, error=error, badge=badge, status=503)
        if result.refusal is not None:
            log.info("sign-in refused for %r: %s", badge.strip()[:64], result.refusal.name)
            error = say(result.refusal.value, self.locale, until=result.until)
            status = 403 if result.name else 401
            return self._login_page(request, error=error, badge=badge, status=status)
        old = self.session_of(request)
        if old is not None:  # a new sign-in in this browser replaces the old one
            await self.end_session(old, "replaced")
        session, dropped = self.sessions.create(
            operator_id=result.operator_id,
            badge=result.badge,
            name=result.name,
            role=result.role,
            station=self.station,
        )
        for other in dropped:  # idle, or the oldest when full: not this browser's wait
            self._in_background(self.end_session(other, "idle"))
        log.info("signed in: %r (%s)", result.badge, result.role)
        response = see_other("/")
        response.set_cookie(self.cookie.name, session.token, **self.cookie.attributes())
        return response

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        session = self.session_of(request)
        if session is not None:
            await self.end_session(session, "logout")
        response = see_other("/login?ended")
        response.del_cookie(
            self.cookie.name, path="/", secure=self.cookie.secure, httponly=True, samesite="Strict"
        )
        return response

    async def handle_index(self, request: web.Request) -> web.Response:
        session = request[SESSION]
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": "/ws",  # the page connects to the address it came from
            "config": {"static": {"url": "static/"}},
            "application": {"name": self.title},
            "user": say("web.signed_in", self.locale, name=session.name, role=session.role),
            "sign_out": say("web.sign_out", self.locale),
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        # The cookie's lifetime slides with the session's (a page load is activity).
        response.set_cookie(self.cookie.name, session.token, **self.cookie.attributes())
        return response

    # --- the app behind a tab --------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the tab registered in its session: the session's end
        closes the socket, and the app process ends before the handler returns."""
        session = request[SESSION]
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)

        async def close() -> None:
            await websocket.close()

        tab = Tab(close=close)
        session.tabs.add(tab)
        service: AppService | None = None
        try:
            if self.sessions.expired(session):  # ended while the socket opened
                return websocket
            service = AppService(
                f"exec {self.command}",  # the shell becomes the app: a signal reaches it
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._relay(websocket, service, session)
        except Exception as error:
            log.exception(error)
        finally:
            if service is not None:
                await self._stop_app(service)
            with contextlib.suppress(Exception):
                await websocket.close()
            session.tabs.discard(tab)
            tab.done.set()
        return websocket

    async def _relay(
        self, websocket: web.WebSocketResponse, service: AppService, session: Session
    ) -> None:
        """Browser → app: keys and mouse (activity), size, focus; until the socket or the
        session ends."""
        async for message in websocket:
            if self.sessions.expired(session):
                break
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, KeyError, IndexError):
                continue
            if kind == "stdin" and isinstance(data, str):
                self.sessions.touch(session)
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width, height = data.get("width"), data.get("height")
                if isinstance(width, int) and isinstance(height, int):
                    await service.set_terminal_size(width, height)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _stop_app(self, service: AppService) -> None:
        """Ask the app to quit; past `stop_s`, SIGTERM, then SIGKILL. Returns once it ended."""
        process = service._process
        with contextlib.suppress(Exception):
            await asyncio.wait_for(service.stop(), self.stop_s)
        if process is None:
            return
        for stop in (process.terminate, process.kill):
            try:
                await asyncio.wait_for(process.wait(), self.stop_s)
                return
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    stop()
        await process.wait()

    # --- running -----------------------------------------------------------------------------

    def serve(self, debug: bool = False) -> None:
        """textual-serve's `serve`, with TLS when a certificate was given."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        app: Awaitable[web.Application] = self._make_app()
        web.run_app(
            app,
            host=self.host,
            port=self.port,
            ssl_context=self.ssl_context,
            handle_signals=False,
            loop=loop,
            print=lambda *args: None,
        )
