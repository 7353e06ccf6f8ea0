"""The browser page for `packstation serve` (a textual-serve template that needs no internet)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
