"""Lead/admin PINs: stored only as salted scrypt hashes (stdlib, no extra dependency).

A stored hash is ``scrypt$<N>$<r>$<p>$<salt b64>$<digest b64>``: the cost parameters travel
with it, so a hash made with older (cheaper) parameters still verifies, and
`needs_rehash` tells the one place that checks PINs (`models.operators_repo.check_pin`)
to store a new hash with the current parameters after a right PIN.

Cost: `DEFAULT_PARAMS` is the OWASP Password Storage Cheat Sheet's minimum for scrypt,
N=2**17, r=8, p=1: 128 MiB of memory (128 * N * r bytes) and about half a second per
check on a station PC. `hashlib.scrypt` releases the GIL, and every PIN check runs off
the UI thread (the station's worker thread, the queue screen's feed thread, the kiosk
exit's worker), so the screens stay responsive. A PIN has few digits: the cost slows an
offline attack on a stolen table, the badge lockout is what stops guessing on the floor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

_PREFIX = "scrypt"
_DKLEN = 32


class PinError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt's cost: N (CPU/memory, a power of two), r (block size), p (parallelism)."""

    n: int
    r: int = 8
    p: int = 1

    @property
    def memory(self) -> int:
        """Bytes OpenSSL allocates for one hash (its own formula, which `maxmem` must cover)."""
        return 128 * self.r * (self.n + 2) + 128 * self.r * self.p

    def at_least(self, other: ScryptParams) -> bool:
        """Every parameter as high as `other`'s: a hash made with these is not weaker."""
        return self.n >= other.n and self.r >= other.r and self.p >= other.p


#: OWASP Password Storage Cheat Sheet, scrypt: "a minimum CPU/memory cost parameter of
#: (2^17), a minimum block size of 8 (1024 bytes), and a parallelization parameter of 1".
DEFAULT_PARAMS = ScryptParams(n=2**17, r=8, p=1)
#: The parameters of hashes made before: still verified (and replaced after a right PIN).
LEGACY_PARAMS = ScryptParams(n=2**14, r=8, p=1)

#: Stored parameters beyond these are refused without hashing: a doctored row must not make
#: a PIN check allocate gigabytes or run for minutes.
MAX_N = 2**20
MAX_R = 32
MAX_P = 16
MAX_MEMORY = 1 << 30

_current = DEFAULT_PARAMS


def hash_params() -> ScryptParams:
    """The parameters new hashes get (and that weaker stored hashes are upgraded to)."""
    return _current


def set_hash_params(params: ScryptParams) -> ScryptParams:
    """Change the parameters of new hashes; returns the previous ones.

    For tests and benchmarks that are not about the cost (N=2**17 costs 128 MiB and half a
    second per hash). Production code never calls it.
    """
    global _current
    _check_params(params)
    previous, _current = _current, params
    return previous


def _check_params(params: ScryptParams) -> None:
    n, r, p = params.n, params.r, params.p
    if n < 2 or n & (n - 1) or n > MAX_N:
        raise PinError(f"scrypt N must be a power of two from 2 to {MAX_N}, got {n}")
    if not (1 <= r <= MAX_R and 1 <= p <= MAX_P) or params.memory > MAX_MEMORY:
        raise PinError(f"scrypt r={r}, p={p} out of range")


def validate_pin(pin: str) -> None:
    if not (4 <= len(pin) <= 12) or not pin.isdigit() or not pin.isascii():
        raise PinError("a PIN is 4 to 12 digits")


def _scrypt(pin: str, salt: bytes, params: ScryptParams, dklen: int) -> bytes:
    return hashlib.scrypt(
        pin.encode(),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.memory + (1 << 20),
        dklen=dklen,
    )


def hash_pin(pin: str, *, salt: bytes | None = None, params: ScryptParams | None = None) -> str:
    validate_pin(pin)
    params = params or _current
    _check_params(params)
    salt = salt or os.urandom(16)
    digest = _scrypt(pin, salt, params, _DKLEN)
    b64 = base64.b64encode
    return f"{_PREFIX}${params.n}${params.r}${params.p}${b64(salt).decode()}${b64(digest).decode()}"


def _parse(stored: str) -> tuple[ScryptParams, bytes, bytes] | None:
    """The parameters, salt and digest of a stored hash; None for anything else."""
    try:
        prefix, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if prefix != _PREFIX or not (n.isdigit() and r.isdigit() and p.isdigit()):
            return None
        params = ScryptParams(int(n), int(r), int(p))
        _check_params(params)
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
    except (ValueError, binascii.Error):
        return None
    if not salt or not 16 <= len(expected) <= 64:
        return None
    return params, salt, expected


def stored_params(stored: str | None) -> ScryptParams | None:
    """The cost parameters a stored hash was made with (None: not a hash of ours)."""
    parsed = _parse(stored) if stored else None
    return parsed[0] if parsed else None


def needs_rehash(stored: str | None, params: ScryptParams | None = None) -> bool:
    """A hash made with parameters weaker than the current ones (or `params`)."""
    made_with = stored_params(stored)
    return made_with is not None and not made_with.at_least(params or _current)


def verify_pin(pin: str, stored: str | None) -> bool:
    """The PIN against a stored hash, with the hash's own parameters; the digests are
    compared in constant time (`hmac.compare_digest`)."""
    parsed = _parse(stored) if stored else None
    if parsed is None:
        return False
    params, salt, expected = parsed
    try:
        got = _scrypt(pin, salt, params, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, expected)
