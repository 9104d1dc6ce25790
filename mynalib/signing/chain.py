"""What a signer's certificate is worth: chain, validity at the signing time, revocation.

A signature made with the My Number card counts only when its certificate was issued by a J-LIS
*signing* CA (the public certificates of both generations ship in ``mynalib/data/jpki-ca/
sign_ca_*.pem``). The software card's ``O=JPKI-TEST`` signing CA is trusted only when the caller
asks for it (``trust_test_roots=True``); the authentication CAs never make a signature count.
Revocation needs J-LIS's CRL (or OCSP), which is not fetched: it is checked only against a CRL file
the caller gives, and said plainly otherwise.

Every check returns a :class:`Check` with an English and a Japanese sentence; none raises for
bad input.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID

from ..paths import package_data

Status = Literal["ok", "warn", "fail", "not_checked"]
JST = dt.timezone(dt.timedelta(hours=9), "JST")
#: a signing time further than this in the future is suspicious
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    """One line of a verification: what was checked, how it came out, in English and Japanese."""

    name: str
    status: Status
    en: str
    ja: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "en": self.en, "ja": self.ja}


@dataclass(frozen=True)
class ChainResult:
    check: Check
    root: x509.Certificate | None
    test_only: bool


def fmt_time(value: dt.datetime) -> str:
    """A moment as people in Japan read it: ``2026-12-05 09:44 JST``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def fmt_date(value: dt.datetime) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d")


def _load_pems(pattern: str) -> tuple[x509.Certificate, ...]:
    folder = package_data("jpki-ca")
    return tuple(
        x509.load_pem_x509_certificate(p.read_bytes()) for p in sorted(folder.glob(pattern))
    )


@functools.lru_cache(maxsize=1)
def signing_roots() -> tuple[x509.Certificate, ...]:
    """The public J-LIS signing CA certificates shipped with mynalib (2015 and 2023)."""
    return _load_pems("sign_ca_*.pem")


@functools.lru_cache(maxsize=1)
def authentication_roots() -> tuple[x509.Certificate, ...]:
    """The J-LIS authentication CAs: named only to explain why they do not count for a signature."""
    return _load_pems("auth_ca_*.pem")


def _test_root(purpose: str) -> x509.Certificate:
    from ..card.virtual.profile import test_ca_certificates

    for cert in test_ca_certificates():
        if purpose in cert.subject.rfc4514_string():
            return cert
    raise LookupError(f"the software card has no TEST-ONLY CA for {purpose}")  # pragma: no cover


def test_signing_root() -> x509.Certificate:
    """The software card's TEST-ONLY signing CA (``O=JPKI-TEST``)."""
    return _test_root("JPKI for digital signature")


def is_test_certificate(cert: x509.Certificate) -> bool:
    return "O=JPKI-TEST" in cert.issuer.rfc4514_string()


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> object | None:
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    bc = _extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    return isinstance(bc, x509.BasicConstraints) and bc.ca


def key_usage_names(cert: x509.Certificate) -> list[str]:
    """The key usages a certificate asserts, by their RFC 5280 names."""
    usage = _extension(cert, ExtensionOID.KEY_USAGE)
    if not isinstance(usage, x509.KeyUsage):
        return []
    names = [
        ("digitalSignature", usage.digital_signature),
        ("nonRepudiation", usage.content_commitment),
        ("keyEncipherment", usage.key_encipherment),
        ("dataEncipherment", usage.data_encipherment),
        ("keyAgreement", usage.key_agreement),
        ("keyCertSign", usage.key_cert_sign),
        ("cRLSign", usage.crl_sign),
    ]
    return [name for name, on in names if on]


