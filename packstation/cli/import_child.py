"""A large order file's orders prepared in a process of their own while this one writes.

Reading, validating and hashing an order, and making its rows
(`domain/intake/rows.prepare_chunk`), costs about as much CPU as the driver spends
writing them, and under one interpreter lock the two never overlap (a writer thread was
tried: SQLite's executemany takes the lock for every row's bind,
benchmarks/import_process.py). In two processes they do: the child prepares chunk k+1
while the parent writes chunk k.

The child is forked (Linux) as soon as the command knows its file, before the parent has
loaded SQLAlchemy: the parent loads it to open the database while the child already reads
the file. On PostgreSQL through psycopg the child never loads it: the rows go by COPY,
whose formats are known without it (`copy_formats`); on SQLite the child loads it on a
core of its own to make rows as SQLite's processors would. So this module loads nothing
heavy itself: `setup`, called in whichever process prepares, makes the validator and the
row formats. The child sends each chunk's rows back as plain tuples (the orders
themselves would cost more to pickle than to prepare); the pipe keeps it at most about a
chunk ahead, so memory stays that of a chunk or two. It never touches the parent's
database connection (it has none when forked) and ends without running the parent's
clean-up (os._exit, as multiprocessing's fork start does). A file error in the child is
raised in the parent as the same `OrderFileError`; the parent stopping for any reason
ends the child.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation.clock import to_utc
from packstation.domain import intake
from packstation.domain.intake import IntakeLimits, OrderFileError, chunks
from packstation.domain.intake.rows import FORMATTED, Format, RowFormats, as_is

if TYPE_CHECKING:
    from packstation.domain.intake.rows import PreparedOrder, Validator

__all__ = [
    "FORK_FROM_BYTES",
    "Setup",
    "copies",
    "copy_formats",
    "few_collections",
    "forks_here",
    "prepared_chunks",
]

#: Files smaller than this are prepared in this process: a chunk or two, nothing to overlap.
FORK_FROM_BYTES = 1 << 20

#: Makes what preparing needs: the validator and the row formats of the target database.
Setup = Callable[[], "tuple[Validator, RowFormats]"]

_ROWS, _DONE, _FILE_ERROR, _FAILED = "rows", "done", "file_error", "failed"


def copies(url: str) -> bool:
    """Whether an import into `url` writes by COPY: PostgreSQL through psycopg."""
    return url.partition("://")[0] == "postgresql+psycopg"


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else to_utc(value)


def copy_formats(now: datetime) -> RowFormats:
    """The row formats of PostgreSQL through psycopg, known without loading SQLAlchemy:
    what `models/order_import_rows.formats_of` gives for that dialect (a test compares them
    column by column): JSON as its text, timestamps in UTC (`UTCDateTime`), numbers and
    dates as they are (psycopg adapts them itself)."""
    processors: dict[str, Format] = dict.fromkeys(FORMATTED, as_is)
    processors["orders.created_at"] = processors["orders.ship_by"] = _utc
    for column in ("orders.problems", "orders.extra", "events.payload", "notifications.payload"):
        processors[column] = json.dumps
    return RowFormats("postgresql", "psycopg", now, processors)


def forks_here() -> bool:
    """Fork is what makes the child cheap (nothing sent to it); it is safe only where this
    process has no other thread (a lock another thread held stays held in the child): the
    CLI's import, on Linux."""
    return sys.platform == "linux" and threading.active_count() == 1


@contextmanager
def few_collections() -> Iterator[None]:
    """An import makes millions of short-lived objects and no garbage cycles worth a
    collection: the modules loaded so far are moved out of the collector's way (as the
    station does after start-up) and it runs a tenth as often."""
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(threshold[0] * 10, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen:  # else someone froze on purpose (a station process): leave it so
            gc.unfreeze()


@contextmanager
def prepared_chunks(
    path: Path,
    limits: IntakeLimits,
    setup: Setup,
    size: int,
    *,
    fork: bool | None = None,
) -> Iterator[Iterator[list[PreparedOrder]]]:
    """The file's orders as prepared chunks of `size`, in file order: from a child process
    when the file is large enough and `fork` (default: `forks_here()`), else made here as
    they are taken. A file that cannot be read raises `OrderFileError` while iterating."""
    if fork is None:
        fork = forks_here() and path.stat().st_size >= FORK_FROM_BYTES
    if not fork:
        yield _prepared_here(path, limits, setup, size)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_prepare,
        args=(sender, path, limits, setup, size),
        name="packstation-import-prepare",
        daemon=True,
    )
    child.start()
    sender.close()  # the child's end: its exit is then seen here as the end of the pipe
    try:
        yield _received(receiver, child)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _prepared_here(
    path: Path, limits: IntakeLimits, setup: Setup, size: int
) -> Iterator[list[PreparedOrder]]:
    """Read only when first asked (a file answered from its digest is not read at all)."""
    from packstation.domain.intake.rows import prepare_chunk

    validate, formats = setup()
    for chunk in chunks(intake.iter_orders(path, limits), size):
        yield prepare_chunk(chunk, validate, formats)


def _received(receiver: Connection, child: Any) -> Iterator[list[PreparedOrder]]:
    while True:
        try:
            message = receiver.recv()
        except (EOFError, OSError):  # OSError: it ended in the middle of a message
            child.join()
            raise RuntimeError(
                f"the process preparing the orders ended unexpectedly "
                f"(exit code {child.exitcode}); nothing was imported"
            ) from None
        tag = message[0]
        if tag == _ROWS:
            yield message[1]
        elif tag == _DONE:
            return
        elif tag == _FILE_ERROR:
            raise OrderFileError(*message[1:])
        else:
            raise RuntimeError(f"preparing the orders failed: {message[1]}")


def _prepare(sender: Connection, path: Path, limits: IntakeLimits, setup: Setup, size: int) -> None:
    """The child: every chunk, then a word on how it ended (the parent decides what an
    interrupt means, so Ctrl-C is left to it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    message: tuple[Any, ...] = (_DONE,)
    try:
        orders = intake.iter_orders(path, limits)
        from packstation.domain.intake.rows import prepare_chunk

        validate, formats = setup()
        with few_collections():
            for chunk in chunks(orders, size):
                sender.send((_ROWS, prepare_chunk(chunk, validate, formats)))
    except OrderFileError as exc:
        message = (_FILE_ERROR, exc.file, exc.where, exc.detail)
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent stopped reading: it has stopped importing
    except Exception as exc:  # a bug: told to the parent, which fails the import with it
        message = (_FAILED, f"{type(exc).__name__}: {exc}")
    with suppress(BrokenPipeError, ConnectionResetError):
        sender.send(message)
