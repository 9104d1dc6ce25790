"""mynalib.signing in-process with the software card: CMS and PDF round trips, what verify checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mynalib.card import JpkiCard
from mynalib.card.virtual import CardProfile, InProcessTransport, VirtualCard
from mynalib.card.virtual.profile import test_ca_keys
from mynalib.errors import LastTryRefused, PinError, PinReuseError
from mynalib.secrets import Pin
from mynalib.signing import (
    CardSigner,
    VisibleSignature,
    is_pdf,
    load_cms,
    sign_cms,
    sign_pdf,
    verify,
    verify_cms,
    verify_pdf,
)
from mynalib.signing.chain import signing_roots

from .conftest import PASSWORD, SEED, minimal_pdf

DATA = "申請書の本文 — signed by the card\n".encode()


def statuses(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (sig,) = report.signatures
    return {c.name: c.status for c in sig.checks}


# --------------------------------------------------------------------------------- CMS
def test_cms_detached_is_cades_bes_with_the_certificate_and_its_ca(signer: CardSigner) -> None:
    der = sign_cms(DATA, signer)
    info = load_cms(der)
    sd = info["content"]
    assert sd["encap_content_info"]["content"].native is None  # detached
    (si,) = sd["signer_infos"]
    assert si["digest_algorithm"]["algorithm"].native == "sha256"
    assert si["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    attrs = {a["type"].native for a in si["signed_attrs"]}
    assert attrs == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    subjects = {c.chosen.subject.native.get("organization_name") for c in sd["certificates"]}
    assert "JPKI-TEST" in subjects  # the CA
    certs = [x509.load_der_x509_certificate(c.chosen.dump()) for c in sd["certificates"]]
    assert signer.certificate in certs and signer.ca_certificate in certs
    assert signer.signatures_made == 1

    report = verify_cms(der, DATA, trust_test_roots=True)
    assert report.valid and report.verdict == "valid", report.render()
    assert statuses(report) == {
        "integrity": "ok",
        "signer": "ok",
        "chain": "ok",
        "validity": "ok",
        "revocation": "not_checked",
    }
    assert "not checked" in report.render() and "失効確認はしていません" in report.render()


def test_cms_test_root_only_when_asked(signer: CardSigner) -> None:
    der = sign_cms(DATA, signer)
    report = verify_cms(der, DATA)
    assert not report.valid and report.verdict == "untrusted"
    chain = report.signatures[0].check("chain")
    assert chain is not None and chain.status == "fail" and "TEST-ONLY" in chain.en
    assert "--trust-test-roots" in chain.en


def test_cms_one_byte_changed_is_invalid(signer: CardSigner) -> None:
    der = sign_cms(DATA, signer)
    changed = bytearray(DATA)
    changed[3] ^= 0x01
    report = verify_cms(der, bytes(changed), trust_test_roots=True)
    assert report.verdict == "invalid"
    assert statuses(report)["integrity"] == "fail"
    # a byte changed in the signature itself
    broken = bytearray(der)
    broken[-10] ^= 0x01
    assert verify_cms(bytes(broken), DATA, trust_test_roots=True).verdict == "invalid"


def test_cms_attached_and_pem(signer: CardSigner) -> None:
    pem = sign_cms(DATA, signer, attached=True, pem=True)
    assert pem.startswith(b"-----BEGIN CMS-----\n") and pem.endswith(b"-----END CMS-----\n")
    report = verify_cms(pem, trust_test_roots=True)
    assert report.valid, report.render()
    assert "attached" in report.description
    # a --content that differs from what is inside
    other = verify_cms(pem, DATA + b"x", trust_test_roots=True)
    assert other.verdict == "invalid"


def test_detached_without_content_says_so(signer: CardSigner) -> None:
    report = verify_cms(sign_cms(DATA, signer))
    assert report.verdict == "invalid" and "--content" in report.render()


def test_signing_time_outside_the_certificate_is_not_trusted(signer: CardSigner) -> None:
    cert = signer.certificate
    before = cert.not_valid_before_utc - dt.timedelta(days=1)
    report = verify_cms(sign_cms(DATA, signer, signing_time=before), DATA, trust_test_roots=True)
    assert report.verdict == "untrusted"
    assert statuses(report)["validity"] == "fail"
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    report = verify_cms(sign_cms(DATA, signer, signing_time=future), DATA, trust_test_roots=True)
    assert statuses(report)["validity"] == "fail" and "future" in report.render()
    # valid then, expired now: still valid, with a warning that the time is only stated
    later = cert.not_valid_after_utc + dt.timedelta(days=10)
    at = cert.not_valid_after_utc - dt.timedelta(days=10)
    report = verify_cms(
        sign_cms(DATA, signer, signing_time=at), DATA, trust_test_roots=True, now=later
    )
    assert report.valid and statuses(report)["validity"] == "warn"


def test_an_authentication_certificate_does_not_make_a_signature(profile: CardProfile) -> None:
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers.pdf_cms import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = profile.auth_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    auth = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            profile.auth_certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore(),
    )
    report = verify_cms(sign_cms(DATA, auth), DATA, trust_test_roots=True)
    assert report.verdict == "untrusted"
    chain = report.signatures[0].check("chain")
    assert chain is not None and chain.status == "fail"
    assert "authentication certificate" in chain.en and "署名用電子証明書" in chain.ja


def test_the_shipped_signing_roots_are_the_jlis_ones() -> None:
    roots = signing_roots()
    assert len(roots) == 2
    for root in roots:
        name = root.subject.rfc4514_string()
        assert "O=JPKI," in name and "JPKI for digital signature" in name


# ----------------------------------------------------------------------------- CRL
def _crl(profile: CardProfile, *, revoked: bool, next_update_days: int = 30) -> bytes:
    ca_key = test_ca_keys()["sign"]
    ca = profile.sign_ca_certificate
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - dt.timedelta(days=40))
        .next_update(now + dt.timedelta(days=next_update_days))
    )
    if revoked:
        assert profile.sign_certificate is not None
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(profile.sign_certificate.serial_number)
            .revocation_date(now - dt.timedelta(days=1))
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_revocation_with_a_crl(profile: CardProfile, signer: CardSigner) -> None:
    der = sign_cms(DATA, signer)
    good = verify_cms(der, DATA, trust_test_roots=True, crl=_crl(profile, revoked=False))
    assert good.valid and statuses(good)["revocation"] == "ok" and good.revocation_checked
    assert "revocation not checked" not in good.render()
    bad = verify_cms(der, DATA, trust_test_roots=True, crl=_crl(profile, revoked=True))
    assert bad.verdict == "untrusted" and "REVOKED" in bad.render()
    stale = verify_cms(
        der, DATA, trust_test_roots=True, crl=_crl(profile, revoked=False, next_update_days=-1)
    )
    assert stale.valid and statuses(stale)["revocation"] == "warn"
    pem_crl = x509.load_der_x509_crl(_crl(profile, revoked=True)).public_bytes(
        serialization.Encoding.PEM
    )
    assert verify_cms(der, DATA, trust_test_roots=True, crl=pem_crl).verdict == "untrusted"


def test_a_crl_from_another_ca_or_garbage_is_refused(
    profile: CardProfile, signer: CardSigner
) -> None:
    der = sign_cms(DATA, signer)
    forged_key = test_ca_keys()["auth"]
    now = dt.datetime.now(dt.timezone.utc)
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(profile.sign_ca_certificate.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=1))
        .sign(forged_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    report = verify_cms(der, DATA, trust_test_roots=True, crl=forged)
    assert report.verdict == "untrusted" and "not issued by the signer's CA" in report.render()
    assert verify_cms(der, DATA, trust_test_roots=True, crl=b"junk").verdict == "untrusted"


# ----------------------------------------------------------------------------- PDF
def test_pdf_round_trip_pades_bb(signer: CardSigner) -> None:
    original = minimal_pdf()
    signed = sign_pdf(original, signer)
    assert is_pdf(signed) and signed.startswith(original)  # an incremental update
    assert b"/ETSI.CAdES.detached" in signed
    assert signer.signatures_made == 1  # pyHanko's size estimate never reached the card
    report = verify_pdf(signed, trust_test_roots=True)
    assert report.valid, report.render()
    assert statuses(report)["format"] == "ok" and statuses(report)["coverage"] == "ok"
    assert verify(signed).verdict == "untrusted"  # the test root only when asked
    # PAdES: no signing-time attribute (the time is /M), ESSCertIDv2 present
    from pyhanko.pdf_utils.reader import PdfFileReader

    (sig,) = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures
    attrs = {a["type"].native for a in sig.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attrs and "signing_time" not in attrs
    assert report.signatures[0].signing_time is not None


def test_pdf_one_byte_changed_is_invalid(signer: CardSigner) -> None:
    signed = sign_pdf(minimal_pdf(), signer)
    assert signed.count(b"(Hello 1)") == 1
    changed = signed.replace(b"(Hello 1)", b"(Hellp 1)")
    report = verify_pdf(changed, trust_test_roots=True)
    assert report.verdict == "invalid" and statuses(report)["integrity"] == "fail"


def test_pdf_changed_after_signing_is_invalid(signer: CardSigner) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign_pdf(minimal_pdf(), signer)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Changed) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trust_test_roots=True)
    assert report.verdict == "invalid"
    assert statuses(report)["integrity"] == "ok" and statuses(report)["coverage"] == "fail"


def test_pdf_second_signature_keeps_the_first_valid(signer: CardSigner) -> None:
    twice = sign_pdf(sign_pdf(minimal_pdf(), signer), signer)
    report = verify_pdf(twice, trust_test_roots=True)
    assert report.valid and len(report.signatures) == 2, report.render()
    assert [s.label.split('"')[1] for s in report.signatures] == ["Signature1", "Signature2"]


def test_pdf_visible_signature_shows_the_name(signer: CardSigner) -> None:
    import shutil
    import subprocess

    signed = sign_pdf(minimal_pdf(pages=2), signer, visible=VisibleSignature(2, 300, 60, 240, 60))
    assert verify_pdf(signed, trust_test_roots=True).valid
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-", "-"],
        input=signed,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert "見本" in text and "Digitally signed" in text
    with pytest.raises(Exception, match="no page 3"):
        sign_pdf(minimal_pdf(pages=2), signer, visible=VisibleSignature(3, 1, 1, 10, 10))


def test_pdf_without_signature_or_not_a_pdf() -> None:
    from mynalib.errors import SignatureFormatError

    report = verify_pdf(minimal_pdf())
    assert report.verdict == "invalid" and "no signature" in report.render()
    with pytest.raises(SignatureFormatError):
        verify_pdf(b"%PDF-1.7 garbage")
    with pytest.raises(SignatureFormatError):
        verify_cms(b"not a signature at all")


def test_visible_box_parsing() -> None:
    box = VisibleSignature.parse("1, 360, 40, 200, 60")
    assert box.page == 1 and box.box == (360, 40, 560, 100)
    for bad in ("0,1,1,1,1", "1,1,1", "1,1,1,0,5", "a,1,1,1,1"):
        with pytest.raises(ValueError):
            VisibleSignature.parse(bad)


# ------------------------------------------------------------------------ PIN safety
def test_wrong_password_spends_one_try_and_the_pin_is_not_sent_again() -> None:
    profile = CardProfile.generate(SEED, sign_pin=PASSWORD)
    vc = VirtualCard(profile)
    with JpkiCard(InProcessTransport(vc)) as card:
        wrong = Pin("WRONG123", "sign")
        with pytest.raises(PinError) as caught:
            CardSigner(card, wrong)
        assert caught.value.tries_left == 4 and "4 tries left" in str(caught.value)
        assert profile.tries_left["sign"] == 4
        with pytest.raises(PinReuseError):
            CardSigner(card, wrong)
        assert profile.tries_left["sign"] == 4


def test_last_try_is_not_spent_without_confirmation() -> None:
    profile = CardProfile.generate(SEED, sign_pin=PASSWORD)
    profile.tries_left["sign"] = 1
    vc = VirtualCard(profile)
    with JpkiCard(InProcessTransport(vc)) as card:
        pin = Pin(PASSWORD, "sign")
        with pytest.raises(LastTryRefused):
            CardSigner(card, pin)
        assert profile.tries_left["sign"] == 1 and not pin.failed
        signer = CardSigner(card, pin, allow_last_try=True)
        assert profile.tries_left["sign"] == 5
        assert verify_cms(sign_cms(DATA, signer), DATA, trust_test_roots=True).valid


def _on_own_loop(make):  # type: ignore[no-untyped-def]
    """``asyncio.run(make())`` on a thread of its own: the browser tests of the same session keep
    Playwright's loop running in the main thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def test_signer_repr_and_sha256_only(signer: CardSigner) -> None:
    from mynalib.errors import SigningError

    assert PASSWORD not in repr(signer) and "CardSigner" in repr(signer)
    with pytest.raises(SigningError):
        _on_own_loop(lambda: signer.async_sign_raw(b"x", "sha1"))
    # plain cryptography code can use the card too
    signature = signer.sign_data(b"payload")
    from cryptography.hazmat.primitives.asymmetric import padding

    signer.certificate.public_key().verify(  # type: ignore[union-attr]
        signature, b"payload", padding.PKCS1v15(), hashes.SHA256()
    )


def test_load_cms_rejects_other_content_types() -> None:
    from mynalib.errors import SignatureFormatError

    data = cms.ContentInfo({"content_type": "data", "content": b"abc"}).dump()
    with pytest.raises(SignatureFormatError, match="not SignedData"):
        load_cms(data)


def test_certificate_text_of_the_shipped_jlis_cas() -> None:
    from mynalib.signing import certificate_text

    for root in signing_roots():
        der = root.public_bytes(serialization.Encoding.DER)
        text = certificate_text(der, "sign-ca")
        assert "identical to a J-LIS CA certificate shipped with mynalib" in text
        assert "TEST-ONLY" not in text and "personal data / 個人情報:  none" in text
        assert "NOT one of the J-LIS CA" in certificate_text(der, "auth-ca")


def test_signing_works_where_an_event_loop_already_runs(signer: CardSigner) -> None:
    # a notebook's kernel runs a loop: pyHanko's coroutine then runs on a thread of its own
    async def inside_a_loop() -> bytes:
        return sign_cms(DATA, signer)

    der = _on_own_loop(inside_a_loop)
    assert verify_cms(der, DATA, trust_test_roots=True).valid