def chain_check(cert: x509.Certificate, *, trust_test_roots: bool = False) -> ChainResult:
    """Was ``cert`` issued (and signed) by a trusted signing CA, for signatures?"""
    roots = [(r, False) for r in signing_roots()]
    test_root = test_signing_root()
    if trust_test_roots:
        roots.append((test_root, True))
    found = next(((r, t) for r, t in roots if _issued_by(cert, r)), None)
    if found is None:
        if _issued_by(cert, test_root):
            return ChainResult(
                Check(
                    "chain",
                    "fail",
                    "issued by the TEST-ONLY CA of the software card (O=JPKI-TEST), which is not "
                    "trusted (for tests: --trust-test-roots)",
                    "ソフトウェアカードのテスト用CA（O=JPKI-TEST）の証明書です。信頼されません"
                    "（テストでは --trust-test-roots）。",
                ),
                None,
                True,
            )
        auth_roots = [*authentication_roots(), _test_root("JPKI for user authentication")]
        if any(_issued_by(cert, r) for r in auth_roots):
            return ChainResult(
                Check(
                    "chain",
                    "fail",
                    "an authentication certificate (利用者証明用): only the signing certificate "
                    "(署名用電子証明書) makes an electronic signature",
                    "利用者証明用電子証明書による署名です。電子署名には署名用電子証明書が必要です。",
                ),
                None,
                False,
            )
        return ChainResult(
            Check(
                "chain",
                "fail",
                f"not issued by a J-LIS signing CA (issuer: {cert.issuer.rfc4514_string()})",
                "地方公共団体情報システム機構（J-LIS）の署名用CAが発行した証明書ではありません。",
            ),
            None,
            is_test_certificate(cert),
        )
    root, test = found
    if not _is_ca(root):  # pragma: no cover - the shipped roots are CAs
        return ChainResult(
            Check("chain", "fail", "the issuer is not a CA", "発行者がCAではありません。"),
            None,
            test,
        )
    usages = key_usage_names(cert)
    if _is_ca(cert) or "keyCertSign" in usages:
        return ChainResult(
            Check(
                "chain",
                "fail",
                "the signer's certificate is a CA certificate, not a person's",
                "署名者の証明書がCA証明書です。",
            ),
            root,
            test,
        )
    if not ({"digitalSignature", "nonRepudiation"} & set(usages)):
        return ChainResult(
            Check(
                "chain",
                "fail",
                "the certificate's key usage does not allow signatures",
                "証明書の鍵用途が署名を許可していません。",
            ),
            root,
            test,
        )
    root_name = root.subject.rfc4514_string()
    if test:
        en = (
            f"issued by the TEST-ONLY signing CA {root_name}: trusted only because of "
            "--trust-test-roots (a software card, never a real one)"
        )
        ja = "テスト用の署名用CA（ソフトウェアカード）が発行。--trust-test-roots 指定時のみ信頼します。"
    else:
        generation = "2023" if root.not_valid_before_utc.year >= 2023 else "2015"
        en = f"issued by the J-LIS signing CA ({generation} generation, {root_name})"
        ja = f"J-LIS の署名用CA（{generation}年世代）が発行した署名用電子証明書です。"
    return ChainResult(Check("chain", "ok", en, ja), root, test)


