"""Reading the ``deductions`` frame (one row per 控除証明書 line) for the calculators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CertLine:
    """One certificate line with the amount the calculators use."""

    person: str
    year: int | None
    form: str
    category: str
    issuer: str
    paid: int | None
    declared: int | None
    regime: str | None
    signature: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    source_id: int | None = None

    @property
    def amount(self) -> int:
        """The 申告額 (declared, e.g. the 12月末 projection) when present, else the certified paid."""
        if self.declared is not None:
            return self.declared
        return self.paid or 0

    @property
    def used(self) -> str:
        """Which amount :attr:`amount` is: ``"projected"`` (見込み/12月期想定) or ``"certified"``."""
        used = self.detail.get("used")
        if used in ("projected", "certified"):
            return str(used)
        if self.declared is not None and self.paid is not None and self.declared != self.paid:
            return "projected"
        return "certified"

    @property
    def used_ja(self) -> str:
        return "12月末見込み（申告額）" if self.used == "projected" else "証明額"

    def describe(self) -> str:
        bits = [self.form or "", self.issuer or ""]
        policy = policy_key(self)
        if policy:
            bits.append(f"No.{policy}")
        return " ".join(b for b in bits if b)


def _value(v: Any) -> Any:
    try:
        import pandas as pd

        if v is None or (not isinstance(v, (dict, list)) and pd.isna(v)):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _int(v: Any) -> int | None:
    v = _value(v)
    return None if v is None else int(v)


def _str(v: Any) -> str | None:
    v = _value(v)
    return None if v is None else str(v)


def cert_lines(
    deductions: pd.DataFrame | None,
    *,
    categories: tuple[str, ...],
    year: int | None = None,
    person: str | None = None,
) -> list[CertLine]:
    """Rows of ``deductions`` in ``categories`` (and ``year``/``person`` when given)."""
    if deductions is None or not len(deductions):
        return []
    out = []
    for rec in deductions.to_dict("records"):
        if rec.get("category") not in categories:
            continue
        line = CertLine(
            person=_str(rec.get("person")) or "",
            year=_int(rec.get("year")),
            form=_str(rec.get("form")) or "",
            category=str(rec.get("category")),
            issuer=_str(rec.get("issuer")) or "",
            paid=_int(rec.get("paid")),
            declared=_int(rec.get("declared")),
            regime=_str(rec.get("contract_regime")),
            signature=_str(rec.get("signature")),
            detail=dict(_value(rec.get("detail")) or {}),
            source_id=_int(rec.get("source_id")),
        )
        if year is not None and line.year != year:
            continue
        if person is not None and line.person != person:
            continue
        out.append(line)
    return out


def persons_in(deductions: pd.DataFrame | None, year: int | None = None) -> list[str]:
    """Persons with certificate lines (in ``year`` if given), in order of appearance."""
    if deductions is None or not len(deductions):
        return []
    seen: dict[str, None] = {}
    for rec in deductions.to_dict("records"):
        if year is not None and _int(rec.get("year")) != year:
            continue
        p = _str(rec.get("person"))
        if p:
            seen.setdefault(p, None)
    return list(seen)


_POLICY_KEYS = ("policy_no", "policy_number", "policy", "contract_no", "contract_number")


def policy_key(line: CertLine) -> str | None:
    for key in _POLICY_KEYS:
        value = line.detail.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def signature_warning(lines: list[CertLine]) -> list[str]:
    """Warnings for lines whose XML signature did not verify as valid."""
    out = []
    for line in lines:
        if line.signature == "invalid":
            out.append(
                f"{line.describe()}: 電子署名の検証に失敗しています（改ざんの可能性）。"
                "原本を確認してください"
            )
    return out
