"""The tax itself: 所得税 (with 復興特別所得税) and 住民税所得割 on a taxable income.

A deduction saves the difference between the tax without it and the tax with it — zero when
there is no tax, and right when it moves the income across a bracket (a marginal rate × the
deduction is neither). The figures follow the rounding of the returns:

* 課税される所得金額 and 課税総所得金額 are cut to the 1,000円 (国税通則法第118条, 地方税法第20条の4の2);
* 所得税 by the 速算表 of 所得税法第89条 (computed bracket by bracket, which is the same);
  復興特別所得税 2.1% of it, 1円未満切捨て; the sum cut to the 100円 (国税通則法第119条);
* 住民税所得割 at the standard 4% (道府県民税) + 6% (市町村民税), each cut to the 100円
  (地方税法第20条の4の2第3項). 調整控除 and 税額控除 are left out: this is the 所得割 before them,
  which is what a deduction changes (調整控除 can move by a few hundred yen at low incomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .rules import TaxYearRules, floor_fraction

#: 住民税所得割: 道府県民税 and 市町村民税 standard rates (地方税法第35条・第314条の3)
PREFECTURE_RATE = Fraction(4, 100)
MUNICIPAL_RATE = Fraction(6, 100)


def taxable_amount(income: int, deductions: int) -> int:
    """Income less deductions, cut to the 1,000円, never negative."""
    return max(0, (income - deductions) // 1000 * 1000)


@dataclass(frozen=True)
class IncomeTax:
    taxable: int
    base: int  # 基準所得税額
    reconstruction: int  # 復興特別所得税
    total: int  # 100円未満切捨て


def income_tax(taxable: int, rules: TaxYearRules) -> IncomeTax:
    """所得税 and 復興特別所得税 on ``taxable`` (cut to the 1,000円 first)."""
    taxable = max(0, taxable // 1000 * 1000)
    tax = Fraction(0)
    lower = 0
    for upto, rate in rules.rates.brackets:
        top = taxable if upto is None else min(taxable, upto)
        if top > lower:
            tax += (top - lower) * rate
        if upto is None or taxable <= upto:
            break
        lower = upto
    base = floor_fraction(tax)
    extra = floor_fraction(base * rules.rates.reconstruction)
    return IncomeTax(taxable, base, extra, (base + extra) // 100 * 100)


def resident_levy(taxable: int) -> int:
    """住民税所得割 (before 調整控除 and 税額控除) on ``taxable`` (cut to the 1,000円 first)."""
    taxable = max(0, taxable // 1000 * 1000)
    prefecture = floor_fraction(taxable * PREFECTURE_RATE) // 100 * 100
    municipal = floor_fraction(taxable * MUNICIPAL_RATE) // 100 * 100
    return prefecture + municipal


def income_tax_saved(deduction: int, before: int, rules: TaxYearRules) -> int:
    """所得税 + 復興特別所得税 on ``before`` (income less every other deduction, not yet cut to
    the 1,000円) minus the same with ``deduction`` taken off too."""
    if deduction <= 0 or before <= 0:
        return 0
    without = income_tax(before, rules).total
    return without - income_tax(max(0, before - deduction), rules).total


def resident_tax_saved(deduction: int, before: int) -> int:
    """住民税所得割 on ``before`` minus the same with ``deduction`` taken off too."""
    if deduction <= 0 or before <= 0:
        return 0
    return resident_levy(before) - resident_levy(max(0, before - deduction))


__all__ = [
    "IncomeTax",
    "income_tax",
    "income_tax_saved",
    "resident_levy",
    "resident_tax_saved",
    "taxable_amount",
]
