"""The software My Number card: answers APDUs exactly as docs/CARD.md describes.

Applets JPKI and 券面事項入力補助 (plus empty 券面事項確認 and 住基 applets that select and hold no
files), padded certificate EFs, PIN-protected files and keys, PIN counters (63Cx / 63C0 / 6984),
the empty VERIFY, CHANGE REFERENCE DATA, short-file-id forms, short and extended READ BINARY,
6B00 past the end, ``80 2A 00 80`` signing, verified state cleared on reset, power-off and applet
change, 6D00 / 6E00 for unknown instructions / classes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from ..apdu import SHA256_DIGEST_INFO_PREFIX, ApduFormatError, CommandAPDU
from .profile import CardProfile

AID_JPKI = bytes.fromhex("D392F000260100000001")
AID_KENHOJO = bytes.fromhex("D3921000310001010408")
AID_KENKAKU = bytes.fromhex("D3921000310001010402")
AID_JUKI = bytes.fromhex("D3921000310001010401")


def _make_atr() -> bytes:
    """A PC/SC-style ATR for a contactless card, historical bytes "MYNATEST" (never identifies)."""
    body = bytes.fromhex("3B888001") + b"MYNATEST"
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes((tck,))


ATR = _make_atr()


def _sw(sw: int, data: bytes = b"") -> bytes:
    return data + sw.to_bytes(2, "big")


@dataclass
class _EF:
    kind: str  # "binary" | "pin" | "key"
    content: bytes = b""  # binary: the full (padded) file content
    protected_by: str | None = None  # PIN kind needed to read / use
    pin: str | None = None  # for kind == "pin": which PIN ("auth" | "sign" | "kenhojo")
    key: rsa.RSAPrivateKey | None = None


def _pad(data: bytes, *, minimum_padding: int = 16, block: int = 256, fill: int = 0xFF) -> bytes:
    size = len(data) + minimum_padding
    size = (size + block - 1) // block * block
    return data + bytes((fill,)) * (size - len(data))


class VirtualCard:
    """A software My Number card built from a :class:`CardProfile`.

    ``on_change`` is called (with the profile) after every PIN counter or PIN change, so a
    file-backed card persists a blocked PIN across runs. Thread-safe (one lock per card).
    """

    atr = ATR

    def __init__(
        self,
        profile: CardProfile,
        *,
        on_change: Callable[[CardProfile], None] | None = None,
    ):
        self.profile = profile
        self.on_change = on_change
        self._lock = threading.Lock()
        self.powered = True
        self.applets: dict[bytes, dict[int, _EF]] = self._build_applets(profile)
        self._applet: bytes | None = None
        self._ef: int | None = None
        self._verified: set[str] = set()
        self.apdu_count = 0

    # ------------------------------------------------------------------------ file system
    @staticmethod
    def _build_applets(p: CardProfile) -> dict[bytes, dict[int, _EF]]:
        def der(cert: object) -> bytes:
            return cert.public_bytes(serialization.Encoding.DER)  # type: ignore[attr-defined]

        has_sign = p.sign_certificate is not None and p.sign_key is not None
        token = p.token_label.encode("ascii").ljust(32, b" ")
        jpki: dict[int, _EF] = {
            0x0002: _EF("binary", _pad(der(p.sign_ca_certificate))),
            0x0006: _EF("binary", token + b"\x00" * 32),
            0x0008: _EF("binary", bytes((0x8F if has_sign else 0x00, 0x8F, 0x00))),
            0x000A: _EF("binary", _pad(der(p.auth_certificate))),
            0x000B: _EF("binary", _pad(der(p.auth_ca_certificate))),
            0x0017: _EF("key", protected_by="auth", key=p.auth_key),
            0x0018: _EF("pin", pin="auth"),
            0x001B: _EF("pin", pin="sign"),
        }
        if has_sign:
            jpki[0x0001] = _EF("binary", _pad(der(p.sign_certificate)), protected_by="sign")
            jpki[0x001A] = _EF("key", protected_by="sign", key=p.sign_key)
        ef1, ef2, ef3 = p.kenhojo_files
        kenhojo: dict[int, _EF] = {
            0x0001: _EF("binary", ef1, protected_by="kenhojo"),
            0x0002: _EF("binary", _pad(ef2, fill=0xFF), protected_by="kenhojo"),
            0x0003: _EF("binary", _pad(ef3, fill=0xFF)),
            0x0011: _EF("pin", pin="kenhojo"),
        }
        return {AID_JPKI: jpki, AID_KENHOJO: kenhojo, AID_KENKAKU: {}, AID_JUKI: {}}

    # ------------------------------------------------------------------------- power / reset
    def power_on(self) -> None:
        with self._lock:
            self.powered = True
            self._clear()

    def power_off(self) -> None:
        with self._lock:
            self.powered = False
            self._clear()

    def reset(self) -> None:
        with self._lock:
            self.powered = True
            self._clear()

    def _clear(self) -> None:
        self._applet = None
        self._ef = None
        self._verified.clear()

    @property
    def verified(self) -> frozenset[str]:
        return frozenset(self._verified)

    # ------------------------------------------------------------------------------ dispatch
    def process(self, raw: bytes) -> bytes:
        """One command APDU in, one response (data + SW) out. Never raises."""
        with self._lock:
            self.apdu_count += 1
            try:
                apdu = CommandAPDU.parse(raw)
            except ApduFormatError:
                return _sw(0x6700)
            if apdu.cla not in (0x00, 0x80):
                return _sw(0x6E00)
            handler = {
                (0x00, 0xA4): self._select,
                (0x00, 0xB0): self._read_binary,
                (0x00, 0x20): self._verify,
                (0x00, 0x24): self._change,
                (0x80, 0x2A): self._sign,
            }.get((apdu.cla, apdu.ins))
            if handler is None:
                return _sw(0x6D00)
            return handler(apdu)

    def _files(self) -> dict[int, _EF] | None:
        return None if self._applet is None else self.applets[self._applet]

    # ------------------------------------------------------------------------------- SELECT
    def _select(self, a: CommandAPDU) -> bytes:
        if a.p1 == 0x04:
            if a.p2 not in (0x0C, 0x00):
                return _sw(0x6A86)
            if not a.data:
                return _sw(0x6700)
            if a.data not in self.applets:
                return _sw(0x6A82)
            self._applet = a.data
            self._ef = None
            self._verified.clear()  # applet change clears the verified state
            return _sw(0x9000)
        if a.p1 == 0x02:
            if a.p2 not in (0x0C, 0x00):
                return _sw(0x6A86)
            if len(a.data) != 2:
                return _sw(0x6700)
            files = self._files()
            fid = int.from_bytes(a.data, "big")
            if files is None or fid not in files:
                return _sw(0x6A82)
            self._ef = fid
            return _sw(0x9000)
        return _sw(0x6A86)

    def _by_short_id(self, sfid: int) -> tuple[int, _EF] | None:
        files = self._files()
        if files is None or sfid == 0 or sfid not in files:
            return None
        return sfid, files[sfid]

    # -------------------------------------------------------------------------- READ BINARY
    def _read_binary(self, a: CommandAPDU) -> bytes:
        if a.data:
            return _sw(0x6700)
        if a.extended and not self.profile.extended_length:
            return _sw(0x6700)
        if a.p1 & 0x80:
            if a.p1 & 0x60:
                return _sw(0x6A86)
            found = self._by_short_id(a.p1 & 0x1F)
            if found is None:
                return _sw(0x6A82)
            self._ef = found[0]
            ef = found[1]
            offset = a.p2
        else:
            files = self._files()
            if files is None or self._ef is None:
                return _sw(0x6A82)
            ef = files[self._ef]
            offset = (a.p1 << 8) | a.p2
        if ef.kind != "binary":
            return _sw(0x6981)
        if ef.protected_by and ef.protected_by not in self._verified:
            return _sw(0x6982)
        if offset >= len(ef.content):
            return _sw(0x6B00)
        ne = a.ne if a.le is not None else 256
        return _sw(0x9000, ef.content[offset : offset + ne])

    # ------------------------------------------------------------------------------- VERIFY
    def _pin_target(self, a: CommandAPDU) -> tuple[_EF | None, int]:
        """The PIN EF addressed by P2 (80: current EF; 80|sfid: short id); SW if not usable."""
        if a.p2 & 0x80 == 0 or a.p2 & 0x60:
            return None, 0x6A86
        sfid = a.p2 & 0x1F
        files = self._files()
        if files is None:
            return None, 0x6A82
        if sfid:
            found = self._by_short_id(sfid)
            if found is None:
                return None, 0x6A82
            self._ef = found[0]
            ef = found[1]
        else:
            if self._ef is None:
                return None, 0x6A82
            ef = files[self._ef]
        if ef.kind != "pin":
            return None, 0x6981
        return ef, 0x9000

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.profile)

    def _verify(self, a: CommandAPDU) -> bytes:
        if a.p1 != 0x00:
            return _sw(0x6A86)
        ef, sw = self._pin_target(a)
        if ef is None or ef.pin is None:
            return _sw(sw)
        which = ef.pin
        tries = self.profile.tries_left[which]
        if not a.data:  # empty VERIFY: the counter, no try spent
            return _sw(0x63C0 | min(tries, 0x0F))
        if tries <= 0:
            return _sw(0x6984)
        if a.data == self.profile.pins[which].encode("ascii"):
            self.profile.tries_left[which] = self.profile.max_tries[which]
            self._verified.add(which)
            if tries != self.profile.max_tries[which]:
                self._changed()
            return _sw(0x9000)
        self.profile.tries_left[which] = tries - 1
        self._verified.discard(which)
        self._changed()
        return _sw(0x63C0 | (tries - 1))

    def _change(self, a: CommandAPDU) -> bytes:
        if a.p1 != 0x01:
            return _sw(0x6A86)
        ef, sw = self._pin_target(a)
        if ef is None or ef.pin is None:
            return _sw(sw)
        which = ef.pin
        if self.profile.tries_left[which] <= 0:
            return _sw(0x6984)
        if which not in self._verified:
            return _sw(0x6982)
        lengths = (4, 4) if which in ("auth", "kenhojo") else (6, 16)
        if not lengths[0] <= len(a.data) <= lengths[1]:
            return _sw(0x6700)
        try:
            new = a.data.decode("ascii")
        except UnicodeDecodeError:
            return _sw(0x6A80)
        self.profile.pins[which] = new
        self._changed()
        return _sw(0x9000)

    # --------------------------------------------------------------------------------- sign
    def _sign(self, a: CommandAPDU) -> bytes:
        if a.p1 != 0x00 or a.p2 & 0x80 == 0 or a.p2 & 0x60:
            return _sw(0x6A86)
        files = self._files()
        if files is None:
            return _sw(0x6A82)
        sfid = a.p2 & 0x1F
        if sfid:
            found = self._by_short_id(sfid)
            if found is None:
                return _sw(0x6A82)
            self._ef, ef = found
        else:
            if self._ef is None:
                return _sw(0x6A82)
            ef = files[self._ef]
        if ef.kind != "key" or ef.key is None:
            return _sw(0x6981)
        assert ef.protected_by is not None
        if self.profile.tries_left[ef.protected_by] <= 0:
            return _sw(0x6984)
        if ef.protected_by not in self._verified:
            return _sw(0x6982)
        if not a.data or len(a.data) > ef.key.key_size // 8 - 11:
            return _sw(0x6700)
        return _sw(0x9000, _pkcs1_sign(ef.key, a.data))


def _pkcs1_sign(key: rsa.RSAPrivateKey, digest_info: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over an arbitrary DigestInfo (as the card does: it pads and signs)."""
    if len(digest_info) == 51 and digest_info.startswith(SHA256_DIGEST_INFO_PREFIX):
        return key.sign(digest_info[19:], padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    k = key.key_size // 8
    em = b"\x00\x01" + b"\xff" * (k - 3 - len(digest_info)) + b"\x00" + digest_info
    n = key.private_numbers()
    m = int.from_bytes(em, "big")
    # CRT
    m1 = pow(m, n.dmp1, n.p)
    m2 = pow(m, n.dmq1, n.q)
    h = (n.iqmp * (m1 - m2)) % n.p
    s = m2 + h * n.q
    return s.to_bytes(k, "big")
