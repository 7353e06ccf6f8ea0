"""What the two ways into the database agree on: SQLAlchemy's (`models/db.py`) and the
quick start's plain driver (`station/quick_db.py`). No SQLAlchemy here: the quick start
imports this before SQLAlchemy is loaded."""

from __future__ import annotations

#: The newest migration; a test checks it against the migrations folder.
HEAD = "0012"

#: Set on every SQLite connection.
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # WAL lets the queue screen read while the station writes; FULL sync keeps a
    # committed scan across a power cut, not only across a process crash.
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    # Checkpoints copy the WAL into the database file and fsync it: tens of ms. The
    # station runs them while idle (StationRunner heartbeat), not inside a scan's commit.
    "PRAGMA wal_autocheckpoint=20000",
)
