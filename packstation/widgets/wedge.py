"""Keyboard-wedge scanning: keystrokes collected at app level until Enter.

Collected outside any `Input` because fast bursts can reach an Input's
bindings out of order (Textual issue #6605). A human typing a code and
pressing Enter is treated the same as a scanner: that is the fallback for an
unreadable barcode.
"""

from __future__ import annotations

MAX_LENGTH = 4096


class WedgeBuffer:
    def __init__(self) -> None:
        self._chars: list[str] = []
        self.overflow = False

    @property
    def text(self) -> str:
        return "".join(self._chars)

    def feed(self, key: str, character: str | None) -> str | None:
        """Feed one key; returns the finished code on Enter (None otherwise)."""
        if key in ("enter", "ctrl+m", "ctrl+j"):
            text, overflow = self.text, self.overflow
            self.clear()
            return None if overflow or not text else text
        if key == "backspace":
            if self._chars:
                self._chars.pop()
            return None
        if key == "escape":
            self.clear()
            return None
        if key == "ctrl+rightsquarebracket" or character == "\x1d":  # GS from HID scanners
            character = "\x1d"
        if character and (character.isprintable() or character == "\x1d"):
            if len(self._chars) >= MAX_LENGTH:
                self.overflow = True
            else:
                self._chars.append(character)
        return None

    def clear(self) -> None:
        self._chars.clear()
        self.overflow = False
