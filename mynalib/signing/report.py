"""The result of a verification, and its text in English and Japanese.

A signature is **valid** only when its integrity, its signer certificate, the chain to a trusted
J-LIS signing CA and the certificate's validity at the signing time all check out; revocation that
was not checked is said, not counted against it. A file is valid only when it holds at least one
signature and every signature in it is valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography import x509

from .certs import personal_data, personal_lines
from .chain import Check, fmt_time

Verdict = Literal["valid", "invalid", "untrusted"]

#: the checks a valid signature needs (each ``ok`` or ``warn``)
REQUIRED = ("integrity", "signer", "chain", "validity")
#: a failure of one of these means the signature or the content is broken, not only untrusted
BROKEN_IF_FAILED = frozenset({"format", "integrity", "coverage", "signer", "content"})

_TITLES = {
    "format": "format / 形式",
    "integrity": "integrity / 完全性",
    "coverage": "coverage / 署名範囲",
    "signer": "signer / 署名者",
    "chain": "chain / 証明書チェーン",
    "validity": "validity at signing time / 署名時の有効性",
    "revocation": "revocation / 失効確認",
    "content": "content / 対象データ",
}
_MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "not_checked": "--"}


@dataclass
class SignatureResult:
    """One signature: its checks, its signer, its signing time."""

    label: str
    checks: list[Check] = field(default_factory=list)
    certificate: x509.Certificate | None = None
    signing_time: dt.datetime | None = None
    test_only: bool = False

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def verdict(self) -> Verdict:
        if any(c.status == "fail" for c in self.checks if c.name in BROKEN_IF_FAILED):
            return "invalid"
        for name in ("integrity", "signer"):
            c = self.check(name)
            if c is None or c.status not in ("ok", "warn"):
                return "invalid"
        if any(c.status == "fail" for c in self.checks):
            return "untrusted"
        for name in REQUIRED:
            c = self.check(name)
            if c is None or c.status not in ("ok", "warn"):
                return "untrusted"
        return "valid"

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    def to_dict(self) -> dict[str, Any]:
        cert = self.certificate
        return {
            "label": self.label,
            "verdict": self.verdict,
            "signing_time": None if self.signing_time is None else self.signing_time.isoformat(),
            "signer_subject": None if cert is None else cert.subject.rfc4514_string(),
            "signer_issuer": None if cert is None else cert.issuer.rfc4514_string(),
            "test_only": self.test_only,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass
class VerificationReport:
    """Every signature of one file, plus what concerns the file as a whole."""

    kind: Literal["cms", "pdf"]
    description: str
    signatures: list[SignatureResult] = field(default_factory=list)
    problems: list[Check] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if any(p.status == "fail" for p in self.problems) or not self.signatures:
            return "invalid"
        verdicts = [s.verdict for s in self.signatures]
        if "invalid" in verdicts:
            return "invalid"
        if "untrusted" in verdicts:
            return "untrusted"
        return "valid"

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def revocation_checked(self) -> bool:
        return all(
            (c := s.check("revocation")) is not None and c.status == "ok" for s in self.signatures
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "verdict": self.verdict,
            "valid": self.valid,
            "problems": [p.to_dict() for p in self.problems],
            "signatures": [s.to_dict() for s in self.signatures],
        }

    def render(self, *, show_personal: bool = False) -> str:
        """The report as ``myna verify`` prints it (English, each line followed by Japanese)."""
        lines = [f"{self.description}"]
        for problem in self.problems:
            lines += _check_lines(problem)
        total = len(self.signatures)
        for n, sig in enumerate(self.signatures, 1):
            lines.append("")
            lines.append(f"Signature {n} of {total} / 署名 {n}/{total}: {sig.label}")
            if sig.test_only:
                lines.append(
                    "  TEST-ONLY certificate of a software card (O=JPKI-TEST) / "
                    "テスト用（ソフトウェアカード）の証明書"
                )
            if sig.signing_time is not None:
                lines.append(f"  signing time / 署名時刻: {fmt_time(sig.signing_time)}")
            for check in sig.checks:
                lines += _check_lines(check)
            if sig.certificate is not None:
                data = personal_data(sig.certificate)
                if data is not None:
                    if show_personal:
                        lines.append("  personal data of the signer / 署名者の個人情報:")
                        lines += ["    " + line for line in personal_lines(data)]
                    else:
                        lines.append(
                            "  personal data / 個人情報: not shown (--show-personal) / "
                            "氏名・住所・生年月日・性別は表示していません"
                        )
            lines.append(f"  → {_verdict_text(sig.verdict)}")
        lines.append("")
        verdict = _verdict_text(self.verdict)
        if self.valid and not self.revocation_checked:
            verdict += " — revocation not checked / 失効は未確認"
        lines.append(f"Verdict / 判定: {verdict}")
        return "\n".join(lines)


def _check_lines(check: Check) -> list[str]:
    title = _TITLES.get(check.name, check.name)
    return [
        f"  [{_MARK[check.status]:>4}] {title}: {check.en}",
        f"         {check.ja}",
    ]


def _verdict_text(verdict: Verdict) -> str:
    return {
        "valid": "VALID / 有効",
        "invalid": "INVALID / 無効",
        "untrusted": "NOT TRUSTED / 信頼できません",
    }[verdict]
