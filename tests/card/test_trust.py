"""Certificate checks: J-LIS roots shipped, test roots only on request, dates, key usage."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from mynalib.card.trust import jlis_roots, verify_certificate
from mynalib.card.virtual import CardProfile, test_ca_certificates, test_ca_keys
from mynalib.card.virtual.keys import deterministic_rsa_key

DER = serialization.Encoding.DER
AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_jlis_roots_are_shipped_in_the_package() -> None:
    roots = jlis_roots()
    assert len(roots) == 4
    names = {r.subject.rfc4514_string() for r in roots}
    assert any("OU=JPKI for user authentication" in n and "O=JPKI," in n for n in names)
    assert any("OU=JPKI for digital signature" in n for n in names)
    # a CA certificate is not accepted as an end-entity certificate
    result = verify_certificate(roots[1].public_bytes(DER), at=AT)
    assert not result.ok


def test_software_card_certificates() -> None:
    p = CardProfile.generate("trust")
    auth = p.auth_certificate.public_bytes(DER)
    untrusted = verify_certificate(auth, at=AT)
    assert not untrusted.ok and untrusted.test_only and "TEST-ONLY" in untrusted.reason
    trusted = verify_certificate(auth, trust_test_roots=True, at=AT)
    assert trusted.ok and trusted.reason == "ok"
    assert trusted.not_after == p.auth_certificate.not_valid_after_utc
    assert trusted.subject and trusted.subject.startswith("CN=")
    assert trusted.root and "O=JPKI-TEST" in trusted.root
    assert p.sign_certificate is not None
    sign = verify_certificate(p.sign_certificate.public_bytes(DER), trust_test_roots=True, at=AT)
    assert sign.ok


def test_dates() -> None:
    auth = CardProfile.generate("trust").auth_certificate.public_bytes(DER)
    early = verify_certificate(auth, trust_test_roots=True, at=dt.datetime(2025, 3, 1))
    assert not early.ok and "not valid yet" in early.reason
    late = verify_certificate(auth, trust_test_roots=True, at=dt.datetime(2029, 4, 13))
    assert not late.ok and "expired on 2029-04-12" in late.reason


def _leaf(*, usage: x509.KeyUsage, signer_key: object | None = None) -> bytes:
    ca = test_ca_certificates()[0]
    key = deterministic_rsa_key("trust-leaf")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2025, 1, 1))
        .not_valid_after(dt.datetime(2030, 1, 1))
        .add_extension(usage, critical=True)
    )
    signer = signer_key or test_ca_keys()["auth"]
    return builder.sign(signer, hashes.SHA256()).public_bytes(DER)  # type: ignore[arg-type]


def _usage(**kw: bool) -> x509.KeyUsage:
    fields = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    fields.update(kw)
    return x509.KeyUsage(**fields)


def test_key_usage_and_forged_signature() -> None:
    ok = verify_certificate(
        _leaf(usage=_usage(digital_signature=True)), trust_test_roots=True, at=AT
    )
    assert ok.ok
    bad_usage = verify_certificate(
        _leaf(usage=_usage(key_encipherment=True)), trust_test_roots=True, at=AT
    )
    assert not bad_usage.ok and "key usage" in bad_usage.reason
    forged = verify_certificate(
        _leaf(usage=_usage(digital_signature=True), signer_key=deterministic_rsa_key("forger")),
        trust_test_roots=True,
        at=AT,
    )
    assert not forged.ok and "signature" in forged.reason


def test_malformed_input_never_raises() -> None:
    for junk in (b"", b"\x30\x82\x01\x00", b"not a certificate" * 10):
        result = verify_certificate(junk)
        assert not result.ok and "not a valid DER certificate" in result.reason
        assert not result
