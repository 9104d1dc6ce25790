"""APDU and BER-TLV units, plus property tests: arbitrary bytes raise only mynalib errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynalib.card.apdu import (
    SW,
    ApduFormatError,
    CommandAPDU,
    ResponseAPDU,
    encode_length,
    encode_tlv,
    parse_tlv,
    parse_tlvs,
    sw_meaning,
)
from mynalib.card.kenhojo import check_integrity, parse_attributes_file, parse_my_number_file
from mynalib.errors import CardResponseError, MynaError


# ------------------------------------------------------------------------------ commands
@pytest.mark.parametrize(
    ("apdu", "raw"),
    [
        (CommandAPDU(0x00, 0x20, 0x00, 0x80), "00200080"),  # case 1: the empty VERIFY
        (CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=0), "00B0000000"),  # case 2 short, Le 256
        (CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x00\x0a"), "00A4020C02000A"),  # case 3
        (
            CommandAPDU(0x80, 0x2A, 0x00, 0x80, b"\x01\x02", le=0),
            "802A0080020102" + "00",
        ),  # case 4 short
        (CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=0x1234, extended=True), "00B00000001234"),
        (
            CommandAPDU(0x00, 0xD6, 0x00, 0x00, b"\xaa" * 300, extended=True),
            "00D60000" + "00012C" + "AA" * 300,
        ),
        (
            CommandAPDU(0x80, 0x2A, 0x00, 0x80, b"\x01", le=0, extended=True),
            "802A0080" + "000001" + "01" + "0000",
        ),
    ],
)
def test_command_encode_and_parse(apdu: CommandAPDU, raw: str) -> None:
    assert apdu.to_bytes() == bytes.fromhex(raw)
    assert CommandAPDU.parse(bytes.fromhex(raw)) == apdu


def test_ne() -> None:
    assert CommandAPDU(0, 0xB0, 0, 0, le=0).ne == 256
    assert CommandAPDU(0, 0xB0, 0, 0, le=0, extended=True).ne == 65536
    assert CommandAPDU(0, 0xB0, 0, 0, le=17).ne == 17
    assert CommandAPDU(0, 0xB0, 0, 0).ne == 0


@pytest.mark.parametrize(
    "raw",
    ["", "00", "00A404", "00A4040C05AABB", "00A4040C0000", "00B0000000010203", "00B000000000"],
)
def test_malformed_commands(raw: str) -> None:
    with pytest.raises(ApduFormatError):
        CommandAPDU.parse(bytes.fromhex(raw))


def test_command_limits() -> None:
    with pytest.raises(ApduFormatError):
        CommandAPDU(0x100, 0, 0, 0)
    with pytest.raises(ApduFormatError):
        CommandAPDU(0, 0, 0, 0, b"x" * 256)
    with pytest.raises(ApduFormatError):
        CommandAPDU(0, 0, 0, 0, le=256)


def test_response() -> None:
    r = ResponseAPDU.parse(b"\x01\x02\x90\x00")
    assert r.data == b"\x01\x02" and r.sw == 0x9000 and r.ok
    assert r.to_bytes() == b"\x01\x02\x90\x00"
    with pytest.raises(CardResponseError):
        ResponseAPDU.parse(b"\x90")


def test_status_words() -> None:
    # every SW of docs/CARD.md §4 has a meaning
    for sw in (0x9000, 0x6984, 0x6982, 0x6A82, 0x6A86, 0x6B00, 0x6700, 0x6D00, 0x6E00, 0x6981):
        assert SW(sw).meaning
        assert "unknown" not in sw_meaning(sw)
    assert "2 tries" in sw_meaning(0x63C2)
    assert "0 tries" in sw_meaning(0x63C0)
    assert "unknown" in sw_meaning(0x6F00)
    assert SW.PIN_BLOCKED == 0x6984


# ---------------------------------------------------------------------------------- TLV
def test_tlv_two_byte_tags_and_long_lengths() -> None:
    value = b"x" * 300
    raw = encode_tlv(0xDF22, value)
    assert raw[:2] == b"\xdf\x22" and raw[2:5] == b"\x82\x01\x2c"
    t = parse_tlv(raw)
    assert (t.tag, t.value, t.length) == (0xDF22, value, len(raw))
    assert parse_tlv(encode_tlv(0xFF20, b"a" * 200)).value == b"a" * 200  # 81 C8
    assert encode_length(0x7F) == b"\x7f"
    assert encode_length(0x80) == b"\x81\x80"
    assert encode_length(0x100) == b"\x82\x01\x00"
    assert parse_tlv(b"\x30\x00").constructed
    assert not parse_tlv(b"\x04\x00").constructed


def test_tlv_sequence_with_padding() -> None:
    raw = encode_tlv(0xDF31, b"a" * 32) + encode_tlv(0x04, b"") + b"\xff" * 10
    tlvs = parse_tlvs(raw)
    assert [t.tag for t in tlvs] == [0xDF31, 0x04]
    assert tlvs[1].offset == 35


@pytest.mark.parametrize(
    "raw",
    ["", "DF", "DF21", "DF2105AA", "0481", "04820001", "0485000000000000", "0480", "9F8181818101"],
)
def test_tlv_malformed(raw: str) -> None:
    with pytest.raises(CardResponseError):
        parse_tlv(bytes.fromhex(raw))


# ---------------------------------------------------------------------- property tests
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_command_parse_raises_only_mynalib_errors(raw: bytes) -> None:
    try:
        apdu = CommandAPDU.parse(raw)
    except MynaError:
        return
    assert apdu.to_bytes() == raw or raw[4:5] == b"\x00"  # re-encodes (extended forms aside)


@FAST
@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=400),
    st.one_of(st.none(), st.integers(0, 0xFFFF)),
    st.booleans(),
)
def test_command_roundtrip(
    cla: int, ins: int, p1: int, p2: int, data: bytes, le: int | None, extended: bool
) -> None:
    if not extended and (len(data) > 255 or (le is not None and le > 255)):
        extended = True
    apdu = CommandAPDU(cla, ins, p1, p2, data, le, extended)
    parsed = CommandAPDU.parse(apdu.to_bytes())
    assert parsed.to_bytes() == apdu.to_bytes()
    assert (parsed.cla, parsed.ins, parsed.p1, parsed.p2) == (cla, ins, p1, p2)
    assert (parsed.data, parsed.le) == (data, le)
    if data or le is not None:
        assert parsed.extended == extended


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_tlv_raises_only_mynalib_errors(raw: bytes) -> None:
    for fn in (parse_tlv, parse_tlvs, ResponseAPDU.parse):
        try:
            fn(raw)
        except MynaError:
            pass


@FAST
@given(st.binary(max_size=300), st.binary(max_size=300), st.binary(max_size=400))
def test_any_bytes_kenhojo_parsers_raise_only_mynalib_errors(a: bytes, b: bytes, c: bytes) -> None:
    for fn, args in (
        (parse_my_number_file, (a,)),
        (parse_attributes_file, (b,)),
        (check_integrity, (a, b, c)),
    ):
        try:
            fn(*args)  # type: ignore[operator]
        except MynaError:
            pass


@FAST
@given(st.binary(min_size=0, max_size=300))
def test_any_bytes_kenhojo_with_valid_header(tail: bytes) -> None:
    # structured-looking garbage: right outer tag, arbitrary body
    for raw in (b"\xff\x20" + bytes((len(tail) & 0x7F,)) + tail, b"\xff\x30\x81\xff" + tail):
        try:
            parse_attributes_file(raw)
        except MynaError:
            pass
        try:
            check_integrity(b"", b"", raw)
        except MynaError:
            pass


# ------------------------------------------------- a card answering garbage: only our errors
class _GarbageTransport:
    name = "garbage"

    def __init__(self, answers: list[tuple[bytes, int]]):
        self.answers = answers
        self.i = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if not self.answers:
            return b"", 0x9000
        answer = self.answers[self.i % len(self.answers)]
        self.i += 1
        return answer

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


_SW = st.sampled_from(
    [0x9000, 0x6982, 0x6984, 0x6A82, 0x6B00, 0x6700, 0x63C0, 0x63C1, 0x63C3, 0x6F00, 0x0000]
)


@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=300), _SW), max_size=12), st.integers(0, 6))
def test_jpki_against_garbage_answers_raises_only_mynalib_errors(
    answers: list[tuple[bytes, int]], which: int
) -> None:
    from mynalib.card.jpki import JpkiCard
    from mynalib.card.kenhojo import read_kenhojo
    from mynalib.secrets import Pin

    card = JpkiCard(_GarbageTransport(answers))  # type: ignore[arg-type]
    actions = [
        card.read_auth_certificate,
        card.status,
        lambda: card.sign_auth(b"x", Pin("1234"), allow_last_try=True),
        lambda: read_kenhojo(card, Pin("1234", "kenhojo"), allow_last_try=True),
        lambda: card.read_sign_certificate(Pin("ABC123", "sign"), allow_last_try=True),
        card.certificates_present,
        lambda: card.change_pin("auth", Pin("1234"), Pin("5678"), allow_last_try=True),
    ]
    try:
        actions[which]()
    except MynaError:
        pass
