"""The JPKI applet (公的個人認証) over a :class:`~mynalib.card.session.CardSession`:
certificates, token label, signatures, PIN change, status.

PIN counters and VERIFY live in the session, which enforces every rule of docs/CARD.md §5 for
every PIN (this applet's and the 券面事項入力補助 applet's):

* the counter is read (empty VERIFY) before every VERIFY, and available to show before asking;
* one try left: refused unless ``allow_last_try=True``; zero: refused outright (:class:`PinBlocked`);
* the PIN format is checked locally by :class:`~mynalib.secrets.Pin` before anything is sent;
* a PIN the card rejected is marked failed and never sent again (:class:`PinReuseError`);
* a VERIFY is never retried, not even after a transport error: the counter is re-read and reported.

The PIN bytes only ever exist inside the VERIFY/CHANGE APDU; traffic logging redacts those bodies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from ..errors import (
    AppletNotFound,
    CardError,
    CardResponseError,
    PinBlocked,
    PinFormatError,
    SecurityStatusNotSatisfied,
)
from ..log import get_logger
from ..pins import MAX_TRIES, PIN_NAMES
from ..secrets import Pin
from .apdu import SW, CommandAPDU, digest_info_sha256
from .kenhojo import KenhojoApplet
from .session import CardSession, PinFile
from .transport import CardTransport

log = get_logger("mynalib.card.jpki")

AID_JPKI = bytes.fromhex("D392F000260100000001")

#: what the JPKI token label (EF 0006) says holds the certificates: the physical card, or a
#: スマホ用電子証明書 held in a smartphone's secure element (the software tooling issues that
#: label; real phones' labels may differ — uncertain)
TOKEN_KINDS: dict[str, str] = {
    "JPKIAPICCTOKEN2": "card",
    "JPKIAPICCTOKEN": "card",  # older cards
    "JPKIAPGPSPTOKEN": "smartphone",
}
CARD_TOKEN_LABELS = tuple(label for label, kind in TOKEN_KINDS.items() if kind == "card")
SMARTPHONE_TOKEN_LABELS = tuple(k for k, v in TOKEN_KINDS.items() if v == "smartphone")
#: where each kind is accepted. A PC/SC reader (`myna card`, `myna login --reader`) holds a card:
#: a smartphone certificate never reaches a reader. The smartphone login (`myna phone approve`)
#: accepts both: the card read over NFC, or the phone's own スマホ用電子証明書.
ACCEPT_CARD = frozenset({"card"})
ACCEPT_PHONE = frozenset({"card", "smartphone"})

EF_SIGN_CERT = 0x0001
EF_SIGN_CA = 0x0002
EF_TOKEN_INFO = 0x0006
EF_CERT_PRESENCE = 0x0008
EF_AUTH_CERT = 0x000A
EF_AUTH_CA = 0x000B
EF_AUTH_KEY = 0x0017
EF_AUTH_PIN = 0x0018
EF_SIGN_KEY = 0x001A
EF_SIGN_PIN = 0x001B

#: where the JPKI applet's two PINs live (券面事項入力補助's PIN is registered by its applet)
PIN_FILES: dict[str, PinFile] = {
    "auth": PinFile(AID_JPKI, EF_AUTH_PIN),
    "sign": PinFile(AID_JPKI, EF_SIGN_PIN),
}
KEY_FILES = {"auth": EF_AUTH_KEY, "sign": EF_SIGN_KEY}


@dataclass(frozen=True)
class CertificateInfo:
    """What ``card status`` shows about a certificate (never personal data from the SAN)."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    serial: int
    test_only: bool

    @classmethod
    def from_der(cls, der: bytes) -> CertificateInfo:
        cert = x509.load_der_x509_certificate(der)
        return cls(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            serial=cert.serial_number,
            test_only="O=JPKI-TEST" in cert.issuer.rfc4514_string(),
        )

    def days_left(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.timezone.utc)
        return (self.not_after - now).days


