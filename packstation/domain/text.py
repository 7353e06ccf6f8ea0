"""Showing untrusted text (scanned codes, file contents) literally."""

from __future__ import annotations

import unicodedata


def printable(text: str, *, limit: int = 200) -> str:
    """Control characters become visible escapes (GS as <GS>) so a code can never
    move the cursor or clear the screen; long texts are cut with an ellipsis."""
    out = []
    for ch in text:
        if ch == "\x1d":
            out.append("<GS>")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != " ":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
