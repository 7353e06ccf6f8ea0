"""COPYs on a thread of their own: the server stores one chunk while the import parses
the next.

An order import on PostgreSQL spends about as long waiting for the server to take its
COPYs (foreign-key checks and index entries, at the end of each COPY) as it spends
parsing and validating in Python. Here the rows are formatted in the caller's thread
(psycopg's own text formatter, so the server gets exactly what ``Copy.write_row`` would
send) and a thread of this pipeline sends them and waits for the server: it holds the GIL
only to hand psycopg a buffer, so the caller keeps parsing meanwhile. Everything stays on
one connection, in one transaction, in the order submitted; every other statement on the
connection waits for `drain` first, so it sees every row handed over before it
(benchmarks/import_process.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["CopyPipeline"]

_STOP = None


def _row_formatter(dbapi_connection: Any) -> Callable[[Sequence[Any], bytearray], None] | None:
    """psycopg's text COPY row formatter bound to the connection's adapters, or None where
    this psycopg does not have it where 3.1 to 3.3 keep it (rows are then sent by
    ``write_row`` on the pipeline's thread: slower, the same rows)."""
    try:
        from psycopg import adapt
        from psycopg._copy_base import format_row_text
    except ImportError:
        return None
    transformer = adapt.Transformer(dbapi_connection)

    def format_row(row: Sequence[Any], out: bytearray) -> None:
        format_row_text(row, transformer, out)

    return format_row


class CopyPipeline:
    """Runs ``COPY ... FROM STDIN`` jobs on `dbapi_connection` (psycopg 3), one at a time,
    in the order submitted. The first failure is kept, the jobs after it are skipped (the
    transaction is aborted anyway), and `drain` raises it in the submitting thread."""

    def __init__(self, dbapi_connection: Any) -> None:
        self._conn = dbapi_connection
        self._format = _row_formatter(dbapi_connection)
        # A few chunks' rows at most wait in memory: a fast parser does not outrun the server.
        self._jobs: queue.Queue[tuple[str, Any] | None] = queue.Queue(16)
        self._error: BaseException | None = None
        self._failed = False  # a failure was raised: what is queued after it is skipped
        self._thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
        self._thread.start()

    def submit(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self._raise()
        if self._format is None:
            self._jobs.put((sql, rows))
            return
        data = bytearray()
        format_row = self._format
        for row in rows:
            format_row(row, data)
        self._jobs.put((sql, data))

    def drain(self) -> None:
        """Wait until every job submitted has run; raise the first failure."""
        self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Stop the thread; jobs still queued are skipped (after `drain` there are none:
        else the import failed and its transaction is rolled back). Raises nothing: the
        caller's own error, if any, is the one to report."""
        self._failed = True
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._failed = True
            raise error

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is _STOP:
                    return
                if self._error is None and not self._failed:
                    self._copy(*job)
            except BaseException as e:  # handed to the submitting thread by `drain`
                self._error = e
            finally:
                self._jobs.task_done()

    def _copy(self, sql: str, payload: Any) -> None:
        with self._conn.cursor() as cursor, cursor.copy(sql) as copy:
            if isinstance(payload, bytearray):
                copy.write(payload)
            else:
                for row in payload:
                    copy.write_row(row)
