"""A stand-in for a Textual app under textual-serve (its stdin/stdout packet protocol).

`python fake_app.py MARKER`: appends its pid to MARKER (so a test sees that an app process
was started), says it is ready, sends one screen (`SCREEN ORD-1005 Мария`), echoes typed
data, and exits when textual-serve asks it to quit.
"""

from __future__ import annotations

import json
import os
import sys

SCREEN = "SCREEN ORD-1005 Мария".encode()


def packet(kind: bytes, payload: bytes) -> None:
    sys.stdout.buffer.write(kind + len(payload).to_bytes(4, "big") + payload)
    sys.stdout.buffer.flush()


def main() -> None:
    with open(sys.argv[1], "a", encoding="utf-8") as marker:
        marker.write(f"{os.getpid()}\n")
    sys.stdout.buffer.write(b"__GANGLION__\n")
    packet(b"D", SCREEN)
    stdin = sys.stdin.buffer
    while len(head := stdin.read(5)) == 5:
        payload = stdin.read(int.from_bytes(head[1:], "big"))
        if head[:1] == b"M" and json.loads(payload).get("type") == "quit":
            break
        if head[:1] == b"D":
            packet(b"D", b"echo:" + payload)


if __name__ == "__main__":
    main()
