"""Lead/admin PINs: stored only as salted scrypt hashes (stdlib, no extra dependency)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# n=2**14 keeps a check under ~50 ms on a station PC while making a stolen
# table expensive to brute-force (PINs are short, so the cost factor matters).
_N, _R, _P = 2**14, 8, 1
_PREFIX = "scrypt"


class PinError(ValueError):
    pass


def validate_pin(pin: str) -> None:
    if not (4 <= len(pin) <= 12) or not pin.isdigit():
        raise PinError("a PIN is 4 to 12 digits")


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    validate_pin(pin)
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"{_PREFIX}${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        prefix, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if prefix != _PREFIX:
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        got = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)