def validity_check(
    cert: x509.Certificate,
    root: x509.Certificate | None,
    signing_time: dt.datetime | None,
    *,
    now: dt.datetime | None = None,
) -> Check:
    """Was the certificate (and its CA) valid at the signing time? Says what that time is worth."""
    now = now or dt.datetime.now(dt.timezone.utc)
    period = f"{fmt_date(cert.not_valid_before_utc)} – {fmt_date(cert.not_valid_after_utc)}"
    if signing_time is None:
        at = now
        source_en = "no signing time in the signature: checked now"
        source_ja = "署名時刻がないため現在時刻で確認"
    else:
        if signing_time.tzinfo is None:
            signing_time = signing_time.replace(tzinfo=dt.timezone.utc)
        at = signing_time
        source_en = "stated by the signer, not proven by a timestamp"
        source_ja = "署名者の申告による時刻。タイムスタンプによる証明はありません"
    if at > now + CLOCK_SKEW:
        return Check(
            "validity",
            "fail",
            f"the signing time {fmt_time(at)} lies in the future",
            f"署名時刻 {fmt_time(at)} が未来の日時です。",
        )
    if at < cert.not_valid_before_utc:
        return Check(
            "validity",
            "fail",
            f"the certificate was not yet valid at {fmt_time(at)} ({source_en}; valid {period})",
            f"署名時刻 {fmt_time(at)} には証明書がまだ有効ではありません（有効期間 {period}）。",
        )
    if at > cert.not_valid_after_utc:
        return Check(
            "validity",
            "fail",
            f"the certificate had expired at {fmt_time(at)} ({source_en}; valid {period})",
            f"署名時刻 {fmt_time(at)} には証明書の有効期限が切れていました（有効期間 {period}）。",
        )
    if root is not None and not root.not_valid_before_utc <= at <= root.not_valid_after_utc:
        return Check(
            "validity",
            "fail",
            f"the issuing CA certificate was not valid at {fmt_time(at)}",
            f"署名時刻 {fmt_time(at)} に発行元CAの証明書が有効ではありません。",
        )
    en = f"valid at {fmt_time(at)} ({source_en}); certificate valid {period}"
    ja = f"署名時刻 {fmt_time(at)}（{source_ja}）に有効。有効期間 {period}"
    if now > cert.not_valid_after_utc:
        return Check(
            "validity",
            "warn",
            en + f"; it has expired since {fmt_date(cert.not_valid_after_utc)}, and without a "
            "timestamp the signing time proves nothing about when the signature was made",
            ja + f"。ただし現在は有効期限切れ（{fmt_date(cert.not_valid_after_utc)}）で、"
            "タイムスタンプがないため署名時刻は証明されません。",
        )
    return Check("validity", "ok", en, ja)


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM bytes (ValueError when it is neither)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def revocation_check(
    cert: x509.Certificate,
    root: x509.Certificate | None,
    crl_data: bytes | None,
    *,
    now: dt.datetime | None = None,
) -> Check:
    """Revocation against a CRL file the caller has; without one, say plainly it was not checked."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if crl_data is None:
        return Check(
            "revocation",
            "not_checked",
            "not checked: revocation needs J-LIS's current CRL or OCSP, which this offline check "
            "does not fetch (give --crl FILE if you have the CRL)",
            "失効確認はしていません（オフラインのため、J-LIS の失効リスト・OCSP を取得しません）。"
            "失効リストがあれば --crl FILE で指定してください。",
        )
    try:
        crl = load_crl(crl_data)
    except ValueError:
        return Check(
            "revocation",
            "fail",
            "the CRL file is not a CRL (DER or PEM)",
            "失効リスト（CRL）のファイルを読み取れません。",
        )
    if root is None:
        return Check(
            "revocation",
            "fail",
            "cannot use the CRL: the certificate's CA is not trusted",
            "証明書の発行元CAが信頼できないため、失効リストを使えません。",
        )
    if crl.issuer != cert.issuer or not crl.is_signature_valid(root.public_key()):  # type: ignore[arg-type]
        return Check(
            "revocation",
            "fail",
            "the CRL was not issued by the signer's CA (wrong CRL, or a forged one)",
            "失効リストが署名者の証明書の発行元CAのものではありません。",
        )
    this_update = crl.last_update_utc
    next_update = crl.next_update_utc
    revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if revoked is not None:
        when = revoked.revocation_date_utc
        return Check(
            "revocation",
            "fail",
            f"REVOKED on {fmt_time(when)} (CRL of {fmt_time(this_update)})",
            f"証明書は {fmt_time(when)} に失効しています。",
        )
    issued = f"CRL of {fmt_time(this_update)}"
    if next_update is not None and next_update < now:
        return Check(
            "revocation",
            "warn",
            f"not on the {issued}, but that CRL is out of date (next update was "
            f"{fmt_time(next_update)}): a current one may list it",
            f"失効リスト（{fmt_time(this_update)}）には載っていませんが、このリストは古いため"
            f"（次回更新 {fmt_time(next_update)}）最新のもので確認してください。",
        )
    return Check(
        "revocation",
        "ok",
        f"not revoked: not on the {issued}",
        f"失効していません（{fmt_time(this_update)} の失効リストで確認）。",
    )
