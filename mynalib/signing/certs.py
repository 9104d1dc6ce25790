"""The card's certificates exported: text, PEM or DER, personal data only when asked.

The 署名用電子証明書 carries its holder's name, address, birth date and sex as subjectAltName
otherName entries (OIDs 1.2.392.200149.8.5.5.1–6); :func:`certificate_text` shows them only with
``show_personal=True``. The authentication certificate carries no personal data.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtensionOID

from .chain import fmt_date, key_usage_names

__all__ = [
    "CERTIFICATE_TITLES",
    "PersonalData",
    "certificate_text",
    "personal_data",
    "personal_lines",
    "to_pem",
]

#: (Japanese, English) title of each certificate ``myna card cert`` exports
CERTIFICATE_TITLES = {
    "auth": ("利用者証明用電子証明書", "authentication certificate"),
    "sign": ("署名用電子証明書", "signing certificate"),
    "auth-ca": ("利用者証明用CA証明書", "authentication CA certificate"),
    "sign-ca": ("署名用CA証明書", "signing CA certificate"),
}

#: subjectAltName otherName OIDs of the signing certificate
_SAN_FIELDS = {
    "1.2.392.200149.8.5.5.1": "name",
    "1.2.392.200149.8.5.5.2": "name_alt",
    "1.2.392.200149.8.5.5.3": "sex",
    "1.2.392.200149.8.5.5.4": "birth",
    "1.2.392.200149.8.5.5.5": "address",
    "1.2.392.200149.8.5.5.6": "address_alt",
}
_SEX = {
    "1": "男性 / male",
    "2": "女性 / female",
    "9": "適用不能 / not applicable",
    "0": "不明 / unknown",
}


@dataclass(frozen=True)
class PersonalData:
    """基本4情報 from a signing certificate's subjectAltName (raw text as the card holds it)."""

    name: str | None = None
    name_alt: str | None = None
    sex: str | None = None
    birth: str | None = None
    address: str | None = None
    address_alt: str | None = None

    def __repr__(self) -> str:  # personal data: never in a log or a traceback by accident
        return "<PersonalData (hidden)>"


def _der_string(value: bytes) -> str | None:
    """The text of a DER string (UTF8String, PrintableString, IA5String, BMPString...)."""
    from asn1crypto import core

    try:
        parsed = core.load(value)
        native = parsed.native
    except (ValueError, TypeError):
        return None
    if isinstance(native, bytes):
        return native.decode("utf-8", errors="replace")
    return native if isinstance(native, str) else None


def personal_data(cert: x509.Certificate) -> PersonalData | None:
    """The holder's data in a signing certificate, or None when it carries none."""
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    if not isinstance(san, x509.SubjectAlternativeName):
        return None
    found: dict[str, str] = {}
    for entry in san.get_values_for_type(x509.OtherName):
        key = _SAN_FIELDS.get(entry.type_id.dotted_string)
        text = _der_string(entry.value) if key else None
        if key and text is not None:
            found[key] = text
    return PersonalData(**found) if found else None


def _birth(raw: str) -> str:
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date().isoformat()
    except ValueError:
        return raw


def personal_lines(data: PersonalData) -> list[str]:
    """The holder's data, one ``label: value`` line each (what ``--show-personal`` prints)."""
    rows = [
        ("氏名 (name)", data.name),
        ("氏名・代替文字 (name, alternative characters)", data.name_alt),
        ("性別 (sex)", None if data.sex is None else f"{data.sex} ({_SEX.get(data.sex, '?')})"),
        ("生年月日 (birth date)", None if data.birth is None else _birth(data.birth)),
        ("住所 (address)", data.address),
        ("住所・代替文字 (address, alternative characters)", data.address_alt),
    ]
    return [f"{label}: {value}" for label, value in rows if value is not None]


