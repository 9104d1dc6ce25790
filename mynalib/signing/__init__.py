"""Electronic signatures with the My Number card's 署名用電子証明書: CMS and PDF, made and checked.

from mynalib.card import open_card
from mynalib.secrets import Pin
from mynalib.signing import CardSigner, sign_cms, sign_pdf, verify_cms, verify_pdf

with open_card("virtual") as card:                  # or open_card() for a real reader
    signer = CardSigner(card, Pin(password, "sign"))  # reads the certificate (signing password)
    p7s = sign_cms(data, signer)                      # detached CAdES-BES, DER
    signed = sign_pdf(pdf_bytes, signer)              # PAdES baseline B-B
report = verify_cms(p7s, content=data, trust_test_roots=True)
print(report.render()); report.valid

The private key never leaves the card: :class:`CardSigner` (a pyHanko ``Signer``) hands the
signed attributes to the card, which signs their SHA-256 DigestInfo. Verification checks
integrity, the signer's certificate, its chain to the J-LIS signing CAs shipped in
``mynalib/data/jpki-ca/`` (the software card's TEST-ONLY CA only with ``trust_test_roots=True``),
its validity at the signing time, and revocation only against a CRL the caller gives.
"""

from __future__ import annotations

import datetime as dt

from .certs import CERTIFICATE_TITLES, PersonalData, certificate_text, personal_data, to_pem
from .chain import Check, signing_roots
from .cms import is_detached, load_cms, sign_cms, verify_cms
from .pdf import VisibleSignature, is_pdf, sign_pdf, signer_display_name, verify_pdf
from .report import SignatureResult, VerificationReport
from .signer import CERTIFICATE_KINDS, CardSigner

__all__ = [
    "CERTIFICATE_KINDS",
    "CERTIFICATE_TITLES",
    "CardSigner",
    "Check",
    "PersonalData",
    "SignatureResult",
    "VerificationReport",
    "VisibleSignature",
    "certificate_text",
    "is_detached",
    "is_pdf",
    "load_cms",
    "personal_data",
    "sign_cms",
    "sign_pdf",
    "signer_display_name",
    "signing_roots",
    "to_pem",
    "verify",
    "verify_cms",
    "verify_pdf",
]


def verify(
    data: bytes,
    content: bytes | None = None,
    *,
    trust_test_roots: bool = False,
    crl: bytes | None = None,
    now: dt.datetime | None = None,
) -> VerificationReport:
    """A PDF's signatures, or a CMS signature (``content``: the signed file when detached)."""
    if is_pdf(data):
        return verify_pdf(data, trust_test_roots=trust_test_roots, crl=crl, now=now)
    return verify_cms(data, content, trust_test_roots=trust_test_roots, crl=crl, now=now)
