"""Tax saved by a deduction at the marginal rate (an estimate, per TAX.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..jp.fmt import yen
from .result import Step
from .rules import TaxYearRules, floor_fraction


@dataclass
class TaxSaved:
    """所得税 (incl. 復興特別所得税) and 住民税 saved; always an estimate."""

    income_tax: int
    resident_tax: int
    marginal_rate: Fraction
    steps: list[Step] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.income_tax + self.resident_tax


def percent(rate: Fraction) -> str:
    value = rate * 100
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"{float(value):g}%"


def tax_saved(
    deduction_it: int,
    deduction_rt: int,
    taxable_income: int,
    rules: TaxYearRules,
    *,
    label: str = "",
) -> TaxSaved:
    """Deduction × marginal 所得税 rate × 1.021 + deduction × 10% 住民税 (yen cut downwards).

    An estimate: it assumes the deduction does not move the taxable income across a bracket.
    """
    rate = rules.rates.marginal_rate(max(0, taxable_income))
    factor = 1 + rules.rates.reconstruction
    it = floor_fraction(max(0, deduction_it) * rate * factor)
    rt = floor_fraction(max(0, deduction_rt) * rules.rates.resident_rate)
    prefix = f"{label} " if label else ""
    factor_text = f"{float(factor):g}"
    steps = [
        Step(
            f"{prefix}限界税率（課税所得金額 {yen(taxable_income)}）",
            f"所得税 {percent(rate)}（復興特別所得税を含め × {factor_text}）",
        ),
        Step(
            f"{prefix}所得税の軽減額［推計］",
            f"{deduction_it:,} × {percent(rate)} × {factor_text}（円未満切捨て）",
            it,
            "所得税",
        ),
        Step(
            f"{prefix}住民税の軽減額［推計］",
            f"{deduction_rt:,} × {percent(rules.rates.resident_rate)}（円未満切捨て）",
            rt,
            "住民税",
        ),
    ]
    return TaxSaved(it, rt, rate, steps)
