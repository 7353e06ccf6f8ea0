"""ScanFramer: suffixes, gap framing, prefix, control bytes, oversized frames (pure, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packstation.devices.scanner_framing import Frame, ScanFramer, clean_text, parse_suffix


def texts(frames: list[Frame]) -> list[str]:
    return [f.text for f in frames if not f.discarded]


@pytest.mark.parametrize(
    ("suffix", "end"),
    [
        ("CR", b"\r"),
        ("LF", b"\n"),
        ("CRLF", b"\r\n"),
        ("\r", b"\r"),
        ("\r\n", b"\r\n"),
        ("lf", b"\n"),
    ],
)
def test_suffix_ends_frames_and_is_not_in_the_text(suffix: str, end: bytes) -> None:
    framer = ScanFramer(suffix)
    assert texts(framer.feed(b"4601234567893" + end + b"ABC-1" + end + b"part", 0.0)) == [
        "4601234567893",
        "ABC-1",
    ]
    assert texts(framer.feed(b"ial" + end, 0.01)) == ["partial"]


def test_crlf_split_across_reads() -> None:
    framer = ScanFramer("CRLF")
    assert framer.feed(b"123\r", 0.0) == []
    assert texts(framer.feed(b"\n456\r\n", 0.001)) == ["123", "456"]


def test_no_suffix_ends_a_frame_after_the_gap_only() -> None:
    framer = ScanFramer("none", gap_s=0.05)
    assert framer.feed(b"46012", 0.000) == []
    assert framer.feed(b"34567893", 0.020) == []  # within the gap: same frame
    assert framer.flush(0.060) == []  # 40 ms after the last byte: not yet
    assert texts(framer.flush(0.071)) == ["4601234567893"]
    assert framer.flush(0.2) == []
    framer.feed(b"A", 1.0)
    assert texts(framer.feed(b"B", 1.2)) == ["A"]  # a byte after the gap starts a new frame
    assert texts(framer.flush(1.3)) == ["B"]


def test_prefix_is_stripped_and_aim_identifier_kept() -> None:
    framer = ScanFramer("CR", prefix="\x02")
    assert texts(framer.feed(b"\x02]E04601234567893\r]C1X\r", 0.0)) == [
        "]E04601234567893",
        "]C1X",
    ]


def test_gs_is_kept_other_controls_dropped() -> None:
    framer = ScanFramer("CR")
    raw = b"]d2\x000104601234567893\x0721ABC\x1d91EE07\x1b[2J\x7f\r"
    (frame,) = framer.feed(raw, 0.0)
    assert frame.text == "]d20104601234567893" + "21ABC\x1d91EE07[2J"
    assert frame.raw == raw[:-1]


def test_invalid_utf8_is_replaced_and_controls_only_frame_is_ignored() -> None:
    framer = ScanFramer("CR")
    assert texts(framer.feed(b"caf\xc3\xa9 \xff\r\x07\x08\r", 0.0)) == ["café \ufffd"]
    assert clean_text("\u0085x\u200b".encode()) == "x"  # C1 and format characters too


def test_frame_over_4k_is_discarded_with_a_marker() -> None:
    framer = ScanFramer("CR")
    out = framer.feed(b"A" * 3000, 0.0)
    out += framer.feed(b"A" * 2000, 0.001)  # over 4096 without a suffix: marker now
    out += framer.feed(b"A" * 100 + b"\rOK\r", 0.002)  # the rest of it is skipped too
    assert [f.discarded for f in out] == [True, False]
    assert texts(out) == ["OK"] and framer.oversize == 1
    assert texts(ScanFramer("CR").feed(b"B" * 4096 + b"\r", 0.0)) == ["B" * 4096]


def test_oversized_frame_in_one_read_and_in_gap_mode() -> None:
    out = ScanFramer("LF").feed(b"x" * 5000 + b"\nnext\n", 0.0)
    assert [(f.text, f.discarded) for f in out] == [("", True), ("next", False)]
    gap = ScanFramer("none")
    assert [f.discarded for f in gap.feed(b"y" * 5000, 0.0)] == [True]
    assert gap.flush(1.0) == []  # the rest of the oversized burst is not a code
    assert texts(gap.feed(b"z", 2.0) + gap.flush(3.0)) == ["z"]


def test_stale_partial_frame_is_dropped_not_glued_to_the_next_code() -> None:
    framer = ScanFramer("CR", stale_s=1.0)
    framer.feed(b"noise", 0.0)
    assert texts(framer.feed(b"123\r", 5.0)) == ["123"]
    assert framer.stale == 1


@pytest.mark.parametrize("bad", ["CRCR", "semicolon", "\r\r"])
def test_unknown_suffix_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        parse_suffix(bad)


@given(
    codes=st.lists(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40),
        max_size=6,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_any_split_of_the_stream_gives_the_same_codes(codes: list[str], cuts: list[int]) -> None:
    stream = b"".join(c.encode() + b"\r\n" for c in codes)
    framer = ScanFramer("CRLF")
    out: list[Frame] = []
    last = 0
    for cut in sorted(set(c % (len(stream) + 1) for c in cuts)) + [len(stream)]:
        out += framer.feed(stream[last:cut], 0.0)
        last = cut
    assert texts(out) == codes
