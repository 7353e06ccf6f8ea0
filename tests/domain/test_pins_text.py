from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain import pins
from packstation.domain.pins import (
    DEFAULT_PARAMS,
    LEGACY_PARAMS,
    PinError,
    ScryptParams,
    hash_pin,
    needs_rehash,
    stored_params,
    verify_pin,
)
from packstation.domain.text import printable


def test_pin_round_trip_and_salt() -> None:
    a, b = hash_pin("1234"), hash_pin("1234")
    assert a != b  # salted
    assert "1234" not in a
    assert verify_pin("1234", a) and verify_pin("1234", b)
    assert not verify_pin("1235", a)


@pytest.mark.parametrize("stored", [None, "", "plain1234", "scrypt$x$y$z$!!$!!", "md5$1$2$3$4$5"])
def test_garbage_hash_never_verifies(stored: str | None) -> None:
    assert verify_pin("1234", stored) is False


def test_the_default_cost_is_the_owasp_minimum_for_scrypt() -> None:
    # OWASP Password Storage Cheat Sheet: N=2^17 (128 MiB), r=8, p=1 at least.
    assert ScryptParams(n=2**17, r=8, p=1) == DEFAULT_PARAMS
    assert DEFAULT_PARAMS.memory >= 128 * 2**20


def test_a_hash_at_the_default_cost_names_its_parameters_and_verifies() -> None:
    stored = hash_pin("4711", params=DEFAULT_PARAMS)  # 128 MiB: maxmem is raised for it
    assert stored.startswith(f"scrypt${2**17}$8$1$")
    assert stored_params(stored) == DEFAULT_PARAMS
    assert verify_pin("4711", stored) and not verify_pin("4712", stored)
    assert not needs_rehash(stored, DEFAULT_PARAMS)


def test_old_hashes_still_verify_and_are_marked_for_a_rehash() -> None:
    old = hash_pin("1234", params=LEGACY_PARAMS)
    assert old.startswith(f"scrypt${2**14}$8$1$")
    assert verify_pin("1234", old) and not verify_pin("4321", old)
    assert needs_rehash(old, DEFAULT_PARAMS)
    stronger = hash_pin("1234", params=ScryptParams(n=2**11, r=16, p=1))
    assert needs_rehash(stronger, ScryptParams(n=2**12))  # any weaker parameter counts
    assert not needs_rehash(hash_pin("1234", params=ScryptParams(n=2**12)), ScryptParams(n=2**11))
    assert not needs_rehash("plain1234") and not needs_rehash(None)


def test_new_hashes_follow_the_current_parameters() -> None:
    cheap = ScryptParams(n=2**8)
    before = pins.set_hash_params(cheap)
    try:
        assert stored_params(hash_pin("1234")) == cheap
        assert pins.hash_params() == cheap
    finally:
        pins.set_hash_params(before)
    with pytest.raises(PinError):
        pins.set_hash_params(ScryptParams(n=1000))  # not a power of two


@pytest.mark.parametrize(
    "params",
    ["2097152$8$1", "1024$64$1", "1024$8$64", "1000$8$1", "0$8$1", "-1024$8$1", "1024$0$1"],
)
def test_stored_parameters_beyond_the_bounds_are_refused_unhashed(params: str) -> None:
    # A doctored row must not make a PIN check allocate gigabytes.
    good = hash_pin("1234", params=ScryptParams(n=2**10))
    salt, digest = good.split("$")[4:]
    assert verify_pin("1234", f"scrypt${params}${salt}${digest}") is False


def test_digests_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = pins.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(pins.hmac, "compare_digest", spy)
    assert verify_pin("1234", hash_pin("1234")) and not verify_pin("9999", hash_pin("1234"))
    assert len(compared) == 2


def test_a_check_at_the_default_cost_leaves_other_threads_running() -> None:
    """hashlib.scrypt releases the GIL: a PIN check in a worker thread (where every caller
    runs it) does not freeze the UI thread for the half second it takes."""
    stored = hash_pin("4711", params=DEFAULT_PARAMS)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (verify_pin("4711", stored), done.set()))
    gaps: list[float] = []
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.005)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    worker.join()
    assert len(gaps) > 10 and max(gaps) < 0.25, f"longest pause {max(gaps):.3f} s"


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123", "12 34", "١٢٣٤"])
def test_bad_pins_are_refused(pin: str) -> None:
    with pytest.raises(PinError):
        hash_pin(pin)


def test_printable_shows_control_characters_literally() -> None:
    assert printable("\x1b[2J") == "\\x1b[2J"
    assert printable("01\x1d91") == "01<GS>91"
    assert printable("[red]x[/]") == "[red]x[/]"
    assert printable("a\x00b") == "a\\x00b"
    assert printable("x" * 500, limit=10) == "x" * 9 + "…"


@settings(max_examples=200)
@given(st.text())
def test_printable_output_has_no_control_characters(text: str) -> None:
    shown = printable(text, limit=10_000)
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in shown)
