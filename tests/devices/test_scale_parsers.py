"""Scale parsers fed the byte formats of DEVICES.md: states, units, split frames, noise."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.devices.base import ScaleReading, ScaleState
from packstation.devices.scales import PROTOCOLS, ScaleParser, get_protocol

OK, MOTION, OVER, UNDER = (
    ScaleState.OK,
    ScaleState.MOTION,
    ScaleState.OVERLOAD,
    ScaleState.UNDERLOAD,
)
ZERO_ERR, ERR = ScaleState.ZERO_ERROR, ScaleState.ERROR
LB, OZ = Decimal("453.59237"), Decimal("28.349523125")


def parse(
    protocol: str, data: bytes, unit: str | None = None
) -> tuple[list[ScaleReading], ScaleParser]:
    parser = get_protocol(protocol).new_parser(unit)
    return parser.feed(data), parser


def summary(readings: list[ScaleReading]) -> list[tuple[Decimal, bool, ScaleState]]:
    return [(r.grams, r.stable, r.state) for r in readings]


# -- MT-SICS -------------------------------------------------------------------

MT_SICS = [
    (b"S S     100.00 g\r\n", (Decimal("100.00"), True, OK), "g"),
    (b"S D       1.234 kg\r\n", (Decimal("1234"), False, MOTION), "kg"),
    (b"S S      -0.50 lb\r\n", (-LB / 2, True, OK), "lb"),
    (b"S S      12.00 oz\r\n", (OZ * 12, True, OK), "oz"),
]


@pytest.mark.parametrize(("data", "expected", "unit"), MT_SICS)
def test_mt_sics_weights_and_units(data: bytes, expected: tuple[object, ...], unit: str) -> None:
    readings, parser = parse("mt-sics", data)
    assert summary(readings) == [expected] and readings[0].raw_unit == unit
    assert parser.garbage == 0


@pytest.mark.parametrize(
    ("reply", "state"),
    [
        (b"S I", MOTION),
        (b"S +", OVER),
        (b"S -", UNDER),
        (b"ES", ERR),
        (b"ET", ERR),
        (b"EL", ERR),
        (b"Z I", ZERO_ERR),
        (b"Z +", ZERO_ERR),
    ],
)
def test_mt_sics_replies_without_weight_keep_the_last_weight_unstable(
    reply: bytes, state: ScaleState
) -> None:
    readings, _ = parse("mt-sics", b"S S     250.00 g\r\n" + reply + b"\r\n")
    assert summary(readings)[1] == (Decimal("250.00"), False, state)
    assert not readings[1].usable


def test_mt_sics_acknowledgements_are_replies_not_readings() -> None:
    readings, parser = parse("mt-sics", b'Z A\r\nT S      12.30 g\r\nI4 A "0123456789"\r\n')
    assert readings == [] and parser.replies == 3 and parser.garbage == 0


# -- Toledo 8213/8217 ------------------------------------------------------------


def test_toledo_weight_has_no_unit_field_so_the_unit_is_configured() -> None:
    assert summary(parse("toledo-8217", b"\x0201.234\r")[0]) == [(Decimal("1234"), True, OK)]
    readings, _ = parse("toledo-8213", b"\x02 02.000 \r", unit="lb")
    assert summary(readings) == [(2 * LB, True, OK)] and readings[0].raw_unit == "lb"
    assert summary(parse("toledo-8217", b"\x0201.500N\r")[0]) == [(Decimal("1500"), True, OK)]


@pytest.mark.parametrize(
    ("status", "state"),
    [(0x01, MOTION), (0x02, OVER), (0x04, UNDER), (0x08, ZERO_ERR), (0x03, OVER)],
)
@pytest.mark.parametrize("noise_bits", [0x00, 0x60, 0xE0])  # b5/b6 either way, b7 parity
def test_toledo_status_bits_masked(status: int, state: ScaleState, noise_bits: int) -> None:
    data = b"\x0200.500\r\x02?" + bytes([status | noise_bits]) + b"\r"
    assert summary(parse("toledo-8217", data)[0])[1] == (Decimal("500"), False, state)


def test_toledo_status_without_error_bits_means_same_weight_as_before() -> None:
    data = b"\x0200.750\r\x02?\x60\r\x02?\xe0\r"
    assert summary(parse("toledo-8217", data)[0]) == [(Decimal("750"), True, OK)] * 3
    # ... but not after motion: the weight may have changed
    readings, parser = parse("toledo-8217", b"\x0200.750\r\x02?\x61\r\x02?\x60\r")
    assert [r.state for r in readings] == [OK, MOTION] and parser.replies == 3
    # centre of zero with no earlier weight: zero
    assert summary(parse("toledo-8217", b"\x02?\x70\r")[0]) == [(Decimal(0), True, OK)]


def test_toledo_status_byte_may_look_like_cr_or_stx() -> None:
    data = b"\x02?\r\r\x02?\x02\r\x0200.100\r"  # status 0x0D = motion+under+outside; 0x02 = over
    assert [r.state for r in parse("toledo-8217", data)[0]] == [UNDER, OVER, OK]


def test_toledo_probe_answer_is_recognised() -> None:
    assert PROTOCOLS["toledo-8217"].recognises(b"\x02E\rhello")
    assert not PROTOCOLS["toledo-8217"].recognises(b"S S     100.00 g\r\n")


# -- NCI ------------------------------------------------------------------------


def test_nci_weight_reply_from_devices_md() -> None:
    readings, parser = parse("nci", b"\n 0001.25LB \r \n 00 \r \x03")
    assert summary(readings) == [(Decimal("1.25") * LB, True, OK)] and parser.garbage == 0


@pytest.mark.parametrize(
    ("field", "unit", "grams"),
    [
        ("0250.0G", "G", Decimal("250.0")),
        ("001.500KG", "KG", Decimal(1500)),
        ("0010.00OZ", "OZ", OZ * 10),
    ],
)
def test_nci_units(field: str, unit: str, grams: Decimal) -> None:
    readings, _ = parse("nci", f"\n{field}\r\n00\r\x03".encode())
    assert summary(readings) == [(grams, True, OK)] and readings[0].raw_unit == unit


@pytest.mark.parametrize(
    ("reply", "state"),
    [
        (b"\n0001.25LB\r\n10\r\x03", MOTION),  # s1 = 0x31: b0 motion
        (b"\n^^^^^^\r\n02\r\x03", OVER),
        (b"\n______\r\n01\r\x03", UNDER),
        (b"\n------\r\n00\r\x03", ZERO_ERR),
        (b"\n0001.25LB\r\n40\r\x03", ERR),  # RAM error
        (b"\n0001.25LB\r\n08\r\x03", ERR),  # calibration error
        (b"\n12\r\x03", OVER),  # answer to S: status only
    ],
)
def test_nci_states(reply: bytes, state: ScaleState) -> None:
    (reading,) = parse("nci", reply)[0]
    assert reading.state is state and not reading.stable


def test_nci_unknown_command_answer_is_not_garbage() -> None:
    readings, parser = parse("nci", b"\n?\r\x03\n00\r\x03")
    assert readings == [] and parser.replies == 2 and parser.garbage == 0


# -- continuous -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"ST,GS,+  1.234kg", (Decimal("1234"), True, OK)),
        (b"US,GS,+  1.200kg", (Decimal("1200"), False, MOTION)),
        (b"ST,NT,-  0.250lb", (-LB / 4, True, OK)),
        (b"ST,GS,+ 12.50 oz", (OZ * Decimal("12.5"), True, OK)),
        (b"      0.01 g ?", (Decimal("0.01"), False, MOTION)),
        (b"    512.30 g", (Decimal("512.3"), True, OK)),
        (b"     1.250 kg N", (Decimal("1250"), True, OK)),
    ],
)
def test_continuous_cas_and_ohaus_lines(line: bytes, expected: tuple[object, ...]) -> None:
    assert summary(parse("continuous", line + b"\r\n")[0]) == [expected]


def test_continuous_overload_and_underload() -> None:
    readings, _ = parse(
        "continuous", b"ST,GS,+  1.000kg\r\nOL,GS,+  9.999kg\r\nUL,GS,-  0.000kg\r\n"
    )
    assert summary(readings)[1:] == [(Decimal(1000), False, OVER), (Decimal(1000), False, UNDER)]


# -- all protocols ------------------------------------------------------------------

STREAMS = {
    "mt-sics": b"S S     100.00 g\r\nS D     101.00 g\r\nS +\r\n",
    "toledo-8217": b"\x0200.100\r\x02?\x61\r\x02?\x62\r",
    "nci": b"\n0100.00G\r\n00\r\x03\n0101.00G\r\n01\r\x03\n^^^^^^\r\n02\r\x03",
    "continuous": b"ST,GS,+  0.100kg\r\nUS,GS,+  0.101kg\r\nOL,GS,+  0.000kg\r\n",
}


@pytest.mark.parametrize("protocol", STREAMS)
def test_byte_by_byte_gives_the_same_readings(protocol: str) -> None:
    whole, _ = parse(protocol, STREAMS[protocol])
    parser = get_protocol(protocol).new_parser()
    pieces = [r for b in STREAMS[protocol] for r in parser.feed(bytes([b]))]
    assert pieces == whole and len(whole) == 3 and parser.garbage == 0


@pytest.mark.parametrize("protocol", STREAMS)
def test_garbage_between_frames_is_counted_and_skipped(protocol: str) -> None:
    noise = b"\x8f\xf0#\xfe@~\r\n\x03"
    frames = {
        "mt-sics": [b"S S     100.00 g\r\n", b"S +\r\n"],
        "toledo-8217": [b"\x0200.100\r", b"\x02?\x62\r"],
        "nci": [b"\n0100.00G\r\n00\r\x03", b"\n^^^^^^\r\n02\r\x03"],
        "continuous": [b"ST,GS,+  0.100kg\r\n", b"OL,GS,+  0.000kg\r\n"],
    }[protocol]
    readings, parser = parse(protocol, noise + frames[0] + noise + frames[1] + noise)
    assert [r.state for r in readings] == [OK, OVER]
    assert readings[0].grams == 100
    assert parser.garbage >= 2


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.binary(max_size=64), max_size=40))
def test_random_bytes_never_raise(protocol: str, chunks: list[bytes]) -> None:
    """Wrong baud rate: only noise arrives. Nothing is raised and nothing piles up."""
    parser = get_protocol(protocol).new_parser()
    for chunk in chunks:
        for reading in parser.feed(chunk):
            assert isinstance(reading.grams, Decimal)
    assert parser.pending <= parser.max_pending


def test_wrong_baud_noise_is_counted() -> None:
    for protocol in PROTOCOLS:
        parser = get_protocol(protocol).new_parser()
        for _ in range(20):
            assert parser.feed(b"\xe6\x98\x1e\xfe\x80\xf8\x86\r\n\x03" * 3) == []
        assert parser.garbage > 0 and parser.replies == 0, protocol


def test_unknown_unit_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="unit"):
        get_protocol("toledo-8217").new_parser("stone")
    with pytest.raises(ValueError, match="mt-sics"):
        get_protocol("sics-ish")
