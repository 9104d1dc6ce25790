"""The card as a signer: the one place where signing talks to the card.

:class:`CardSigner` is a pyHanko :class:`~pyhanko.sign.signers.pdf_cms.Signer`: pyHanko builds the
CMS structure and the signed attributes; their bytes go to the card, which hashes nothing itself:
the host computes the SHA-256 of the signed attributes, wraps it in a DigestInfo and the card signs
it with the signing key after the signing password (``JpkiCard.sign_sign``, with every PIN-safety
rule of the card layer). The private key never leaves the card. Plain ``cryptography`` code can use
:meth:`CardSigner.sign_data` (RSASSA-PKCS1-v1_5 with SHA-256) and :attr:`CardSigner.certificate`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..errors import CardError, SigningError

if TYPE_CHECKING:
    from ..card.jpki import JpkiCard
    from ..secrets import Pin

__all__ = ["CERTIFICATE_KINDS", "CardSigner", "run_sync"]

#: the certificates a card holds, as ``myna card cert`` names them
CERTIFICATE_KINDS = ("auth", "sign", "auth-ca", "sign-ca")

T = TypeVar("T")


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run pyHanko's coroutine to the end, also from a notebook (where a loop already runs)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class CardSigner(Signer):
    """Sign with the card's 署名用電子証明書 key; usable wherever pyHanko takes a ``Signer``.

    Creating it reads the signing certificate, which needs the signing password: that is the
    first VERIFY (a wrong password spends one try and raises :class:`~mynalib.errors.PinError`
    with the tries left). Each signature then VERIFYs again and signs, exactly once.
    ``allow_last_try`` is passed on to the card: without it nothing is sent when one try is left.
    """

    def __init__(self, card: JpkiCard, pin: Pin, *, allow_last_try: bool = False):
        self._card = card
        self._pin = pin
        self._allow_last_try = allow_last_try
        cert_der = self.read_certificate(card, "sign", pin, allow_last_try=allow_last_try)
        ca_der = self.read_certificate(card, "sign-ca")
        #: the signing certificate and its CA (``cryptography`` objects)
        self.certificate = x509.load_der_x509_certificate(cert_der)
        self.ca_certificate = x509.load_der_x509_certificate(ca_der)
        key = self.certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise CardError("The signing certificate does not hold an RSA key")
        self._key = key
        #: how many signatures the card made through this object
        self.signatures_made = 0
        super().__init__(
            signing_cert=asn1_x509.Certificate.load(cert_der),
            cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca_der)]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            embed_roots=True,  # the signing CA goes into every signature with the certificate
        )

    # ------------------------------------------------------------------------- card access
    @staticmethod
    def read_certificate(
        card: JpkiCard, which: str, pin: Pin | None = None, *, allow_last_try: bool = False
    ) -> bytes:
        """One of the card's certificates (DER): ``auth``, ``sign``, ``auth-ca``, ``sign-ca``.

        ``sign`` needs the signing password (the card answers 6982 without it).
        """
        if which == "auth":
            return card.read_auth_certificate()
        if which == "auth-ca":
            return card.read_auth_ca_certificate()
        if which == "sign-ca":
            return card.read_sign_ca_certificate()
        if which == "sign":
            if pin is None:
                raise ValueError("the signing certificate needs the signing password")
            return card.read_sign_certificate(pin, allow_last_try=allow_last_try)
        raise ValueError(f"unknown certificate {which!r}; one of {', '.join(CERTIFICATE_KINDS)}")

    @property
    def reader(self) -> str:
        return self._card.reader

    def sign_data(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 over ``data``, made by the card.

        The signature is checked against the certificate before it is returned, so a card that
        answers with something else never produces a broken signature file.
        """
        signature = self._card.sign_sign(data, self._pin, allow_last_try=self._allow_last_try)
        try:
            self._key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise CardError(
                "The card's signature does not verify with its signing certificate",
                hint="the card or the reader returned wrong data; nothing was written",
            ) from None
        self.signatures_made += 1
        return signature

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """pyHanko's hook: the card signs ``data`` (the DER of the signed attributes)."""
        if dry_run:  # pyHanko's size estimate: the card is not used
            return bytes(self._key.key_size // 8)
        if digest_algorithm.lower() != "sha256":
            raise SigningError(
                f"The card signs SHA-256 DigestInfos only, not {digest_algorithm}",
                hint="use SHA-256",
            )
        return self.sign_data(data)

    def __repr__(self) -> str:
        return f"<CardSigner reader={self.reader!r} subject={self.certificate.subject.rfc4514_string()!r}>"
