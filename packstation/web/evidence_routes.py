"""An order's evidence in the browser, for leads and admins signed in to `packstation serve`.

    GET /evidence                        a form: which order
    GET /evidence/<order>                the clip (a <video>) and photos, with their SHA-256
    GET /evidence/<order>/clip.mp4       the clip the recorder cut (Range: a player seeks)
    GET /evidence/<order>/photo-<n>.jpg  the order's n-th defect photo

Behind the server's middlewares like every route (Host/Origin guard, a live session: pages
redirect to the sign-in, files get 403), then the role: a packer's session gets 403. The
order id in the address is only looked up, never joined to a path: the files are the ones
the order's events name, inside `[evidence] dir` (`evidence/lookup.py`), else 404. The
database and the file system are read in a thread, and aiohttp's `FileResponse` sends the
file (ranges, 206/416) without blocking the loop.
"""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from packstation.evidence.lookup import OrderEvidence, order_evidence
from packstation.models.db import Database
from packstation.models.operators_repo import LEAD_ROLES
from packstation.web.sessions import Session
from packstation.web.texts import say

__all__ = ["MAX_ORDER_ID", "PAGES", "EvidenceRoutes", "valid_order_id"]

#: Longer is no order id (the column holds 64): refused before the database.
MAX_ORDER_ID = 64
#: Routes that redirect to the sign-in page without a session (the files get 403).
PAGES = frozenset({"evidence_find", "evidence"})


def valid_order_id(text: str) -> bool:
    """Something that can be an order id: not empty, not too long, no separators, no control
    characters, not `.` or `..`."""
    if not text or len(text) > MAX_ORDER_ID or text in (".", ".."):
        return False
    return not any(ch in "/\\" or unicodedata.category(ch)[0] == "C" for ch in text)


class EvidenceRoutes:
    def __init__(
        self, db: Database, evidence_dir: Path | None, locale: str, session_key: Any
    ) -> None:
        self.db = db
        self.evidence_dir = evidence_dir
        self.locale = locale
        self.session_key = session_key

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/evidence", self.handle_find, name="evidence_find"),
            web.get("/evidence/{order}", self.handle_page, name="evidence"),
            web.get("/evidence/{order}/clip.mp4", self.handle_clip, name="evidence_clip"),
            web.get(
                r"/evidence/{order}/photo-{n:[1-9][0-9]{0,3}}.jpg",
                self.handle_photo,
                name="evidence_photo",
            ),
        ]

    # --- the door ------------------------------------------------------------------------

    def _lead(self, request: web.Request) -> Session:
        session: Session = request[self.session_key]
        if session.role not in LEAD_ROLES:
            raise web.HTTPForbidden(text=say("web.evidence.leads_only", self.locale))
        return session

    async def _evidence(self, request: web.Request) -> OrderEvidence:
        self._lead(request)
        order = request.match_info["order"]
        if not valid_order_id(order):
            raise web.HTTPBadRequest(text="Bad request: not an order id.")
        if self.evidence_dir is None:
            raise web.HTTPNotFound(text=say("web.evidence.off", self.locale))
        folder = self.evidence_dir

        def look() -> OrderEvidence | None:
            with self.db.sessions() as session:
                return order_evidence(session, order, folder)

        found = await asyncio.to_thread(look)
        if found is None:
            raise web.HTTPNotFound(text=say("web.evidence.unknown", self.locale))
        return found

    # --- pages -----------------------------------------------------------------------------

    async def handle_find(self, request: web.Request) -> web.StreamResponse:
        self._lead(request)
        order = request.query.get("order", "").strip()
        if order:
            if not valid_order_id(order):
                raise web.HTTPBadRequest(text="Bad request: not an order id.")
            raise web.HTTPSeeOther(f"/evidence/{quote(order, safe='')}")
        return self._render(request, None)

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        return self._render(request, await self._evidence(request))

    def _render(self, request: web.Request, found: OrderEvidence | None) -> web.Response:
        t = {
            key: say(f"web.evidence.{key}", self.locale)
            for key in ("title", "order", "open", "clip", "no_clip", "photos", "no_video", "gone")
        }
        context = {
            "locale": self.locale,
            "t": t,
            "found": found,
            "order_url": quote(found.order_id, safe="") if found else "",
        }
        return aiohttp_jinja2.render_template("evidence.html", request, context)

    # --- files -----------------------------------------------------------------------------

    async def handle_clip(self, request: web.Request) -> web.StreamResponse:
        found = await self._evidence(request)
        if found.clip is None or found.clip.path is None:
            raise web.HTTPNotFound(text=say("web.evidence.no_clip", self.locale))
        return self._file(found.clip.path, "video/mp4", f"{found.clip.name}")

    async def handle_photo(self, request: web.Request) -> web.StreamResponse:
        found = await self._evidence(request)
        n = int(request.match_info["n"])
        photo = found.photos[n - 1] if n <= len(found.photos) else None
        if photo is None or photo.path is None:
            raise web.HTTPNotFound(text=say("web.evidence.gone", self.locale))
        return self._file(photo.path, "image/jpeg", photo.name)

    @staticmethod
    def _file(path: Path, content_type: str, name: str) -> web.FileResponse:
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "_") or "evidence"
        return web.FileResponse(
            path,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'inline; filename="{ascii_name}"',
            },
        )
