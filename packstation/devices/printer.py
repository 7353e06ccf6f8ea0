"""Label printer transports: raw TCP (port 9100), CUPS via `lp`, or a directory.

`send` returns only when the transport accepted the whole label; every failure
is a PrintError with one line naming the target and the cause, so the packer
sees "not printed" and can retry. A label is never reported printed when it
was not. `^MMT` (switch a peel-off printer to tear-off until restart) is
removed from every ZPL label sent, whoever rendered it (never from a PDF or PNG: its
bytes are not printer commands).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from packstation.devices.base import Printer, PrintError
from packstation.filenames import UnsafeFileName, inside

log = logging.getLogger(__name__)

RAW_PORT = 9100
_MMT = re.compile(rb"\^MMT(?:,[YN])?")


#: Documents CUPS converts for the printer (its filters); anything else is printer language.
_FILTERED = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png"}


def document_kind(data: bytes) -> str:
    """ "pdf" or "png" by their signature, else "raw" (ZPL, EPL: for the printer as is).
    The bytes decide, not the name: a marketplace's label is what it is, whatever it is
    called."""
    for magic, kind in _FILTERED.items():
        if data.startswith(magic):
            return kind
    return "raw"


def without_mmt(data: bytes) -> bytes:
    """`data` without ^MMT when it is printer language; a PDF or PNG unchanged."""
    if document_kind(data) != "raw":
        return data
    cleaned = _MMT.sub(b"", data)
    if cleaned != data:
        log.warning("removed ^MMT from a label: it would switch the printer to tear-off mode")
    return cleaned


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return " ".join(str(exc).split()) or type(exc).__name__


class TcpPrinter:
    """Raw ZPL over TCP: connect, send everything, close."""

    def __init__(
        self,
        host: str,
        port: int = RAW_PORT,
        connect_timeout: float = 3.0,
        send_timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.connect_timeout, self.send_timeout = connect_timeout, send_timeout

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    def send(self, data: bytes, name: str) -> None:
        where = f"{self.host}:{self.port}"
        data = without_mmt(data)
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except ConnectionRefusedError:
            raise PrintError(f"printer {where} refused the connection (is it on?)") from None
        except OSError as exc:
            raise PrintError(f"cannot connect to printer {where}: {_reason(exc)}") from None
        try:
            with sock:
                sock.settimeout(self.send_timeout)
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrintError(f"label {name} not sent to printer {where}: {_reason(exc)}") from None


class LpPrinter:
    """CUPS queue via `lp -d QUEUE`, the label on stdin.

    ZPL goes with `-o raw`: it is already the printer's language and a filter would
    print its text. A PDF or PNG goes without it, so CUPS types it and its filters draw
    it for the queue's driver (raw, a PDF reaches a label printer as bytes it cannot read).
    """

    def __init__(self, queue: str, timeout: float = 30.0, lp: str = "lp") -> None:
        self.queue, self.timeout, self.lp = queue, timeout, lp

    @property
    def target(self) -> str:
        return f"lp://{self.queue}"

    def command(self, data: bytes, name: str) -> list[str]:
        """The `lp` command line for this document: `-o raw` for printer language only."""
        raw = ["-o", "raw"] if document_kind(data) == "raw" else []
        return [self.lp, "-d", self.queue, *raw, "-t", name]

    def send(self, data: bytes, name: str) -> None:
        command = self.command(data, name)
        try:
            done = subprocess.run(
                command, input=without_mmt(data), capture_output=True, timeout=self.timeout
            )
        except FileNotFoundError:
            raise PrintError(
                f"cannot print to {self.target}: the `{self.lp}` command is missing "
                "(install the CUPS client)"
            ) from None
        except subprocess.TimeoutExpired:
            raise PrintError(f"{self.target}: lp did not finish in {self.timeout:g} s") from None
        except OSError as exc:
            raise PrintError(f"cannot run {self.lp} for {self.target}: {_reason(exc)}") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            why = lines[0].strip() if lines else f"exit status {done.returncode}"
            raise PrintError(f"{self.target}: {why}")


class DirPrinter:
    """Writes each label as a file (atomically: a reader never sees half a label)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    @property
    def target(self) -> str:
        return f"dir://{self.path}"

    def send(self, data: bytes, name: str) -> None:
        """`name` (from a parcel or order id: order data) names one file in the folder:
        `filenames.safe_file_name` replaces separators, NUL and control characters."""
        try:
            target = inside(self.path, name)
        except UnsafeFileName as exc:
            raise PrintError(f"cannot write label to {self.path}: {exc}") from None
        safe = target.name
        tmp = ""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{safe}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(without_mmt(data))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise PrintError(f"cannot write label to {self.path}: {_reason(exc)}") from None


def open_printer(target: str) -> Printer:
    """`tcp://host[:port]`, `lp://QUEUE` or `dir://path`; a bad target is a PrintError."""
    scheme, sep, rest = target.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "dir" and rest:
        return DirPrinter(rest)
    if sep and scheme == "lp" and rest.strip("/"):
        return LpPrinter(rest.strip("/"))
    if sep and scheme == "tcp":
        try:
            parts = urlsplit(target)
            host, port = parts.hostname, parts.port or RAW_PORT
        except ValueError:
            host = None
        if host:
            return TcpPrinter(host, port)
    raise PrintError(
        f"unknown printer target {target!r}: use tcp://host:port, lp://QUEUE or dir://path"
    )
