"""The calculator contract: every deduction says whether it applies and shows its arithmetic.

:func:`mynalib.tax.household_summary` builds one :class:`HouseholdYear` (who files, who shares
the medical budget, the frames and settings), makes one calculator per entry of
:data:`mynalib.tax.summary.CALCULATORS`, and for each person:

1. calls :meth:`Calculator.compute` of every calculator, in order — ``None`` means the deduction
   does not apply to this person and year, and it is left out;
2. settles each result in order with :meth:`Calculator.settle`, handing it the taxable income
   (課税総所得金額) the results imply: the one from the settings when known, else an estimate from
   the 総所得金額等 less every 所得控除 found so far — and the 住民税's own taxable income,
   worked out with the 住民税's 所得控除 (:func:`resident_taxable`). A calculator whose figure
   depends on the tax (the 医療費控除 / セルフメディケーション choice, the 住民税 特例分 of
   寄附金) works it out there; the others return their result unchanged.

A known 課税総所得金額 is taken as the income after every 所得控除 the summary lists; the tax a
deduction saves is the tax on that income with the deduction added back, minus the tax on it
(:mod:`mynalib.tax.saving`), never more than the 総所得金額等 allows.

A new deduction is a :class:`Deduction` subclass beside its arithmetic (``calculate`` builds the
:class:`~mynalib.tax.result.DeductionResult`, ``applies`` says whether it counts) added to
:data:`~mynalib.tax.summary.CALCULATORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

from .result import DeductionResult
from .rules import TaxYearRules

if TYPE_CHECKING:
    import pandas as pd

    from .medical import OtcPurchase
    from .portal import VaultInputs
    from .settings import PersonInputs, TaxSettings


@dataclass
class HouseholdYear:
    """What every calculator may read: the household's data and settings for one tax year."""

    year: int
    rules: TaxYearRules
    settings: TaxSettings
    filer: str | None
    #: the people whose medical expenses are pooled under the filer (生計を一にする家族)
    household: list[str]
    #: the filer's inputs (with an ``income`` given on the command line already applied)
    filer_inputs: PersonInputs
    #: everyone the summary covers, the filer first
    people: list[str] = field(default_factory=list)
    medical_expenses: pd.DataFrame | None = None
    deductions: pd.DataFrame | None = None
    checkups: pd.DataFrame | None = None
    otc_purchases: list[OtcPurchase] | None = None
    #: warnings for the whole summary (a calculator may add to them)
    warnings: list[str] = field(default_factory=list)
    #: what the vault itself says (マイナポータルの税・所得 / 世帯情報, 医療費通知の生年月日)
    vault_inputs: VaultInputs | None = None
    #: every person's inputs, the settings filled from ``vault_inputs`` (see inputs_for)
    inputs: dict[str, PersonInputs] = field(default_factory=dict)
    #: dates of birth by name and where each came from
    births: dict[str, tuple[date, str]] = field(default_factory=dict)
    #: fills a person's inputs the settings leave out from ``vault_inputs`` (set by the summary,
    #: which knows how: :func:`mynalib.tax.portal.apply_inputs`)
    fill_inputs: Callable[[PersonInputs, str], PersonInputs] | None = None

    def inputs_for(self, person: str) -> PersonInputs:
        if person in self.inputs:
            return self.inputs[person]
        if person == self.filer:
            return self.filer_inputs
        inputs = self.settings.inputs_for(person)
        if self.fill_inputs is not None:
            inputs = self.fill_inputs(inputs, person)
        return inputs


@dataclass
class PersonYear:
    """One person of the household in the year: the calculators' argument."""

    household: HouseholdYear
    person: str
    inputs: PersonInputs
    #: 課税総所得金額: known from the settings, or (while settling) estimated from the results
    taxable_income: int | None = None
    taxable_income_estimated: bool = False
    #: the 住民税's 課税総所得金額 (always worked out: an estimate) and how
    resident_taxable_income: int | None = None
    resident_taxable_formula: str = ""
    #: the 所得控除 of the results the taxable incomes were worked out from (所得税, 住民税)
    deducted: tuple[int, int] = (0, 0)

    def before(self, amount_it: int, amount_rt: int) -> tuple[int | None, int | None]:
        """The taxable incomes with a deduction of ``amount_*`` added back (the income less
        every other deduction), at most the 総所得金額等 less the 基礎控除."""
        total = self.inputs.total_income
        before_it = before_rt = None
        if self.taxable_income is not None:
            before_it = self.taxable_income + max(0, amount_it)
            if total is not None:
                basic = basic_deduction_it(total, self.taxable_income, self.deducted[0], self.rules)
                before_it = min(before_it, max(0, total - basic))
        if self.resident_taxable_income is not None:
            before_rt = self.resident_taxable_income + max(0, amount_rt)
            if total is not None:
                before_rt = min(before_rt, max(0, total - self.rules.basic_deduction_rt))
        return before_it, before_rt

    @property
    def year(self) -> int:
        return self.household.year

    @property
    def rules(self) -> TaxYearRules:
        return self.household.rules

    @property
    def deductions(self) -> pd.DataFrame | None:
        return self.household.deductions


