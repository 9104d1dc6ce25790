"""Command/response APDUs, the My Number card's status words, and a small BER-TLV parser.

Everything here is pure (no I/O). Malformed input raises :class:`~mynalib.errors.CardResponseError`
(a response or TLV from the card) or :class:`ApduFormatError` (a command APDU that cannot be parsed
by the software card) — never an ``IndexError`` or ``ValueError``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import CardError, CardResponseError
from ..log import SECRET_INS

__all__ = [
    "SW",
    "ApduFormatError",
    "CommandAPDU",
    "ResponseAPDU",
    "Tlv",
    "encode_length",
    "encode_tlv",
    "parse_tlv",
    "parse_tlvs",
    "sw_meaning",
]

#: DigestInfo prefix for SHA-256 (docs/CARD.md §3)
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class ApduFormatError(CardError):
    """A command APDU is malformed (bad length fields)."""


class SW(enum.IntEnum):
    """Status words as the My Number card uses them (docs/CARD.md §4)."""

    OK = 0x9000
    WRONG_PIN_BASE = (
        0x63C0  # 63Cx: x tries left; 63C0 alone: last try used / blocked on empty VERIFY
    )
    COMMAND_NOT_ALLOWED_ON_FILE = 0x6981
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    PIN_BLOCKED = 0x6984
    NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    OFFSET_BEYOND_END = 0x6B00
    WRONG_LENGTH = 0x6700
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS: dict[SW, str] = {
    SW.OK: "ok",
    SW.WRONG_PIN_BASE: "wrong PIN / tries left (63Cx)",
    SW.COMMAND_NOT_ALLOWED_ON_FILE: "command not allowed on this kind of file",
    SW.SECURITY_STATUS_NOT_SATISFIED: "security status not satisfied (PIN not verified)",
    SW.PIN_BLOCKED: "PIN blocked",
    SW.NOT_FOUND: "file or applet not found",
    SW.WRONG_P1P2: "wrong P1/P2",
    SW.OFFSET_BEYOND_END: "offset beyond the end of the file",
    SW.WRONG_LENGTH: "wrong length",
    SW.INS_NOT_SUPPORTED: "instruction not supported",
    SW.CLA_NOT_SUPPORTED: "class not supported",
}


def is_tries_sw(sw: int) -> bool:
    """True for 63Cx."""
    return sw & 0xFFF0 == 0x63C0


def sw_meaning(sw: int) -> str:
    """Human-readable meaning of any status word."""
    if is_tries_sw(sw):
        return f"wrong PIN or counter query: {sw & 0x0F} tries left"
    try:
        return SW(sw).meaning
    except ValueError:
        return f"unknown status word {sw:04X}"


@dataclass(frozen=True)
class CommandAPDU:
    """An ISO 7816-4 command APDU. ``le`` None: no Le; 0 means 'maximum' (256 or 65536)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    extended: bool = False

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFF:
                raise ApduFormatError(f"{name} out of range: {value}")
        max_lc = 0xFFFF if self.extended else 0xFF
        if len(self.data) > max_lc:
            raise ApduFormatError(
                f"command data too long for {'an extended' if self.extended else 'a short'} APDU"
            )
        if self.le is not None and not 0 <= self.le <= (0xFFFF if self.extended else 0xFF):
            raise ApduFormatError(f"Le out of range: {self.le}")

    def __repr__(self) -> str:  # the data of VERIFY / CHANGE REFERENCE DATA is a PIN
        data = "<redacted>" if self.ins in SECRET_INS else repr(self.data)  # not even its length
        return (
            f"CommandAPDU(cla={self.cla}, ins={self.ins}, p1={self.p1}, p2={self.p2}, "
            f"data={data}, le={self.le}, extended={self.extended})"
        )

    @property
    def ne(self) -> int:
        """The number of bytes expected (Le decoded: 0 means 256, or 65536 if extended)."""
        if self.le is None:
            return 0
        if self.le == 0:
            return 65536 if self.extended else 256
        return self.le

    def to_bytes(self) -> bytes:
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        if not self.extended:
            body = b""
            if self.data:
                body += bytes((len(self.data),)) + self.data
            if self.le is not None:
                body += bytes((self.le,))
            return header + body
        body = b""
        if self.data:
            body += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
        if self.le is not None:
            body += (b"" if self.data else b"\x00") + self.le.to_bytes(2, "big")
        return header + body

    __bytes__ = to_bytes

    @classmethod
    def parse(cls, raw: bytes) -> CommandAPDU:
        """Decode a command APDU (cases 1, 2, 3, 4, short and extended)."""
        n = len(raw)
        if n < 4:
            raise ApduFormatError(f"a command APDU has at least 4 bytes (got {n})")
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        if n == 4:
            return cls(cla, ins, p1, p2)
        if n == 5:
            return cls(cla, ins, p1, p2, le=raw[4])
        if raw[4] != 0:  # short with data
            lc = raw[4]
            if n == 5 + lc:
                return cls(cla, ins, p1, p2, bytes(raw[5:]))
            if n == 6 + lc:
                return cls(cla, ins, p1, p2, bytes(raw[5 : 5 + lc]), le=raw[-1])
            raise ApduFormatError(f"Lc {lc} does not match the APDU length {n}")
        # extended: 00 followed by 2 bytes
        if n == 7:
            return cls(cla, ins, p1, p2, le=int.from_bytes(raw[5:7], "big"), extended=True)
        if n < 7:
            raise ApduFormatError(f"truncated extended APDU ({n} bytes)")
        lc = int.from_bytes(raw[5:7], "big")
        if lc == 0:
            raise ApduFormatError("extended Lc of zero")
        if n == 7 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[7:]), extended=True)
        if n == 9 + lc:
            return cls(
                cla,
                ins,
                p1,
                p2,
                bytes(raw[7 : 7 + lc]),
                le=int.from_bytes(raw[-2:], "big"),
                extended=True,
            )
        raise ApduFormatError(f"extended Lc {lc} does not match the APDU length {n}")


