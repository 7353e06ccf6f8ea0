"""The lead's look at one order's evidence from the queue screen (`v`): the clip the recorder
cut (its file and SHA-256), the defect photos, or "no video" and why; and, where the
browser view (`packstation serve`) is set up, the address that plays it.

The modal never reads the database or the disk on the UI loop: a thread worker calls
`reader` (the queue feed's `order_evidence`, `evidence/lookup.py`) and posts the answer
back. Esc (or `v` again) closes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from packstation.i18n import Msg, t

if TYPE_CHECKING:
    from packstation.evidence.lookup import OrderEvidence, StoredFile
    from packstation.evidence.settings import EvidenceSettings
    from packstation.screens.queue_feed import QueueFeed

__all__ = ["EvidenceScreen", "evidence_lines", "evidence_url"]

#: What the worker hands back: the order's evidence (None: no such order), or an error.
Reader = Callable[[], "OrderEvidence | None"]


def evidence_url(web_url: str | None, order_id: str) -> str | None:
    """The browser view's page of the order: `<web_url>/evidence/<order>`; "" for web_url
    gives the path alone (the server's address is not known here); None: no browser view."""
    if web_url is None:
        return None
    from urllib.parse import quote

    return f"{web_url.rstrip('/')}/evidence/{quote(order_id, safe='')}"


def _file_lines(label: str, stored: StoredFile, locale: str) -> list[tuple[str, str]]:
    where = str(stored.path) if stored.path is not None else stored.name
    lines = [(f"{label}: {where}", "")]
    if stored.path is None:
        lines.append((t(Msg("queue.ev.file_gone"), locale), "yellow"))
    lines.append((f"SHA-256 {stored.sha256 or '-'}", "dim"))
    return lines


def evidence_lines(
    evidence: OrderEvidence | None,
    order_id: str,
    locale: str,
    *,
    url: str | None = None,
    folder: bool = True,
) -> list[tuple[str, str]]:
    """(text, style) lines of the modal's body."""

    def tr(key: str, **params: object) -> str:
        return t(Msg(key, params), locale)

    if evidence is None:
        return [(tr("queue.ev.unknown", order=order_id), "bold red")]
    lines: list[tuple[str, str]] = []
    if evidence.clip is not None:
        lines += _file_lines(tr("queue.ev.clip"), evidence.clip, locale)
    else:
        if evidence.clip_missing:
            why = evidence.clip_missing
        elif evidence.no_video:
            why = tr("queue.ev.claimed_without")
        else:
            why = tr("queue.ev.not_yet")
        lines.append((tr("queue.ev.no_video", why=why), "bold yellow"))
    if evidence.no_video and evidence.clip is not None:
        lines.append((tr("queue.ev.claimed_without"), "yellow"))
    for n, photo in enumerate(evidence.photos, start=1):
        lines += _file_lines(tr("queue.ev.photo", n=n), photo, locale)
    if not evidence.photos:
        lines.append((tr("queue.ev.no_photos"), "dim"))
    if not folder:
        lines.append((tr("queue.ev.no_folder"), "dim"))
    if url is not None and (evidence.clip is not None or evidence.photos):
        lines.append((tr("queue.ev.browser", url=url), "green"))
    return lines


class EvidenceScreen(ModalScreen[None]):
    """One order's evidence; the body fills in when the worker's answer arrives."""

    CSS_PATH = "queue.tcss"
    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("v", "close", show=False),
    ]

    class Loaded(Message):
        def __init__(self, evidence: OrderEvidence | None, error: str = "") -> None:
            super().__init__()
            self.evidence = evidence
            self.error = error

    def __init__(
        self,
        order_id: str,
        reader: Reader,
        locale: str,
        *,
        url: str | None = None,
        folder: bool = True,
    ) -> None:
        super().__init__()
        self.order_id = order_id
        self.reader = reader
        self.locale = locale
        self.url = url
        self.folder = folder
        #: The answer once it arrived (tests wait on it).
        self.loaded: EvidenceScreen.Loaded | None = None

    @classmethod
    def of(
        cls,
        order_id: str,
        feed: QueueFeed,
        settings: EvidenceSettings | None,
        web_url: str | None,
        locale: str,
    ) -> EvidenceScreen:
        """The queue screen's modal: looked up by the feed's database in a thread, files
        under `[evidence] dir` of the config (if any)."""
        folder = settings.dir if settings is not None else None
        return cls(
            order_id,
            lambda: feed.order_evidence(order_id, folder),
            locale,
            url=evidence_url(web_url, order_id),
            folder=folder is not None,
        )

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def compose(self) -> ComposeResult:
        with Vertical(id="ev-box"):
            yield Label(self.tr("queue.ev.title", order=self.order_id), id="ev-title", markup=False)
            yield Static(Text(self.tr("queue.ev.loading"), style="dim"), id="ev-body")
            yield Label(self.tr("queue.ev.keys"), id="ev-keys", markup=False)

    def on_mount(self) -> None:
        def read() -> None:
            try:
                message = self.Loaded(self.reader())
            except Exception as exc:  # the database or the folder: said in the modal
                message = self.Loaded(None, str(exc) or type(exc).__name__)
            self.post_message(message)

        self.run_worker(read, thread=True, group="evidence-lookup", exclusive=True)

    def on_evidence_screen_loaded(self, message: Loaded) -> None:
        self.loaded = message
        if message.error:
            lines = [(self.tr("queue.ev.error", error=message.error), "bold red")]
        else:
            lines = evidence_lines(
                message.evidence, self.order_id, self.locale, url=self.url, folder=self.folder
            )
        body = Text()
        for n, (text, style) in enumerate(lines):
            body.append(("\n" if n else "") + text, style=style)
        self.query_one("#ev-body", Static).update(body)

    def action_close(self) -> None:
        self.dismiss(None)