def to_pem(der: bytes, label: str = "CERTIFICATE") -> bytes:
    """PEM armour (64-character lines) around DER bytes."""
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        f"-----BEGIN {label}-----\n".encode()
        + b"\n".join(lines)
        + f"\n-----END {label}-----\n".encode()
    )


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _is_self_signed(cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain_line(
    der: bytes, which: str, cert: x509.Certificate, now: dt.datetime
) -> tuple[str, str]:
    """(English, Japanese) verdict on where the certificate comes from."""
    from .chain import authentication_roots, is_test_certificate, signing_roots, test_signing_root

    test = is_test_certificate(cert)
    if which.endswith("-ca"):
        shipped = signing_roots() if which == "sign-ca" else authentication_roots()
        if any(cert == r for r in shipped):
            return (
                "ok — identical to a J-LIS CA certificate shipped with mynalib",
                "mynalib 同梱の J-LIS CA 証明書と一致します。",
            )
        if test and _is_self_signed(cert) and which == "sign-ca":
            return (
                "TEST-ONLY CA of the software card (O=JPKI-TEST); `myna verify` trusts it only "
                "with --trust-test-roots",
                "ソフトウェアカードのテスト用CAです（myna verify は --trust-test-roots 指定時のみ信頼）。",
            )
        if test and _is_self_signed(cert):
            return (
                "TEST-ONLY CA of the software card (O=JPKI-TEST), trusted by nothing",
                "ソフトウェアカードのテスト用CAです（信頼されません）。",
            )
        return (
            "NOT one of the J-LIS CA certificates shipped with mynalib",
            "mynalib 同梱の J-LIS CA 証明書ではありません。",
        )
    from ..card.trust import verify_certificate

    result = verify_certificate(der, trust_test_roots=test, at=now)
    if which == "sign" and result.ok:
        roots = [*signing_roots(), test_signing_root()]
        if not any(r.subject.rfc4514_string() == result.root for r in roots):
            return ("NOT issued by a signing CA", "署名用CAが発行した証明書ではありません。")
    if result.ok and test:
        note = "; `myna verify` trusts it only with --trust-test-roots" if which == "sign" else ""
        return (
            f"ok — chains to the TEST-ONLY root O=JPKI-TEST (a software card{note})",
            "テスト用ルート（O=JPKI-TEST）につながります（ソフトウェアカード）。",
        )
    if result.ok:
        return ("ok — chains to a J-LIS CA shipped with mynalib", "J-LIS の CA につながります。")
    return (f"NOT ok — {result.reason}", "証明書チェーンを確認できません。")


def certificate_text(
    der: bytes,
    which: str,
    *,
    show_personal: bool = False,
    now: dt.datetime | None = None,
) -> str:
    """What ``myna card cert WHICH --format text`` prints."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cert = x509.load_der_x509_certificate(der)
    ja, en = CERTIFICATE_TITLES[which]
    days = (cert.not_valid_after_utc - now).days
    expiry = (
        f"expired / 有効期限切れ ({fmt_date(cert.not_valid_after_utc)})"
        if days < 0
        else f"{fmt_date(cert.not_valid_after_utc)} ({days} days left / 残り{days}日)"
    )
    chain_en, chain_ja = _chain_line(der, which, cert, now)
    lines = [
        f"{ja} / {en}",
        f"  subject / 主体者:         {cert.subject.rfc4514_string()}",
        f"  issuer / 発行者:          {cert.issuer.rfc4514_string()}",
        f"  serial / シリアル番号:    {cert.serial_number:X}",
        f"  valid from / 有効期間開始: {fmt_date(cert.not_valid_before_utc)} (JST)",
        f"  expires / 有効期限:       {expiry}",
        f"  key usage / 鍵用途:       {', '.join(key_usage_names(cert)) or '-'}",
        f"  SHA-256 fingerprint:      {_fingerprint(cert)}",
        f"  chain / 証明書チェーン:   {chain_en}",
        f"                            {chain_ja}",
    ]
    if "O=JPKI-TEST" in cert.issuer.rfc4514_string():
        lines.append(
            "  TEST-ONLY: a software card's certificate, never a real one / テスト用証明書"
        )
    data = personal_data(cert)
    if data is None:
        lines.append("  personal data / 個人情報:  none in this certificate / なし")
    elif show_personal:
        lines.append("  personal data / 個人情報 (subjectAltName):")
        lines += ["    " + line for line in personal_lines(data)]
    else:
        lines += [
            "  personal data / 個人情報:  hidden: the subjectAltName holds name, address, birth "
            "date and sex (--show-personal shows them)",
            "                            氏名・住所・生年月日・性別は表示していません"
            "（--show-personal で表示）",
        ]
    return "\n".join(lines) + "\n"
