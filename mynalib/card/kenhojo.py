"""券面事項入力補助 (Kenhojo): the My Number and 基本4情報 (name, address, birth date, sex).

The My Number is masked to its last four digits unless the caller asks for it in full. The
integrity record's two SHA-256 hashes are checked against the data read; the issuer's signature
over them can only be checked with the issuer's public key, which J-LIS does not publish: the
result says so (tests pass the software card's test issuer key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..errors import CardResponseError
from ..secrets import Pin
from .apdu import Tlv, encode_tlv, parse_tlv
from .session import CardSession, PinFile

AID_KENHOJO = bytes.fromhex("D3921000310001010408")
EF_KENHOJO_PIN = 0x0011
EF_MY_NUMBER = 0x0001
EF_ATTRIBUTES = 0x0002
EF_INTEGRITY = 0x0003

SEX_LABELS = {"1": "男性", "2": "女性", "9": "適用不能", "0": "不明"}


@dataclass(frozen=True)
class Integrity:
    my_number_hash_ok: bool
    attributes_hash_ok: bool
    #: "valid" / "invalid" with an issuer key; "not checked" without one
    signature: str
    note: str

    @property
    def ok(self) -> bool:
        return self.my_number_hash_ok and self.attributes_hash_ok and self.signature != "invalid"


@dataclass(frozen=True)
class KenhojoInfo:
    my_number: str  # masked ("********1234") unless asked for in full
    name: str
    address: str
    birth: dt.date | None
    birth_raw: str
    sex: str  # "1" male, "2" female, "9" not applicable, "0" unknown
    integrity: Integrity

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, self.sex)

    def __repr__(self) -> str:
        # never a full My Number in a repr, even when the caller asked for it
        masked = "********" + self.my_number[-4:]
        return (
            f"KenhojoInfo(my_number={masked!r}, name={self.name!r}, birth={self.birth_raw!r}, "
            f"sex={self.sex!r}, integrity_ok={self.integrity.ok})"
        )


def mask_my_number(number: str) -> str:
    return "*" * (len(number) - 4) + number[-4:]


def parse_my_number_file(ef1: bytes) -> str:
    """``FF 10 0C`` + 12 ASCII digits (then filler)."""
    tlv = parse_tlv(ef1)
    if tlv.tag != 0xFF10 or len(tlv.value) != 12 or not tlv.value.isdigit():
        raise CardResponseError("The My Number file (EF 0001) is malformed")
    return tlv.value.decode("ascii")


def parse_attributes_file(ef2: bytes) -> tuple[str, str, str, str, bytes]:
    """``FF 20 L { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }``.

    Returns (name, address, birth YYYYMMDD, sex, bytes from DF22 to the end) — the TLVs are found
    through the four DF21 offsets, which count from the start of the file.
    """
    outer = parse_tlv(ef2)
    if outer.tag != 0xFF20:
        raise CardResponseError("The 基本4情報 file (EF 0002) does not start with FF 20")
    body_start = outer.length - len(outer.value)
    end = outer.length
    index = parse_tlv(ef2[:end], body_start)
    if index.tag != 0xDF21 or len(index.value) != 8:
        raise CardResponseError("The 基本4情報 file has no DF21 offset table")
    offsets = [int.from_bytes(index.value[i : i + 2], "big") for i in range(0, 8, 2)]
    expected = (0xDF22, 0xDF23, 0xDF24, 0xDF25)
    tlvs: list[Tlv] = []
    for offset, tag in zip(offsets, expected, strict=True):
        if not body_start <= offset < end:
            raise CardResponseError(f"The DF21 offset {offset} points outside the data")
        tlv = parse_tlv(ef2[:end], offset)
        if tlv.tag != tag:
            raise CardResponseError(f"Expected tag {tag:04X} at offset {offset}")
        tlvs.append(tlv)
    try:
        name, address, birth, sex = (t.value.decode("utf-8") for t in tlvs)
    except UnicodeDecodeError:
        raise CardResponseError("The 基本4情報 text is not UTF-8") from None
    return name, address, birth, sex, bytes(ef2[offsets[0] : end])


def check_integrity(
    ef1: bytes,
    attributes_tail: bytes,
    ef3: bytes,
    issuer_public_key: rsa.RSAPublicKey | None = None,
) -> Integrity:
    """Compare DF31/DF32 with the data read; check DF33 only if an issuer key is given."""
    outer = parse_tlv(ef3)
    if outer.tag != 0xFF30:
        raise CardResponseError("The integrity record (EF 0003) does not start with FF 30")
    fields: dict[int, bytes] = {}
    pos = 0
    while pos < len(outer.value):
        t = parse_tlv(outer.value, pos)
        fields[t.tag] = t.value
        pos += t.length
    if not {0xDF31, 0xDF32, 0xDF33} <= set(fields):
        raise CardResponseError("The integrity record lacks DF31/DF32/DF33")
    h1 = fields[0xDF31] == hashlib.sha256(ef1).digest()
    h2 = fields[0xDF32] == hashlib.sha256(attributes_tail).digest()
    if issuer_public_key is None:
        return Integrity(
            h1,
            h2,
            "not checked",
            "the issuer signature (DF33) cannot be checked without the issuer's public key, "
            "which is not published; only the two hashes were compared",
        )
    signed = encode_tlv(0xDF31, fields[0xDF31]) + encode_tlv(0xDF32, fields[0xDF32])
    try:
        issuer_public_key.verify(fields[0xDF33], signed, padding.PKCS1v15(), hashes.SHA256())
        sig = "valid"
    except InvalidSignature:
        sig = "invalid"
    return Integrity(h1, h2, sig, "hashes compared and issuer signature checked")


def _read_tlv_file(card: CardSession, fid: int) -> bytes:
    """Read a TLV-structured EF: the header first, then exactly the TLV's length."""
    head = card.read_file(fid, 8)
    if len(head) < 3:
        raise CardResponseError(f"File {fid:04X} is too short")
    # header: tag (1-2 bytes), then length (1-3 bytes)
    tag_len = 2 if head[0] & 0x1F == 0x1F else 1
    lb = head[tag_len]
    if lb < 0x80:
        header, length = tag_len + 1, lb
    elif lb in (0x81, 0x82):
        n = lb & 0x7F
        header, length = tag_len + 1 + n, int.from_bytes(head[tag_len + 1 : tag_len + 1 + n], "big")
    else:
        raise CardResponseError(f"File {fid:04X} has an unsupported length byte {lb:02X}")
    total = header + length
    if total <= len(head):
        return head[:total]
    return card.read_file(fid, total)[:total]


