"""Printer transports against real listeners, a directory and fake `lp` commands."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.devices.base import PrintError
from packstation.devices.printer import DirPrinter, LpPrinter, TcpPrinter, open_printer

LABEL = b"^XA^PW812^LL1218^FO30,740^BY3,3,150^BCN,150,Y,N,N,A^FDP-1001^FS^XZ"


class Recorder:
    """A raw-9100 printer on 127.0.0.1 that keeps every job it receives."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.append(b"".join(chunks))

    def wait_jobs(self, count: int) -> list[bytes]:
        deadline = time.monotonic() + 3
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.jobs


@pytest.fixture
def listener() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_tcp_sends_the_label_and_never_mmt(listener: Recorder) -> None:
    printer = open_printer(f"tcp://127.0.0.1:{listener.port}")
    printer.send(LABEL, "P-1001.zpl")
    printer.send(b"^XA^MMT^FDx^FS^MMT,N^XZ", "x.zpl")
    assert listener.wait_jobs(2) == [LABEL, b"^XA^FDx^FS^XZ"]
    assert printer.target == f"tcp://127.0.0.1:{listener.port}"


def test_tcp_refused_names_host_port_and_cause() -> None:
    port = free_port()
    with pytest.raises(PrintError, match=rf"127\.0\.0\.1:{port} refused"):
        TcpPrinter("127.0.0.1", port).send(LABEL, "a.zpl")


def test_tcp_printer_that_never_accepts_times_out() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))  # fills the backlog
    try:
        started = time.monotonic()
        with pytest.raises(PrintError, match=rf"127\.0\.0\.1:{port}: timed out"):
            TcpPrinter("127.0.0.1", port, connect_timeout=0.3).send(LABEL, "a.zpl")
        assert time.monotonic() - started < 2
    finally:
        filler.close()
        server.close()


def test_tcp_printer_that_accepts_but_never_reads_times_out() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
    try:
        printer = TcpPrinter("127.0.0.1", port, send_timeout=0.3)
        with pytest.raises(PrintError, match=r"label big\.zpl not sent .*timed out"):
            printer.send(b"^XA" + b"x" * 16_000_000 + b"^XZ", "big.zpl")
    finally:
        for conn in held:
            conn.close()
        server.close()


def test_directory_is_created_and_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "spool" / "labels"
    printer = open_printer(f"dir://{target}")
    printer.send(LABEL, "P-1001.zpl")
    printer.send(b"second", "P-1001.zpl")  # replaced whole, never half-written
    printer.send(LABEL, "../escape.zpl")  # a name cannot leave the directory
    assert sorted(p.name for p in target.iterdir()) == ["P-1001.zpl", "_escape.zpl"]
    assert (target / "P-1001.zpl").read_bytes() == b"second"


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("../../etc/x.zpl", "_.._etc_x.zpl"),
        ("a/b.zpl", "a_b.zpl"),
        ("/etc/passwd", "_etc_passwd"),
        ("..\\..\\win.ini", "_.._win.ini"),
        ("x\x00y.zpl", "x_y.zpl"),
        ("\x1b[2J\r\n.zpl", "_[2J__.zpl"),
        (".hidden.zpl", "hidden.zpl"),
        ("ЗАКАЗ-1.zpl", "ЗАКАЗ-1.zpl"),
    ],
)
def test_hostile_label_names_stay_in_the_directory(tmp_path: Path, name: str, written: str) -> None:
    # Label and document file names are made from parcel and order ids: order data.
    target = tmp_path / "spool"
    open_printer(f"dir://{target}").send(LABEL, name)
    assert [p.name for p in target.iterdir()] == [written]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["spool", written])


@pytest.mark.parametrize("name", ["", "..", ".", "...", " . ", "x" * 300 + ".zpl"])
def test_names_that_cannot_be_a_file_are_a_print_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(PrintError, match=r"cannot write label to .*(no file name|longer than)"):
        DirPrinter(tmp_path / "spool").send(LABEL, name)
    assert not (tmp_path / "spool").exists() or not any((tmp_path / "spool").iterdir())


def test_unwritable_directory_is_a_print_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PrintError, match="cannot write label"):
        DirPrinter(blocker / "sub").send(LABEL, "a.zpl")