@dataclass
class CardStatus:
    """Per PIN: tries left (and maximum); certificate subjects, issuers and expiry dates."""

    reader: str
    token_label: str
    tries_left: dict[str, int]
    max_tries: dict[str, int]
    has_sign_certificate: bool
    auth_certificate: CertificateInfo
    auth_ca_certificate: CertificateInfo
    sign_ca_certificate: CertificateInfo | None
    notes: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> list[str]:
        return [k for k, v in self.tries_left.items() if v == 0]

    def to_dict(self) -> dict[str, Any]:
        def info(c: CertificateInfo | None) -> dict[str, Any] | None:
            if c is None:
                return None
            return {
                "subject": c.subject,
                "issuer": c.issuer,
                "not_before": c.not_before.isoformat(),
                "not_after": c.not_after.isoformat(),
                "test_only": c.test_only,
            }

        return {
            "reader": self.reader,
            "token_label": self.token_label,
            "tries_left": dict(self.tries_left),
            "max_tries": dict(self.max_tries),
            "has_sign_certificate": self.has_sign_certificate,
            "auth_certificate": info(self.auth_certificate),
            "auth_ca_certificate": info(self.auth_ca_certificate),
            "sign_ca_certificate": info(self.sign_ca_certificate),
            "notes": list(self.notes),
        }


