"""Sentences of the notify area (see packstation.texts)."""

TEXTS: dict[str, dict[str, str]] = {}
