"""社会保険料控除 (TEG840) and 小規模企業共済等掛金控除 (TEG850): the full amount paid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..errors import TaxError
from ..jp.fmt import yen
from .calculator import Deduction, PersonYear
from .certificates import CertLine, cert_lines, signature_warning
from .result import DeductionResult, Step
from .rules import TaxYearRules, rules_for

if TYPE_CHECKING:
    import pandas as pd

PrepaidMode = Literal["paid_year", "split"]


def _by_year(line: CertLine) -> dict[int, int] | None:
    raw: Any = line.detail.get("by_year")
    if not raw:
        return None
    try:
        return {int(k): int(v) for k, v in dict(raw).items()}
    except (TypeError, ValueError) as exc:
        raise TaxError(f"{line.describe()}: unreadable per-year split {raw!r}") from exc


def social_insurance_deduction(
    deductions: pd.DataFrame | None,
    *,
    year: int,
    person: str | None = None,
    prepaid: PrepaidMode = "paid_year",
    rules: TaxYearRules | None = None,
) -> DeductionResult:
    """社会保険料控除 from TEG840 lines.

    Prepaid premiums (前納) may be deducted in full in the year paid (``prepaid="paid_year"``,
    default) or split by year as the certificate's per-year block says (``"split"``: the part of
    every certificate — of any year — that belongs to ``year``). Pass the frame unfiltered by year
    for ``"split"``.
    """
    if prepaid not in ("paid_year", "split"):
        raise TaxError(f"prepaid must be 'paid_year' or 'split', not {prepaid!r}")
    rules = rules or rules_for(year)
    lines = cert_lines(deductions, categories=("social_insurance",), person=person)
    steps: list[Step] = []
    warnings = signature_warning([line for line in lines if line.year == year])
    total = 0
    estimate = False
    for line in lines:
        split = _by_year(line)
        if prepaid == "split" and split is not None:
            part = split.get(year, 0)
            if part:
                total += part
                steps.append(
                    Step(
                        f"社会保険料 {line.describe()}（{line.year}年の証明・前納分を年分割）",
                        f"{year}年分 {yen(part)} / 全体 "
                        + ", ".join(f"{y}: {v:,}" for y, v in sorted(split.items())),
                        part,
                    )
                )
            continue
        if line.year != year:
            continue
        total += line.amount
        estimate = estimate or line.used == "projected"
        steps.append(Step(f"社会保険料 {line.describe()}", line.used_ja, line.amount))
        if split is not None and len(split) > 1:
            warnings.append(
                f"{line.describe()}: 前納分は各年分に分割して控除することもできます（"
                + ", ".join(f"{y}年分 {yen(v)}" for y, v in sorted(split.items()))
                + "）"
            )
    steps.append(Step("社会保険料控除額", "支払った全額", total))
    return DeductionResult(
        key="social_insurance",
        label="社会保険料控除",
        year=year,
        person=person,
        income_tax=total,
        resident_tax=total,
        steps=steps,
        warnings=warnings,
        estimate=estimate,
        sources=[rules.social_source],
        details={"prepaid": prepaid},
    )


def small_business_deduction(
    deductions: pd.DataFrame | None,
    *,
    year: int,
    person: str | None = None,
    rules: TaxYearRules | None = None,
) -> DeductionResult:
    """小規模企業共済等掛金控除 from TEG850 lines (小規模企業共済, iDeCo): the full amount."""
    rules = rules or rules_for(year)
    lines = cert_lines(deductions, categories=("small_business_mutual",), year=year, person=person)
    steps = [Step(f"掛金 {line.describe()}", line.used_ja, line.amount) for line in lines]
    total = sum(line.amount for line in lines)
    steps.append(Step("小規模企業共済等掛金控除額", "支払った全額", total))
    return DeductionResult(
        key="small_business_mutual",
        label="小規模企業共済等掛金控除",
        year=year,
        person=person,
        income_tax=total,
        resident_tax=total,
        steps=steps,
        warnings=signature_warning(lines),
        estimate=any(line.used == "projected" for line in lines),
        sources=[rules.small_business_source],
    )


class SocialInsurance(Deduction):
    """社会保険料控除: applies when a premium counts in the year (one step per counted line
    before the total); 前納 split or not as the settings' ``prepaid`` says."""

    key = "social_insurance"
    label = "社会保険料控除"

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        prepaid: PrepaidMode = (
            "split" if self.household.settings.prepaid == "split" else "paid_year"
        )
        return social_insurance_deduction(
            ctx.deductions, year=ctx.year, person=ctx.person, prepaid=prepaid, rules=ctx.rules
        )

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return bool(result.income_tax) or len(result.steps) > 1


class SmallBusinessMutual(Deduction):
    """小規模企業共済等掛金控除: applies when the person has a TEG850 line in the year."""

    key = "small_business_mutual"
    label = "小規模企業共済等掛金控除"

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return small_business_deduction(
            ctx.deductions, year=ctx.year, person=ctx.person, rules=ctx.rules
        )

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return len(result.steps) > 1