class Calculator(Protocol):
    """A deduction as the summary sees it."""

    key: str
    label: str

    def compute(self, ctx: PersonYear) -> DeductionResult | None:
        """The deduction of ``ctx.person``, or ``None`` when it does not apply."""
        ...

    def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
        """``result`` once ``ctx.taxable_income`` is known or estimated (often unchanged)."""
        ...


class Deduction:
    """Base of the built-in calculators: ``calculate`` and ``applies`` make ``compute``."""

    key: str
    label: str

    def __init__(self, household: HouseholdYear) -> None:
        self.household = household

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        raise NotImplementedError

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        """Whether ``result`` counts for ``ctx.person`` (default: always)."""
        return True

    def compute(self, ctx: PersonYear) -> DeductionResult | None:
        result = self.calculate(ctx)
        return result if self.applies(ctx, result) else None

    def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key}>"


def income_deductions(results: list[DeductionResult]) -> tuple[int, int]:
    """The 所得控除 of ``results``: (所得税, 住民税) — 寄附金 is a 所得控除 for 所得税 only."""
    it = sum(r.income_tax for r in results if r.income_tax_kind == "所得控除")
    rt = sum(r.resident_tax for r in results if r.resident_tax_kind == "所得控除")
    return it, rt


def estimate_taxable(total_income: int, results: list[DeductionResult], rules: TaxYearRules) -> int:
    """課税総所得金額［推計］: 総所得金額等 − the 所得控除 of ``results`` − 基礎控除, cut to the
    1,000円, never negative."""
    deducted, _ = income_deductions(results)
    value = total_income - deducted - rules.basic_deduction(total_income)
    return max(0, value // 1000 * 1000)


def basic_deduction_it(
    total_income: int | None, taxable: int | None, deducted: int, rules: TaxYearRules
) -> int:
    """The 所得税 基礎控除: by the 総所得金額等 when known, else the tier the taxable income plus
    the deductions found plus the 基礎控除 itself fits in (an estimate)."""
    if total_income is not None:
        return rules.basic_deduction(total_income)
    base = (taxable or 0) + deducted
    for tier in rules.basic_deduction_it:
        if tier.upto is None or base + tier.amount <= tier.upto:
            return tier.amount
    return 0  # pragma: no cover


def resident_taxable(
    total_income: int | None,
    taxable_it: int | None,
    results: list[DeductionResult],
    rules: TaxYearRules,
) -> tuple[int | None, str]:
    """The 住民税's 課税総所得金額［推計］ and its formula, with the 住民税's own 所得控除.

    From the 総所得金額等: it less the 住民税 所得控除 of ``results`` and the 基礎控除 43万円.
    From the 所得税 課税総所得金額: it plus the differences of the deductions found (生命・地震
    保険料控除 have their own tables, 寄附金 is no 所得控除 of the 住民税) and of the 基礎控除.
    Both are upper bounds (other 所得控除 — 配偶者・扶養控除 … — are unknown): the smaller is
    taken. Cut to the 1,000円, never negative; None when neither income is known.
    """
    d_it, d_rt = income_deductions(results)
    candidates: list[tuple[int, str]] = []
    if total_income is not None:
        value = total_income - d_rt - rules.basic_deduction_rt
        candidates.append(
            (
                max(0, value // 1000 * 1000),
                f"総所得金額等 {total_income:,} − 住民税の所得控除 {d_rt:,} − 基礎控除 "
                f"{rules.basic_deduction_rt:,}",
            )
        )
    if taxable_it is not None:
        basic_it = basic_deduction_it(total_income, taxable_it, d_it, rules)
        value = taxable_it + (d_it - d_rt) + (basic_it - rules.basic_deduction_rt)
        candidates.append(
            (
                max(0, value // 1000 * 1000),
                f"課税総所得金額 {taxable_it:,} + 所得控除の差（所得税 {d_it:,} − 住民税 {d_rt:,}）"
                f" + 基礎控除の差（{basic_it:,} − {rules.basic_deduction_rt:,}）",
            )
        )
    if not candidates:
        return None, ""
    value, formula = min(candidates, key=lambda c: c[0])
    return value, f"{formula}（1,000円未満切捨て）"