class KenhojoApplet:
    """The 券面事項入力補助 applet over a :class:`CardSession` (which it tells where its PIN lives)."""

    def __init__(self, session: CardSession):
        self.session = session
        session.register_applet(AID_KENHOJO, "券面事項入力補助")
        session.register_pin("kenhojo", PinFile(AID_KENHOJO, EF_KENHOJO_PIN))

    def select(self) -> None:
        """Select the applet (:class:`~mynalib.errors.AppletNotFound` when the card has none)."""
        self.session.select_applet(AID_KENHOJO)

    def tries_left(self) -> int:
        """Tries left for the 券面事項入力補助 PIN (empty VERIFY: no try is spent)."""
        return self.session.tries_left("kenhojo")

    def read(
        self,
        pin: Pin,
        *,
        full_number: bool = False,
        allow_last_try: bool = False,
        issuer_public_key: rsa.RSAPublicKey | None = None,
    ) -> KenhojoInfo:
        """VERIFY the PIN (docs/CARD.md §5 rules, in the session), then read and check the files."""
        session = self.session
        session.verify("kenhojo", pin, allow_last_try=allow_last_try)
        ef1 = session.read_file(EF_MY_NUMBER, 256)  # 17 bytes: the card returns what there is
        number = parse_my_number_file(ef1)
        ef2 = _read_tlv_file(session, EF_ATTRIBUTES)
        name, address, birth_raw, sex, tail = parse_attributes_file(ef2)
        ef3 = _read_tlv_file(session, EF_INTEGRITY)
        integrity = check_integrity(ef1, tail, ef3, issuer_public_key)
        try:
            birth: dt.date | None = dt.datetime.strptime(birth_raw, "%Y%m%d").date()
        except ValueError:
            birth = None
        return KenhojoInfo(
            my_number=number if full_number else mask_my_number(number),
            name=name,
            address=address,
            birth=birth,
            birth_raw=birth_raw,
            sex=sex,
            integrity=integrity,
        )


def kenhojo_applet(card: object) -> KenhojoApplet:
    """The 券面事項入力補助 applet of a :class:`CardSession`, an applet or a card holding one."""
    if isinstance(card, KenhojoApplet):
        return card
    if isinstance(card, CardSession):
        return KenhojoApplet(card)
    applet = getattr(card, "kenhojo_applet", None)
    if isinstance(applet, KenhojoApplet):
        return applet
    raise TypeError(f"not a card session: {type(card).__name__}")


def read_kenhojo(
    card: object,
    pin: Pin,
    *,
    full_number: bool = False,
    allow_last_try: bool = False,
    issuer_public_key: rsa.RSAPublicKey | None = None,
) -> KenhojoInfo:
    """VERIFY the 券面事項入力補助 PIN (docs/CARD.md §5 rules), then read and check the three files.

    ``card``: a :class:`CardSession`, a :class:`KenhojoApplet`, or a JPKI card over a session.
    """
    return kenhojo_applet(card).read(
        pin,
        full_number=full_number,
        allow_last_try=allow_last_try,
        issuer_public_key=issuer_public_key,
    )
