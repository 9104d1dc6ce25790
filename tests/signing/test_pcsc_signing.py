"""Signing through a real PC/SC stack: pcscd + vpcd + pyscard, the software card behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mynalib.card.virtual import CardProfile
from mynalib.signing import verify_cms, verify_pdf
from tests.pcsc_stack import pcsc_stack

from .conftest import PASSWORD, SEED, minimal_pdf, run

pytestmark = pytest.mark.pcsc


def test_sign_cms_and_pdf_through_pcscd(tmp_path: Path) -> None:
    profile = CardProfile.generate(SEED, sign_pin=PASSWORD)
    doc = tmp_path / "data.txt"
    doc.write_bytes(b"through pcscd\n")
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(minimal_pdf())
    with pcsc_stack(profile) as stack:
        r = run("sign", str(doc), "--reader", stack.reader, input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
        r = run("sign", str(pdf), "--reader", stack.reader, input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
        r = run("card", "cert", "sign", "--reader", stack.reader, input="WRONG999\n")
        assert r.exit_code == 1 and "4 tries left" in r.output
        assert profile.tries_left["sign"] == 4
        r = run("card", "cert", "sign-ca", "--reader", stack.reader, "--format", "pem")
        assert r.exit_code == 0 and "BEGIN CERTIFICATE" in r.output
    signature = (tmp_path / "data.txt.p7s").read_bytes()
    assert verify_cms(signature, doc.read_bytes(), trust_test_roots=True).valid
    assert verify_pdf((tmp_path / "form-signed.pdf").read_bytes(), trust_test_roots=True).valid
