"""Command-line entry point (SPEC.md section 6): `packstation <group> <command>`."""

import gc

# Imports allocate a lot and free little: no collections while the commands load.
_collecting = gc.isenabled()
gc.disable()
try:
    from packstation.cli.main import main
finally:
    if _collecting:
        gc.enable()

__all__ = ["main"]