class JpkiCard:
    """A My Number card session over any :class:`CardTransport`. Use as a context manager.

    ``extended_reads=True`` reads each certificate with one extended-length READ BINARY (not every
    reader supports it); the default reads in chunks of at most 256 bytes.
    """

    def __init__(
        self,
        transport: CardTransport,
        *,
        extended_reads: bool = False,
        accept: frozenset[str] = ACCEPT_CARD,
    ):
        #: the session (select, read, PIN counter, VERIFY) this applet and 券面事項入力補助 share
        self.session = CardSession(transport)
        self.transport = self.session.transport
        self.reader = self.session.reader
        self.extended_reads = extended_reads
        #: the kinds of token (:data:`TOKEN_KINDS`) this session accepts
        self.accept = frozenset(accept)
        self._label: str | None = None
        self._cache: dict[int, bytes] = {}
        self.session.register_applet(AID_JPKI, "JPKI", on_enter=self._check_label)
        for which, pin_file in PIN_FILES.items():
            self.session.register_pin(which, pin_file)
        #: the 券面事項入力補助 applet over the same session
        self.kenhojo_applet = KenhojoApplet(self.session)

    # ------------------------------------------------------------------------ context manager
    def __enter__(self) -> JpkiCard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    @property
    def apdu_count(self) -> int:
        return self.session.apdu_count

    def __repr__(self) -> str:
        return f"<JpkiCard reader={self.reader!r}>"

    # ---------------------------------------------------------------------------- low level
    def _check_label(self) -> None:
        """Check the token label once per session (when the JPKI applet is first entered)."""
        if self._label is None:
            self._label = self.token_label()

    def select_jpki(self) -> None:
        """Select the JPKI applet (by AID) and check the token label once per session."""
        self.session.enter(AID_JPKI)

    def read_file(self, fid: int, length: int) -> bytes:
        """Read the first ``length`` bytes of an EF of the selected applet (short id form)."""
        return self.session.read_file(fid, length)

    def _read_certificate(self, fid: int) -> bytes:
        """Read a padded certificate EF, sized from its ``30 82 HH LL`` header."""
        if fid in self._cache:
            return self._cache[fid]
        first = self.session.read(0, 256, sfid=fid)
        if len(first) < 4 or first[0] != 0x30 or first[1] != 0x82:
            raise CardResponseError(
                f"The certificate file {fid:04X} does not start with a DER certificate",
                hint="the card data may be damaged; try another reader or card",
            )
        total = int.from_bytes(first[2:4], "big") + 4
        out = bytearray(first[:total])
        if len(out) < total and self.extended_reads:
            out += self.session.read(len(out), total - len(out))
        while len(out) < total:
            chunk = self.session.read(len(out), min(total - len(out), 256))
            if not chunk:
                raise CardResponseError(f"The certificate file {fid:04X} is truncated")
            out += chunk
        der = bytes(out[:total])
        if len(der) != total:
            raise CardResponseError(f"The certificate file {fid:04X} is truncated")
        try:
            x509.load_der_x509_certificate(der)
        except ValueError:
            raise CardResponseError(
                f"The certificate in file {fid:04X} is malformed",
                hint="the card data may be damaged",
            ) from None
        self._cache[fid] = der
        return der

    # --------------------------------------------------------------------------- information
    def token_label(self) -> str:
        """The token label (EF 0006), refused unless its kind (:data:`TOKEN_KINDS`) is one this
        session accepts (:attr:`accept`: a card by default)."""
        self.session.select_applet(AID_JPKI)
        raw = self.session.read(0, 32, sfid=EF_TOKEN_INFO)
        label = raw[:32].decode("ascii", errors="replace").rstrip(" \x00")
        kind = TOKEN_KINDS.get(label)
        if kind is None:
            raise AppletNotFound(
                f"The JPKI token label is {label!r}, neither a My Number card's "
                f"({' or '.join(CARD_TOKEN_LABELS)}) nor a smartphone certificate's",
                hint="put the physical My Number card on the reader",
            )
        if kind not in self.accept:
            if kind == "smartphone":
                raise AppletNotFound(
                    f"The token {label!r} is a スマホ用電子証明書 (held in a smartphone): it is "
                    "used by the smartphone login, not by a card reader",
                    hint="approve the login on the phone (`myna phone approve URL "
                    "--smartphone-cert`), or put the physical card on the reader",
                    ja="スマホ用電子証明書はスマートフォンでのログインに使います。カードリーダーでは"
                    "マイナンバーカードを使ってください。",
                )
            raise AppletNotFound(
                f"The token {label!r} is a My Number card; a スマホ用電子証明書 was expected",
                hint="use the smartphone certificate, or choose the card instead",
            )
        return label

    @property
    def token_kind(self) -> str:
        """``"card"`` or ``"smartphone"`` (what EF 0006 says; checked against :attr:`accept`)."""
        self.select_jpki()
        return TOKEN_KINDS[self._label or self.token_label()]

    def certificates_present(self) -> dict[str, bool]:
        """Which certificates the card holds (EF 0008; no signing certificate under 15)."""
        self.select_jpki()
        raw = self.session.read(0, 3, sfid=EF_CERT_PRESENCE)
        if len(raw) < 2:
            raise CardResponseError("The certificate-presence file is too short")
        return {"sign": raw[0] == 0x8F, "auth": raw[1] == 0x8F}

    def read_auth_certificate(self) -> bytes:
        """利用者証明用電子証明書 (DER). Free to read."""
        self.select_jpki()
        return self._read_certificate(EF_AUTH_CERT)

    def read_auth_ca_certificate(self) -> bytes:
        self.select_jpki()
        return self._read_certificate(EF_AUTH_CA)

    def read_sign_ca_certificate(self) -> bytes:
        self.select_jpki()
        return self._read_certificate(EF_SIGN_CA)

    def read_sign_certificate(self, pin: Pin, *, allow_last_try: bool = False) -> bytes:
        """署名用電子証明書 (DER): needs the signing password (it holds name and address)."""
        self._require_sign_certificate()
        self.verify("sign", pin, allow_last_try=allow_last_try)
        return self._read_certificate(EF_SIGN_CERT)

    def _require_sign_certificate(self) -> None:
        if not self.certificates_present()["sign"]:
            raise CardError(
                "This card has no signing certificate (署名用電子証明書); cards of holders under "
                "15 do not have one",
                hint="use the authentication certificate, or ask the municipal office",
            )

    # ---------------------------------------------------------------------------- PINs
    def tries_left(self, which: str = "auth") -> int:
        """Tries left for a PIN (empty VERIFY: no try is spent)."""
        return self.session.tries_left(which)

    def auth_tries_left(self) -> int:
        return self.tries_left("auth")

    def verify(self, which: str, pin: Pin, *, allow_last_try: bool = False) -> None:
        """VERIFY a PIN with every safety rule of docs/CARD.md §5 (:meth:`CardSession.verify`)."""
        self.session.verify(which, pin, allow_last_try=allow_last_try)

    # ---------------------------------------------------------------------------- signatures
    def sign(self, which: str, data: bytes, pin: Pin, *, allow_last_try: bool = False) -> bytes:
        """SHA-256 of ``data``, wrapped in a DigestInfo, RSA PKCS#1 v1.5 with the chosen key."""
        if which not in KEY_FILES:
            raise ValueError("which must be 'auth' or 'sign'")
        if which == "sign":
            self._require_sign_certificate()
        digest_info = digest_info_sha256(hashlib.sha256(data).digest())
        self.verify(which, pin, allow_last_try=allow_last_try)
        self.session.select_ef(KEY_FILES[which])
        signature, sw = self.session.send(CommandAPDU(0x80, 0x2A, 0x00, 0x80, digest_info, le=0))
        if sw == SW.SECURITY_STATUS_NOT_SATISFIED:
            raise SecurityStatusNotSatisfied("The card refused to sign: the PIN is not verified")
        if sw == SW.PIN_BLOCKED:
            raise PinBlocked(which)
        if sw != SW.OK:
            raise CardResponseError("The signature command failed", sw=sw)
        if len(signature) != 256:
            raise CardResponseError(
                f"The card returned a {len(signature)}-byte signature (expected 256)"
            )
        return signature

    def sign_auth(self, data: bytes, pin: Pin, *, allow_last_try: bool = False) -> bytes:
        """Sign with the authentication key (what a portal login does)."""
        return self.sign("auth", data, pin, allow_last_try=allow_last_try)

    def sign_sign(self, data: bytes, pin: Pin, *, allow_last_try: bool = False) -> bytes:
        """Sign with the signing key (electronic applications)."""
        return self.sign("sign", data, pin, allow_last_try=allow_last_try)

    # ---------------------------------------------------------------------------- PIN change
    def change_pin(self, which: str, old: Pin, new: Pin, *, allow_last_try: bool = False) -> None:
        """VERIFY the current PIN, then CHANGE REFERENCE DATA right after it."""
        if new.kind != which and not ({new.kind, which} <= {"auth", "kenhojo"}):
            raise PinFormatError(f"The new PIN is not a {which} PIN; nothing was sent", which=which)
        new_bytes_len = len(new)
        if new_bytes_len == 0:
            raise PinFormatError("The new PIN is empty", which=which)
        self.verify(which, old, allow_last_try=allow_last_try)
        _, sw = self.session.send(CommandAPDU(0x00, 0x24, 0x01, 0x80, new.reveal()))
        if sw == SW.PIN_BLOCKED:
            raise PinBlocked(which)
        if sw == SW.SECURITY_STATUS_NOT_SATISFIED:
            raise SecurityStatusNotSatisfied("The card refused the PIN change (not verified)")
        if sw != SW.OK:
            raise CardResponseError(f"Changing the {PIN_NAMES[which]} failed", sw=sw)
        new.wipe()

    # ---------------------------------------------------------------------------- status
    def status(self, *, include_kenhojo: bool = True) -> CardStatus:
        """Tries left for each PIN; certificate subjects, issuers and expiry dates."""
        self.select_jpki()
        label = self._label or self.token_label()
        present = self.certificates_present()
        auth = CertificateInfo.from_der(self.read_auth_certificate())
        auth_ca = CertificateInfo.from_der(self.read_auth_ca_certificate())
        sign_ca = CertificateInfo.from_der(self.read_sign_ca_certificate())
        tries = {"auth": self.tries_left("auth"), "sign": self.tries_left("sign")}
        notes = []
        if include_kenhojo:
            try:
                tries["kenhojo"] = self.tries_left("kenhojo")
            except AppletNotFound:
                notes.append("no 券面事項入力補助 applet")
        if not present["sign"]:
            notes.append("no signing certificate on this card (holders under 15)")
        if auth.test_only:
            notes.append("TEST-ONLY certificates (O=JPKI-TEST): a software card, not a real one")
        return CardStatus(
            reader=self.reader,
            token_label=label,
            tries_left=tries,
            max_tries={k: MAX_TRIES[k] for k in tries},
            has_sign_certificate=present["sign"],
            auth_certificate=auth,
            auth_ca_certificate=auth_ca,
            sign_ca_certificate=sign_ca,
            notes=notes,
        )

    # ---------------------------------------------------------------------------- kenhojo
    def kenhojo(self, pin: Pin, *, full_number: bool = False, allow_last_try: bool = False) -> Any:
        """券面事項入力補助: My Number (masked unless ``full_number``) and 基本4情報."""
        return self.kenhojo_applet.read(pin, full_number=full_number, allow_last_try=allow_last_try)
