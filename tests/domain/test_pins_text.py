from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.pins import PinError, hash_pin, verify_pin
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


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123", "12 34"])
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
