"""The calculator contract: every deduction says whether it applies and shows its arithmetic.

:func:`mynalib.tax.household_summary` builds one :class:`HouseholdYear` (who files, who shares
the medical budget, the frames and settings), makes one calculator per entry of
:data:`mynalib.tax.summary.CALCULATORS`, and for each person:

1. calls :meth:`Calculator.compute` of every calculator, in order — ``None`` means the deduction
   does not apply to this person and year, and it is left out;
2. settles each result in order with :meth:`Calculator.settle`, handing it the taxable income
   (課税総所得金額) the results imply: the one from the settings when known, else an estimate from
   the 総所得金額等 less every 所得控除 found so far. A calculator whose figure depends on the
   tax rate (the 医療費控除 / セルフメディケーション choice, the 住民税 特例分 of 寄附金) works
   it out there; the others return their result unchanged.

A new deduction is a :class:`Deduction` subclass beside its arithmetic (``calculate`` builds the
:class:`~mynalib.tax.result.DeductionResult`, ``applies`` says whether it counts) added to
:data:`~mynalib.tax.summary.CALCULATORS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .result import DeductionResult
from .rules import TaxYearRules

if TYPE_CHECKING:
    import pandas as pd

    from .medical import OtcPurchase
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

    def inputs_for(self, person: str) -> PersonInputs:
        return self.filer_inputs if person == self.filer else self.settings.inputs_for(person)


@dataclass
class PersonYear:
    """One person of the household in the year: the calculators' argument."""

    household: HouseholdYear
    person: str
    inputs: PersonInputs
    #: 課税総所得金額: known from the settings, or (while settling) estimated from the results
    taxable_income: int | None = None
    taxable_income_estimated: bool = False

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


def estimate_taxable(total_income: int, results: list[DeductionResult], rules: TaxYearRules) -> int:
    """課税総所得金額［推計］: 総所得金額等 − the 所得控除 of ``results`` − 基礎控除, cut to the
    1,000円, never negative."""
    deducted = sum(r.income_tax for r in results if r.income_tax_kind == "所得控除")
    value = total_income - deducted - rules.basic_deduction(total_income)
    return max(0, value // 1000 * 1000)
