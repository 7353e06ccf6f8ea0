"""A private PostgreSQL cluster that a test creates, stops, starts and throws away.

The shared test server (`PACKSTATION_TEST_PG`) must never be restarted by a
test; this one belongs to the test alone: its own data directory and socket
directory under /tmp, 127.0.0.1 on a free port, trust authentication, fsync on.

initdb and postgres refuse to run as root: as root the binaries run as the
``postgres`` system user (``runuser``), otherwise as the current user. Without
the binaries (or, as root, without ``runuser`` or the ``postgres`` user) the
test is skipped with the reason; with ``PACKSTATION_TEST_PG`` set (CI) that is
a failure instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest

from tests.conftest import PG_ENV

#: Where the server binaries are looked for, newest version first (or $PACKSTATION_PG_BINDIR).
BINDIR_ENV = "PACKSTATION_PG_BINDIR"
BINDIR_GLOB = "/usr/lib/postgresql/*/bin"
RUN_AS = "postgres"


def _bindir() -> Path | None:
    wanted = os.environ.get(BINDIR_ENV)
    candidates = [wanted] if wanted else sorted(glob.glob(BINDIR_GLOB), key=_version, reverse=True)
    for candidate in candidates:
        path = Path(candidate)
        if all(os.access(path / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.name
    return tuple(int(x) for x in part.split(".") if x.isdigit()) or (0,)


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unavailable() -> str | None:
    """Why no private cluster can be made here, or None."""
    if _bindir() is None:
        return f"no PostgreSQL server binaries in {os.environ.get(BINDIR_ENV) or BINDIR_GLOB}"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing (initdb refuses to run as root)"
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no `{RUN_AS}` user to run PostgreSQL as"
    return None


class PgCluster:
    """One initdb'd data directory and its server, owned by the test."""

    def __init__(self, base: Path, bindir: Path) -> None:
        self.base = base
        self.bindir = bindir
        self.data = base / "data"
        self.sockets = base / "sock"
        self.log = base / "server.log"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://{RUN_AS}@127.0.0.1:{self.port}/postgres"
        self._as_user = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 120.0) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_user:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}
        done = subprocess.run(
            command,
            cwd=self.base,  # pg_ctl must be able to read its working directory
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"{self.server_log()}"
            )

    def server_log(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self) -> None:
        self.sockets.mkdir()
        if self._as_user:
            user = pwd.getpwnam(RUN_AS)
            for path in (self.base, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", RUN_AS, "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# packstation test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "full_page_writes = on\n"
                "max_connections = 30\n"
                "shared_buffers = 16MB\n"
                "timezone = 'UTC'\n"
            )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: sessions are cut, a clean shutdown; ``immediate``: like a crash (the
        next start runs WAL recovery)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def private_cluster() -> Iterator[PgCluster]:
    """A started private cluster, stopped and deleted afterwards (or a skip / failure)."""
    reason = unavailable()
    if reason is not None:
        if os.environ.get(PG_ENV):
            pytest.fail(f"{PG_ENV} is set but no private PostgreSQL cluster can be made: {reason}")
        pytest.skip(f"private PostgreSQL cluster: {reason}")
    bindir = _bindir()
    assert bindir is not None
    base = Path(tempfile.mkdtemp(prefix="packstation-pg-"))
    cluster = PgCluster(base, bindir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
