"""The errors of order intake: a file that cannot be read as orders, and a field's type error."""

from __future__ import annotations


class OrderFileError(Exception):
    """The file cannot be read as orders at all (not: an order is invalid).

    `str(e)` is one line, ``<where>: <what>``, where `where` is a JSON path
    (``orders[2].lines[0].qty``) or a CSV position (``line 5, column qty``), so
    the operator can fix the file. The file name is not repeated in it (the
    CLI already says which file); it is kept in `file` for callers that need it.
    """

    def __init__(self, file: str, where: str, detail: str) -> None:
        self.file = file
        self.where = where
        self.detail = detail
        text = f"{where}: {detail}" if where else detail
        super().__init__(" ".join(text.splitlines()))


class _FieldError(Exception):
    """A type error at a JSON path or CSV column; the caller adds the file position."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(where, detail)
        self.where = where
        self.detail = detail
