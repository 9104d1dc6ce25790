"""CMS signatures (RFC 5652 SignedData, CAdES-BES) made and checked.

:func:`sign_cms` writes a SignedData over SHA-256 with the signing certificate and its CA, and the
signed attributes content-type, message-digest, signing-time and signing-certificate-v2
(ESSCertIDv2): CAdES-BES. Detached by default; ``attached=True`` carries the content inside.
``openssl cms -verify`` reads the result (``-binary``, ``-content FILE`` when detached).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re

from asn1crypto import cms, core
from cryptography import x509
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer

from ..errors import SignatureFormatError, SigningError
from .certs import to_pem
from .chain import Check, chain_check, is_test_certificate, revocation_check, validity_check
from .report import SignatureResult, VerificationReport
from .signer import run_sync

__all__ = ["is_detached", "load_cms", "sign_cms", "verify_cms"]

#: digest algorithms a verification accepts (the card itself signs SHA-256 only)
_DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_PEM = re.compile(rb"-----BEGIN (CMS|PKCS7)-----(.+?)-----END \1-----", re.DOTALL)


def sign_cms(
    data: bytes,
    signer: Signer,
    *,
    attached: bool = False,
    pem: bool = False,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """A CAdES-BES CMS SignedData over ``data`` (DER, or PEM ``-----BEGIN CMS-----``).

    ``signer``: a :class:`~mynalib.signing.CardSigner` (or any pyHanko signer).
    """
    when = signing_time or dt.datetime.now(dt.timezone.utc)
    settings = PdfCMSSignedAttributes(signing_time=when)
    try:
        info = run_sync(
            lambda: signer.async_sign_general_data(
                data,
                "sha256",
                detached=not attached,
                use_cades=True,
                signed_attr_settings=settings,
            )
        )
    except (ValueError, KeyError) as exc:  # pyHanko's SigningError is a ValueError
        raise SigningError(f"The CMS signature could not be made: {exc}") from None
    der = info.dump()
    return to_pem(der, "CMS") if pem else der


def load_cms(data: bytes) -> cms.ContentInfo:
    """A CMS ContentInfo holding SignedData, from DER or PEM (``CMS`` or ``PKCS7``)."""
    raw = data
    if data.lstrip().startswith(b"-----BEGIN"):
        match = _PEM.search(data)
        if match is None:
            raise SignatureFormatError("A PEM file, but not a CMS or PKCS7 one")
        try:
            raw = base64.b64decode(b"".join(match.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            raise SignatureFormatError("The PEM armour holds no valid base64") from None
    try:
        info = cms.ContentInfo.load(raw, strict=True)
        content_type = info["content_type"].native
        content = info["content"]
        _ = content.native if content_type == "signed_data" else None
    except (ValueError, TypeError, KeyError):
        raise SignatureFormatError(
            "Not a CMS signature (DER or PEM)",
            hint="give a .p7s/.p7m file made by `myna sign` or another CMS signer",
        ) from None
    if content_type != "signed_data":
        raise SignatureFormatError(f"A CMS file, but of type {content_type}, not SignedData")
    return info


def is_detached(signature: bytes) -> bool:
    """Whether a CMS signature leaves its content outside (then the signed file is needed)."""
    return load_cms(signature)["content"]["encap_content_info"]["content"] is core.VOID


def _to_crypto(cert: object) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())  # type: ignore[attr-defined]


def verify_cms(
    signature: bytes,
    content: bytes | None = None,
    *,
    trust_test_roots: bool = False,
    crl: bytes | None = None,
    now: dt.datetime | None = None,
) -> VerificationReport:
    """Check a CMS signature: integrity, signer, chain to the J-LIS signing CAs, validity at the
    signing time, revocation (only against ``crl``). ``content``: the signed file, for a detached
    signature (an attached one carries it). Never raises for a bad signature: the report says."""
    from pyhanko.sign.general import CMSExtractionError, CMSStructuralError
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import (
        extract_certs_for_validation,
        extract_self_reported_ts,
        get_signing_cert_attr,
        validate_sig_integrity,
    )

    info = load_cms(signature)
    signed_data: cms.SignedData = info["content"]
    encap = signed_data["encap_content_info"]
    attached = encap["content"] is not core.VOID
    signer_infos = signed_data["signer_infos"]
    report = VerificationReport(
        kind="cms",
        description=(
            f"CMS SignedData, {'attached' if attached else 'detached'}, "
            f"{len(signer_infos)} signer(s) / CMS 署名"
            + ("（データ同梱）" if attached else "（分離署名）")
        ),
    )
    if len(signer_infos) != 1:
        report.problems.append(
            Check(
                "format",
                "fail",
                f"{len(signer_infos)} signers: only signatures with exactly one signer are checked",
                "署名者が1人ではない署名には対応していません。",
            )
        )
        return report
    signer_info = signer_infos[0]

    # the signed content
    mismatch = False
    if attached:
        data = bytes(encap["content"].native or b"")
        mismatch = content is not None and content != data
    elif content is None:
        report.problems.append(
            Check(
                "content",
                "fail",
                "a detached signature: the signed file is needed (--content ORIGINAL)",
                "分離署名です。署名対象のファイルを --content で指定してください。",
            )
        )
        return report
    else:
        data = content
    result = SignatureResult(label="CMS signer / CMS 署名者")
    report.signatures.append(result)
    if mismatch:
        result.checks.append(
            Check(
                "content",
                "fail",
                "the file given with --content differs from the content inside the signature",
                "--content のファイルが署名に含まれるデータと異なります。",
            )
        )

    md = signer_info["digest_algorithm"]["algorithm"].native
    if md not in _DIGESTS:
        result.checks.append(
            Check(
                "integrity",
                "fail",
                f"unsupported digest algorithm {md}",
                f"対応していないハッシュアルゴリズムです（{md}）。",
            )
        )
        return report

    # signer certificate (and its binding by ESSCertIDv2)
    try:
        cert_info = extract_certs_for_validation(signed_data)
    except (SignatureValidationError, CMSExtractionError, ValueError) as exc:
        msg = getattr(exc, "failure_message", str(exc))
        result.checks.append(
            Check(
                "signer",
                "fail",
                f"the signer's certificate is missing or does not match the signature ({msg})",
                "署名者の証明書が含まれていないか、署名と一致しません。",
            )
        )
        return report
    cert = _to_crypto(cert_info.signer_cert)
    result.certificate = cert
    result.test_only = is_test_certificate(cert)
    result.signing_time = extract_self_reported_ts(signer_info)

    # integrity
    try:
        intact, valid = validate_sig_integrity(
            signer_info,
            cert_info.signer_cert,
            expected_content_type=encap["content_type"].native,
            actual_digest=_DIGESTS[md](data).digest(),
        )
    except (SignatureValidationError, CMSStructuralError, ValueError) as exc:
        msg = getattr(exc, "failure_message", str(exc))
        intact = valid = False
        result.checks.append(
            Check("integrity", "fail", f"malformed signature: {msg}", "署名の構造が不正です。")
        )
    else:
        result.checks.append(integrity_check(intact, valid, md))
    bound = get_signing_cert_attr(signer_info["signed_attrs"]) is not None
    result.checks.append(signer_check(cert, bound))
    if not (intact and valid):
        return report
    chain = chain_check(cert, trust_test_roots=trust_test_roots)
    result.checks.append(chain.check)
    result.checks.append(validity_check(cert, chain.root, result.signing_time, now=now))
    result.checks.append(revocation_check(cert, chain.root, crl, now=now))
    return report


def integrity_check(intact: bool, valid: bool, md: str) -> Check:
    if not intact:
        return Check(
            "integrity",
            "fail",
            f"the content does not match the signature ({md.upper()} differs): it was changed "
            "after signing, or it is not the file that was signed",
            "署名対象のデータが署名と一致しません（署名後に変更されたか、別のファイルです）。",
        )
    if not valid:
        return Check(
            "integrity",
            "fail",
            "the signature value does not verify with the signer's key",
            "署名値が署名者の公開鍵で検証できません。",
        )
    return Check(
        "integrity",
        "ok",
        f"the signed content is unchanged ({md.upper()}, RSA signature verified)",
        "署名後にデータは変更されていません。",
    )


def signer_check(cert: x509.Certificate, bound: bool) -> Check:
    serial = f"{cert.serial_number:X}"
    who = f"{cert.subject.rfc4514_string()} (serial {serial})"
    if bound:
        return Check(
            "signer",
            "ok",
            f"{who}; bound to the signature by signing-certificate-v2 (ESSCertIDv2)",
            "署名者の証明書は署名属性（ESSCertIDv2）で署名に結び付いています。",
        )
    return Check(
        "signer",
        "warn",
        f"{who}; the signature does not name its certificate (no signing-certificate-v2: not "
        "CAdES-BES)",
        "署名属性に署名者の証明書の識別子がありません（CAdES-BES ではありません）。",
    )
