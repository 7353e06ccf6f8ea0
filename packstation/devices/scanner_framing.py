"""Cutting a scanner's byte stream into codes (pure: no I/O, time passed in).

A frame ends at the configured suffix, or, with no suffix, after an
inter-character gap. The prefix is stripped; control bytes other than GS (FNC1)
are dropped so a code can never move the cursor; AIM prefixes such as `]E0`
stay in the text for the code parser. Frames over `max_frame` bytes are
discarded and returned as a marker, so the driver can warn the packer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

GS = 0x1D
SUFFIX_NAMES: dict[str, bytes] = {
    "cr": b"\r",
    "lf": b"\n",
    "crlf": b"\r\n",
    "tab": b"\t",
    "none": b"",
}
SUFFIX_LITERALS = ("\r", "\n", "\r\n", "\t", "")
# Bytes that are never part of a code: C0 controls except GS, and DEL.
_DROP = bytes(b for b in range(0x20) if b != GS) + b"\x7f"


def parse_suffix(suffix: str) -> bytes:
    """Config spelling (`CR`, `"\\r"`, `none`, ...) to terminator bytes; b"" means gap."""
    if suffix in SUFFIX_LITERALS:
        return suffix.encode()
    name = suffix.strip().lower()
    if name in SUFFIX_NAMES:
        return SUFFIX_NAMES[name]
    raise ValueError(f"unknown scanner suffix {suffix!r}: use CR, LF, CRLF, TAB or none")


def clean_text(data: bytes) -> str:
    """Bytes of one code to display-safe text: controls but GS dropped, UTF-8 with replacement."""
    text = data.translate(None, _DROP).decode("utf-8", errors="replace")
    return "".join(ch for ch in text if ch == "\x1d" or ch.isprintable())


@dataclass(frozen=True)
class Frame:
    """One code, or (`discarded=True`, empty text) the marker of an oversized frame."""

    text: str
    raw: bytes = b""
    discarded: bool = False


class ScanFramer:
    def __init__(
        self,
        suffix: str = "CR",
        prefix: str = "",
        gap_s: float = 0.05,
        max_frame: int = 4096,
        stale_s: float = 1.0,
    ) -> None:
        self.terminator = parse_suffix(suffix)
        self.prefix = prefix.encode("utf-8")
        self.gap_s = gap_s
        self.max_frame = max_frame
        # With a suffix, a partial frame older than this is dropped so that line
        # noise at plug-in is not glued to the next code.
        self.stale_s = stale_s
        self.frames = 0
        self.oversize = 0
        self.stale = 0
        self._buf = bytearray()
        self._skipping = False  # inside an oversized frame: drop until it ends
        self._last = 0.0

    @property
    def gap_mode(self) -> bool:
        return not self.terminator

    def reset(self) -> None:
        self._buf.clear()
        self._skipping = False

    def feed(self, data: bytes, now: float) -> list[Frame]:
        out = self.flush(now)
        if not data:
            return out
        self._last = now
        if self.gap_mode:
            self._buf += data
            self._check_size(out)
            return out
        self._buf += data
        term = self.terminator
        while (idx := self._buf.find(term)) >= 0:
            chunk = bytes(self._buf[:idx])
            del self._buf[: idx + len(term)]
            if self._skipping:
                self._skipping = False
                continue
            self._finish(chunk, out)
        self._check_size(out)
        return out

    def flush(self, now: float) -> list[Frame]:
        """End a gap-terminated frame (or drop a stale partial one) once the line is quiet."""
        out: list[Frame] = []
        quiet = now - self._last
        if self.gap_mode:
            if quiet >= self.gap_s:
                if self._buf and not self._skipping:
                    self._finish(bytes(self._buf), out)
                self.reset()
        elif quiet >= self.stale_s and (self._buf or self._skipping):
            if clean_text(bytes(self._buf)).strip():
                self.stale += 1
                log.warning(
                    "scanner: dropped %d bytes without the %r suffix; check the scanner's "
                    "suffix setting",
                    len(self._buf),
                    self.terminator,
                )
            self.reset()
        return out

    def _check_size(self, out: list[Frame]) -> None:
        if not self._skipping and len(self._buf) > self.max_frame:
            self._discard(len(self._buf), out)
            self._skipping = True
        if self._skipping:
            keep = len(self.terminator) - 1  # a CRLF may be split across reads
            del self._buf[: len(self._buf) - keep if keep else None]

    def _finish(self, chunk: bytes, out: list[Frame]) -> None:
        if len(chunk) > self.max_frame:
            self._discard(len(chunk), out)
            return
        body = chunk[len(self.prefix) :] if self.prefix and chunk.startswith(self.prefix) else chunk
        text = clean_text(body)
        if text:
            self.frames += 1
            out.append(Frame(text, chunk))

    def _discard(self, size: int, out: list[Frame]) -> None:
        self.oversize += 1
        log.warning("scanner: discarded a frame over %d bytes (%d+)", self.max_frame, size)
        out.append(Frame("", b"", discarded=True))
