"""Validate JPKI certificates: chain to the J-LIS roots, validity dates, key usage.

The public J-LIS CA certificates (2015 and 2023 generations, authentication and signing) ship in
``mynalib/data/jpki-ca/``. The software card's ``O=JPKI-TEST`` CAs are trusted only when the caller
asks for it explicitly (``trust_test_roots=True``), so a test certificate never passes as real.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID

from ..paths import package_data


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: str
    subject: str | None = None
    issuer: str | None = None
    not_after: dt.datetime | None = None
    not_before: dt.datetime | None = None
    root: str | None = None  # which trusted CA certificate the chain ends at
    test_only: bool = False

    def __bool__(self) -> bool:
        return self.ok


@functools.lru_cache(maxsize=1)
def jlis_roots() -> tuple[x509.Certificate, ...]:
    """The public J-LIS CA certificates shipped with mynalib."""
    folder = package_data("jpki-ca")
    return tuple(
        x509.load_pem_x509_certificate(p.read_bytes()) for p in sorted(folder.glob("*.pem"))
    )


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if cert.signature_hash_algorithm is None:
                return False
            key.verify(
                cert.signature,
                cert.tbs_certificate_bytes,
                padding.PKCS1v15(),
                cert.signature_hash_algorithm,
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if cert.signature_hash_algorithm is None:
                return False
            key.verify(
                cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm)
            )
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    except x509.ExtensionNotFound:
        return None
    value = ext.value
    return value if isinstance(value, x509.KeyUsage) else None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value
    except x509.ExtensionNotFound:
        return False
    if not (isinstance(bc, x509.BasicConstraints) and bc.ca):
        return False
    usage = _key_usage(cert)
    return usage is None or usage.key_cert_sign


def verify_certificate(
    cert_der: bytes,
    *,
    trust_test_roots: bool = False,
    at: dt.datetime | None = None,
    extra_roots: tuple[x509.Certificate, ...] = (),
) -> VerificationResult:
    """Check a JPKI end-entity certificate (DER): chain, dates, key usage.

    ``at`` defaults to now (UTC). Never raises for bad input: a malformed certificate gives
    ``ok=False`` with the reason.
    """
    at = at or dt.datetime.now(dt.timezone.utc)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    try:
        cert = x509.load_der_x509_certificate(bytes(cert_der))
        subject = cert.subject.rfc4514_string()
        issuer_name = cert.issuer.rfc4514_string()
    except (ValueError, TypeError) as exc:
        return VerificationResult(False, f"not a valid DER certificate ({type(exc).__name__})")
    root: x509.Certificate | None = None
    test_issuer = "O=JPKI-TEST" in issuer_name

    def result(ok: bool, reason: str) -> VerificationResult:
        return VerificationResult(
            ok,
            reason,
            subject=subject,
            issuer=issuer_name,
            not_after=cert.not_valid_after_utc,
            not_before=cert.not_valid_before_utc,
            root=None if root is None else root.subject.rfc4514_string(),
            test_only=test_issuer,
        )

    roots: list[x509.Certificate] = list(jlis_roots()) + list(extra_roots)
    if trust_test_roots:
        from .virtual.profile import test_ca_certificates

        roots.extend(test_ca_certificates())
    candidates = [r for r in roots if r.subject == cert.issuer]
    if not candidates:
        if test_issuer and not trust_test_roots:
            return result(
                False,
                "issued by the TEST-ONLY O=JPKI-TEST CA (a software card), which is not trusted",
            )
        return result(False, "issued by an unknown CA")
    root = next((r for r in candidates if _signed_by(cert, r)), None)
    if root is None:
        return result(False, "the signature does not verify against any trusted CA of that name")
    if not _is_ca(root):
        return result(False, "the issuing certificate is not a CA")
    if at < cert.not_valid_before_utc:
        return result(False, "the certificate is not valid yet")
    if at > cert.not_valid_after_utc:
        return result(False, f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    if not root.not_valid_before_utc <= at <= root.not_valid_after_utc:
        return result(False, "the issuing CA certificate is not valid at this time")
    usage = _key_usage(cert)
    if usage is None or not usage.digital_signature:
        return result(False, "the key usage does not allow digital signatures")
    if usage.key_cert_sign:
        return result(False, "a CA certificate is not an end-entity certificate")
    return result(True, "ok")
