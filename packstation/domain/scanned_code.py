"""The value a scan is read into (`ScannedCode`); `codes` parses into it and re-exports it."""

from __future__ import annotations

import datetime
import enum

from msgspec import Struct

__all__ = ["CodeKind", "ScannedCode", "short"]

_ERROR_MAX = 200  # biip messages quote the input; keep them readable


class CodeKind(enum.StrEnum):
    """What a scan is, as far as the code alone can tell; TEXT is resolved by context."""

    COMMAND = "command"  # CMD:<NAME>
    BOX = "box"  # BOX:<TYPE>
    DOCUMENT = "document"  # DOC:<KIND>:<ORDER-ID>
    TARIFF = "tariff"  # TARIFF:<CARRIER>:<TARIFF> (a lead's carrier override)
    GTIN = "gtin"  # EAN-8/13, UPC-A/E, GTIN-14
    GS1 = "gs1"  # GS1 element string that is not a marking code
    MARKING = "marking"  # Chestny ZNAK: 01 + 21 (+ 91/92 or 93), tobacco packs
    SSCC = "sscc"  # AI 00 or a bare 18-digit SSCC
    TEXT = "text"  # Code128 free text: SKU, badge, order id, tote, parcel id
    INVALID = "invalid"  # looked like a code but is broken; errors say why
    EMPTY = "empty"


class ScannedCode(Struct, frozen=True):
    """One scan, interpreted. Immutable so it can be logged and passed around safely.

    ``raw`` is the input minus trailing CR/LF; ``text`` is the payload without AIM
    prefix and control characters (GS kept), safe to show literally. ``gtin`` is
    always 14 digits. ``command`` holds the command name, the box code
    (``BOX:S``), the document kind or the tariff (``OZON-COURIER:EXPRESS``,
    upper-cased). Only MARKING codes have ``identity`` and
    ``crypto_tail``.
    """

    raw: str
    text: str
    kind: CodeKind
    symbology: str
    aim: str | None = None
    gtin: str | None = None
    serial: str | None = None
    batch: str | None = None
    expiry: datetime.date | None = None
    sscc: str | None = None
    identity: str | None = None
    crypto_tail: str | None = None
    command: str | None = None
    order_ref: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the code can be acted on (possibly after a context lookup)."""
        return self.kind not in (CodeKind.INVALID, CodeKind.EMPTY) and not self.errors

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view for logs and the CLI; ``raw`` and the crypto tail are left out."""
        return {
            "symbology": self.symbology,
            "kind": self.kind.value,
            "gtin": self.gtin,
            "serial": self.serial,
            "batch": self.batch,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "sscc": self.sscc,
            "identity": self.identity,
            "aim": self.aim,
            "command": self.command,
            "order_ref": self.order_ref,
            "text": self.text,
            "errors": list(self.errors),
        }


def short(message: str) -> str:
    return message if len(message) <= _ERROR_MAX else message[: _ERROR_MAX - 1] + "…"
