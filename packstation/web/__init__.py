"""`packstation serve`'s web side: the pages (textual-serve templates that need no internet)
and the door in front of them (`server`, `guard`, `sessions`, `auth`; docs/security.md)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