@dataclass(frozen=True)
class ResponseAPDU:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def parse(cls, raw: bytes) -> ResponseAPDU:
        if len(raw) < 2:
            raise CardResponseError(
                f"A card response has at least 2 bytes (status word), got {len(raw)}",
                hint="check the reader connection and try again",
            )
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


# ------------------------------------------------------------------------------------ BER-TLV
@dataclass(frozen=True)
class Tlv:
    """One BER-TLV: ``tag`` as an int of its raw bytes (e.g. 0xDF21), ``value``, and where it sat."""

    tag: int
    value: bytes
    offset: int = 0  # where the TLV starts in the parsed buffer
    length: int = 0  # total encoded length (tag + length + value)

    @property
    def constructed(self) -> bool:
        first = self.tag.to_bytes(max(1, (self.tag.bit_length() + 7) // 8), "big")[0]
        return bool(first & 0x20)


def _bad(message: str) -> CardResponseError:
    return CardResponseError(f"Malformed TLV data: {message}", hint="the card data is damaged")


def parse_tlv(data: bytes, offset: int = 0) -> Tlv:
    """Parse the TLV starting at ``offset`` (multi-byte tags; lengths 81 xx / 82 xx xx / 83..84)."""
    n = len(data)
    pos = offset
    if pos >= n:
        raise _bad("no tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # multi-byte tag
        while True:
            if pos >= n:
                raise _bad("truncated tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if pos - offset > 4:
                raise _bad("tag longer than 4 bytes")
    if pos >= n:
        raise _bad("no length")
    lb = data[pos]
    pos += 1
    if lb < 0x80:
        length = lb
    elif lb == 0x80 or lb > 0x84:
        raise _bad(f"unsupported length byte {lb:02X}")
    else:
        count = lb & 0x7F
        if pos + count > n:
            raise _bad("truncated length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > n:
        raise _bad(f"value of {length} bytes runs past the end ({n - pos} available)")
    return Tlv(tag, bytes(data[pos : pos + length]), offset, pos + length - offset)


def parse_tlvs(data: bytes) -> list[Tlv]:
    """Parse a sequence of TLVs filling ``data`` exactly (trailing FF/00 padding is ignored)."""
    out: list[Tlv] = []
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] in (0x00, 0xFF) and all(b == data[pos] for b in data[pos:]):
            break  # filler up to the end of the file
        tlv = parse_tlv(data, pos)
        out.append(tlv)
        pos += tlv.length
    return out


def encode_length(length: int) -> bytes:
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes((length,))
    if length <= 0xFF:
        return b"\x81" + bytes((length,))
    if length <= 0xFFFF:
        return b"\x82" + length.to_bytes(2, "big")
    return b"\x83" + length.to_bytes(3, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + value


def digest_info_sha256(digest: bytes) -> bytes:
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest has 32 bytes")
    return SHA256_DIGEST_INFO_PREFIX + digest