def test_lp_missing_is_a_print_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintError, match="`lp` command is missing"):
        open_printer("lp://Zebra_GK420").send(LABEL, "a.zpl")


def fake_lp(tmp_path: Path, body: str) -> str:
    script = tmp_path / "lp"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_lp_gets_queue_raw_option_and_data_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "job"
    lp = fake_lp(tmp_path, f'echo "$@" > {out}.args\ncat > {out}\n')
    LpPrinter("Zebra_GK420", lp=lp).send(LABEL, "P-1001.zpl")
    assert out.read_bytes() == LABEL
    assert out.with_suffix(".args").read_text().split() == [
        "-d",
        "Zebra_GK420",
        "-o",
        "raw",
        "-t",
        "P-1001.zpl",
    ]


def label_pdf() -> bytes:
    """A marketplace-style PDF label; uncompressed, so "^MMT" in its text is in its bytes."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(58, 40))
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.text(5, 10, "POSTING 77-1 ^MMT")
    return bytes(pdf.output())


def label_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (203, 152), 1).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def lp_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real `lp` program first on PATH: it writes its argv (one per line) and its stdin."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    job = tmp_path / "job"
    fake_lp(bin_dir, f"printf '%s\\n' \"$@\" > {job}.argv\ncat > {job}\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return job


@pytest.mark.parametrize(
    ("kind", "name", "options"),
    [
        ("zpl", "P-1001.zpl", ["-o", "raw"]),  # printer language: as is, no filter
        ("pdf", "77-1 label.pdf", []),  # CUPS types it and its filters draw it
        ("png", "77-1.png", []),
    ],
)
def test_lp_command_line_per_document_kind(
    lp_on_path: Path, kind: str, name: str, options: list[str]
) -> None:
    data = {"zpl": LABEL, "pdf": label_pdf(), "png": label_png()}[kind]
    assert kind != "pdf" or b"^MMT" in data
    open_printer("lp://Zebra_GK420").send(data, name)
    argv = lp_on_path.with_suffix(".argv").read_text().splitlines()
    assert argv == ["-d", "Zebra_GK420", *options, "-t", name]
    assert lp_on_path.read_bytes() == data  # a PDF keeps even a "^MMT" in its text


def test_lp_strips_mmt_from_zpl_only(lp_on_path: Path) -> None:
    open_printer("lp://Zebra_GK420").send(b"^XA^MMT^FDx^FS^XZ", "a.zpl")
    assert lp_on_path.read_bytes() == b"^XA^FDx^FS^XZ"


def test_lp_failure_reports_the_first_stderr_line(tmp_path: Path) -> None:
    lp = fake_lp(
        tmp_path,
        'cat >/dev/null\necho "lp: The printer or class does not exist." >&2\n'
        'echo "second line" >&2\nexit 1\n',
    )
    with pytest.raises(PrintError) as info:
        LpPrinter("Nope", lp=lp).send(LABEL, "a.zpl")
    assert str(info.value) == "lp://Nope: lp: The printer or class does not exist."


def test_lp_that_hangs_times_out(tmp_path: Path) -> None:
    lp = fake_lp(tmp_path, "exec sleep 5\n")
    with pytest.raises(PrintError, match="did not finish"):
        LpPrinter("Q", timeout=0.3, lp=lp).send(LABEL, "a.zpl")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("tcp://10.0.0.5", "tcp://10.0.0.5:9100"),
        ("tcp://printer.local:6101", "tcp://printer.local:6101"),
        ("tcp://[::1]:9100", "tcp://[::1]:9100"),
        ("lp://Zebra", "lp://Zebra"),
        ("dir:///var/spool/packstation", "dir:///var/spool/packstation"),
    ],
)
def test_open_printer_targets(target: str, expected: str) -> None:
    assert open_printer(target).target == expected


@pytest.mark.parametrize("target", ["", "9100", "http://x", "tcp://", "lp://", "tcp://h:port"])
def test_bad_targets_are_one_line_errors(target: str) -> None:
    with pytest.raises(PrintError, match="unknown printer target"):
        open_printer(target)


def test_dir_target_is_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    open_printer("dir://out").send(LABEL, "a.zpl")
    assert (tmp_path / "out" / "a.zpl").read_bytes() == LABEL
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path / "out"))
