"""Sentences of the queue area (see packstation.texts)."""

TEXTS: dict[str, dict[str, str]] = {}
