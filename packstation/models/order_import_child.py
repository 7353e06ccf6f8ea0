"""A large order file's orders prepared in a process of their own while this one writes.

Reading, validating and hashing an order, and making its rows (`prepare_chunk`), costs
about as much CPU as the driver spends writing them, and under one interpreter lock the
two never overlap (a writer thread was tried: SQLite's executemany takes the lock for
every row's bind, benchmarks/import_process.py). In two processes they do: the child
prepares chunk k+1 while the parent writes chunk k.

The child is forked (Linux): it inherits what is loaded, the validator and the row
formats, so nothing is sent to it. It sends each chunk's rows back as plain tuples (the
orders themselves would cost more to pickle than to prepare); the pipe keeps it at most
about a chunk ahead, so memory stays that of a chunk or two. It never touches the
parent's database connection and ends without running the parent's clean-up (os._exit,
as multiprocessing's fork start does). A file error in the child is raised in the parent
as the same `OrderFileError`; the parent stopping for any reason ends the child.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from packstation.domain import intake
from packstation.domain.intake import IntakeLimits, OrderFileError
from packstation.models.order_import_rows import (
    PreparedOrder,
    RowFormats,
    Validator,
    chunks,
    prepare_chunk,
)

__all__ = ["FORK_FROM_BYTES", "forks_here", "prepared_chunks"]

#: Files smaller than this are prepared in this process: a chunk or two, nothing to overlap.
FORK_FROM_BYTES = 1 << 20

_ROWS, _DONE, _FILE_ERROR, _FAILED = "rows", "done", "file_error", "failed"


def forks_here() -> bool:
    """Fork is what makes the child cheap (nothing re-imported, nothing sent); it is safe
    only where this process has no other threads yet: the CLI's import, on Linux."""
    return sys.platform == "linux"


@contextmanager
def prepared_chunks(
    path: Path,
    limits: IntakeLimits,
    validate: Validator,
    formats: RowFormats,
    size: int,
    *,
    fork: bool | None = None,
) -> Iterator[Iterator[list[PreparedOrder]]]:
    """The file's orders as prepared chunks of `size`, in file order: from a child process
    when the file is large enough and `fork` (default: `forks_here`), else made here as
    they are taken. A file that cannot be read raises `OrderFileError` while iterating."""
    if fork is None:
        fork = forks_here() and path.stat().st_size >= FORK_FROM_BYTES
    if not fork:
        yield _prepared_here(path, limits, validate, formats, size)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_prepare,
        args=(sender, path, limits, validate, formats, size),
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
    path: Path, limits: IntakeLimits, validate: Validator, formats: RowFormats, size: int
) -> Iterator[list[PreparedOrder]]:
    """Read only when first asked (a file answered from its digest is not read at all)."""
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


def _prepare(
    sender: Connection,
    path: Path,
    limits: IntakeLimits,
    validate: Validator,
    formats: RowFormats,
    size: int,
) -> None:
    """The child: every chunk, then a word on how it ended (the parent decides what an
    interrupt means, so Ctrl-C is left to it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    message: tuple[Any, ...] = (_DONE,)
    try:
        for chunk in chunks(intake.iter_orders(path, limits), size):
            sender.send((_ROWS, prepare_chunk(chunk, validate, formats)))
    except OrderFileError as exc:
        message = (_FILE_ERROR, exc.file, exc.where, exc.detail)
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent stopped reading: it has stopped importing
    except Exception as exc:  # a bug: told to the parent, which fails the import with it
        message = (_FAILED, f"{type(exc).__name__}: {exc}")
    with suppress(BrokenPipeError, ConnectionResetError):
        sender.send(message)
