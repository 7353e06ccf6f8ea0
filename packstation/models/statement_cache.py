"""The compiled-statement cache of a station's writer: its hot statements found by identity.

SQLAlchemy finds a statement's compiled form by hashing the statement's cache
key, a nested tuple of every column, clause and parameter in it. For the
claim's 15-column SELECTs that hash is rebuilt on every execution (tuples do
not keep their hash) and, with the CPU caches full of everything else a claim
touches, the 7 lookups of a claim cost about 50 µs of its ~1.3 ms of CPU. The
statements of the hot path are built once at import (`context.py`,
`store.py`), and SQLAlchemy keeps each one's cache key as one object for the
statement's life: marked with `constant`, they are found by that object's
identity. Everything else goes through an ordinary LRU cache, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, TypeVar

from sqlalchemy import ClauseElement
from sqlalchemy.util import LRUCache

__all__ = ["StatementCache", "constant"]

S = TypeVar("S", bound=ClauseElement)

#: id of each constant statement's cache key -> the key (kept, so the id stays its own).
_CONSTANT: dict[int, Any] = {}


def constant(statement: S) -> S:
    """Mark ``statement`` (built once, executed often) to be found by identity."""
    cache_key = statement._generate_cache_key()
    if cache_key is not None:  # a statement that cannot be cached is compiled each time
        _CONSTANT[id(cache_key.key)] = cache_key.key
    return statement


class StatementCache(MutableMapping[Any, Any]):
    """A ``compiled_cache`` execution option. Its keys are SQLAlchemy's: (dialect, the
    statement's cache key, parameter names, schema translation, executemany)."""

    def __init__(self, size: int = 200) -> None:
        self._constant: dict[tuple[int, int, Any, Any, Any], tuple[Any, Any]] = {}
        self._other: LRUCache[Any, Any] = LRUCache(size)

    @staticmethod
    def _by_identity(key: Any) -> tuple[int, int, Any, Any, Any] | None:
        cache_key = key[1]
        if _CONSTANT.get(id(cache_key)) is not cache_key:
            return None
        return (id(key[0]), id(cache_key), key[2], key[3], key[4])

    def get(self, key: Any, default: Any = None) -> Any:
        fast = self._by_identity(key)
        if fast is None:
            return self._other.get(key, default)
        found = self._constant.get(fast)
        if found is None or found[0] is not key[0]:  # a dialect that reused a freed id
            return default
        return found[1]

    def __getitem__(self, key: Any) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __setitem__(self, key: Any, value: Any) -> None:
        fast = self._by_identity(key)
        if fast is None:
            self._other[key] = value
        else:
            self._constant[fast] = (key[0], value)

    def __delitem__(self, key: Any) -> None:
        fast = self._by_identity(key)
        if fast is None:
            del self._other[key]
        else:
            del self._constant[fast]

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("a StatementCache is not iterated")

    def __len__(self) -> int:
        return len(self._constant) + len(self._other)

    @property
    def sizes(self) -> tuple[int, int]:
        """Compiled statements held: (found by identity, found by hash)."""
        return len(self._constant), len(self._other)


_MISSING = object()
