"""Independent verifiers: ``openssl cms -verify`` and poppler's ``pdfsig`` accept what the card
signs, and reject it when one byte of the content changed (and so does ``myna verify``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mynalib.card.virtual import CardProfile
from mynalib.signing import CardSigner, sign_cms, sign_pdf, verify_cms, verify_pdf

from .conftest import minimal_pdf, run

DATA = b"<?xml version='1.0'?><application>delegation</application>\n"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(
            f"{name} is not installed (scripts/setup.sh installs it: openssl, poppler-utils)"
        )
    return path


def _ca_file(profile: CardProfile, tmp_path: Path) -> Path:
    path = tmp_path / "test-root.pem"
    path.write_bytes(profile.sign_ca_certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _openssl_verify(
    sig: Path, ca: Path, content: Path | None, inform: str
) -> subprocess.CompletedProcess[str]:
    args = [_tool("openssl"), "cms", "-verify", "-in", str(sig), "-inform", inform, "-binary"]
    args += ["-CAfile", str(ca), "-purpose", "any", "-out", "/dev/null"]
    if content is not None:
        args += ["-content", str(content)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def test_openssl_accepts_detached_der_and_rejects_a_changed_byte(
    signer: CardSigner, profile: CardProfile, tmp_path: Path
) -> None:
    ca = _ca_file(profile, tmp_path)
    content = tmp_path / "data.xml"
    content.write_bytes(DATA)
    sig = tmp_path / "data.xml.p7s"
    sig.write_bytes(sign_cms(DATA, signer))
    ok = _openssl_verify(sig, ca, content, "DER")
    assert ok.returncode == 0 and "Verification successful" in ok.stderr, ok.stderr
    changed = bytearray(DATA)
    changed[10] ^= 0x20
    content.write_bytes(bytes(changed))
    bad = _openssl_verify(sig, ca, content, "DER")
    assert bad.returncode != 0 and "Verification successful" not in bad.stderr
    assert verify_cms(sig.read_bytes(), bytes(changed), trust_test_roots=True).verdict == "invalid"


def test_openssl_accepts_attached_pem_and_the_signed_attributes(
    signer: CardSigner, profile: CardProfile, tmp_path: Path
) -> None:
    ca = _ca_file(profile, tmp_path)
    sig = tmp_path / "data.xml.p7m"
    sig.write_bytes(sign_cms(DATA, signer, attached=True, pem=True))
    ok = _openssl_verify(sig, ca, None, "PEM")
    assert ok.returncode == 0 and "Verification successful" in ok.stderr, ok.stderr
    printed = subprocess.run(
        [_tool("openssl"), "cms", "-cmsout", "-print", "-in", str(sig), "-inform", "PEM"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for attribute in (
        "signingTime",
        "messageDigest",
        "contentType",
        "id-smime-aa-signingCertificateV2",
    ):
        assert attribute in printed, attribute
    # untrusted root: openssl refuses too (the test CA is not a real one)
    other = tmp_path / "other.pem"
    other.write_bytes(profile.auth_ca_certificate.public_bytes(serialization.Encoding.PEM))
    assert _openssl_verify(sig, other, None, "PEM").returncode != 0


def _pdfsig(path: Path) -> str:
    result = subprocess.run(
        [_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


def test_pdfsig_accepts_the_pdf_and_rejects_a_changed_byte(
    signer: CardSigner, tmp_path: Path
) -> None:
    signed = sign_pdf(minimal_pdf(), signer)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = _pdfsig(path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "ETSI.CAdES.detached" in report and "Total document signed" in report
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(signed.replace(b"(Hello 1)", b"(Hellp 1)"))
    report = _pdfsig(changed)
    assert "Signature is Valid" not in report and "Digest Mismatch" in report, report
    assert verify_pdf(changed.read_bytes(), trust_test_roots=True).verdict == "invalid"
    r = run("verify", str(changed), "--trust-test-roots")
    assert r.exit_code == 1 and "INVALID" in r.output and "無効" in r.output
    r = run("verify", str(path), "--trust-test-roots")
    assert r.exit_code == 0, r.output
