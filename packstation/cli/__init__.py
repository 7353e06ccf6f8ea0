"""Command-line entry point (SPEC.md section 6): `packstation <group> <command>`."""

from packstation.cli.main import main

__all__ = ["main"]
