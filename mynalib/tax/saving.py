"""Tax saved by a deduction: the tax without it minus the tax with it (:mod:`.liability`).

所得税 (with 復興特別所得税, 100円未満切捨て) and 住民税所得割 (4% + 6%, each cut to the 100円) are
worked out on the taxable income before the deduction and after it, so the saving is 0 when there
is no tax and right when the deduction moves the income across a bracket. The 住民税 side uses
the 住民税's own taxable income (its own 所得控除: 生命・地震保険料控除の住民税の表, 基礎控除
43万円, no 寄附金 所得控除).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .liability import income_tax, resident_levy
from .result import Step
from .rules import TaxYearRules


@dataclass
class TaxSaved:
    """所得税 (incl. 復興特別所得税) and 住民税所得割 saved by a deduction."""

    income_tax: int
    resident_tax: int
    steps: list[Step] = field(default_factory=list)
    #: whether a taxable income it rests on is an estimate
    estimate: bool = True

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
    *,
    before_it: int | None,
    before_rt: int | None,
    rules: TaxYearRules,
    label: str = "",
    estimated_it: bool = False,
    estimated_rt: bool = True,
) -> TaxSaved:
    """The tax on ``before_*`` (income less every other deduction) minus the tax on it less
    ``deduction_*``: 所得税 + 復興特別所得税 and 住民税所得割 (before 調整控除 and 税額控除).

    A ``before_*`` of None (unknown) saves 0 and says so. ``estimated_*`` mark the figures
    resting on an estimated taxable income ［推計］.
    """
    prefix = f"{label} " if label else ""
    steps: list[Step] = []
    saved_it = saved_rt = 0
    mark_it = "［推計］" if estimated_it else ""
    mark_rt = "［推計］" if estimated_rt else ""
    if before_it is None:
        steps.append(
            Step(f"{prefix}所得税の軽減額", "課税所得金額が不明のため計算できません", 0, "所得税")
        )
    else:
        before = max(0, before_it)
        after = max(0, before - max(0, deduction_it))
        without, with_ = income_tax(before, rules).total, income_tax(after, rules).total
        saved_it = without - with_
        steps.append(
            Step(
                f"{prefix}所得税の軽減額{mark_it}",
                f"所得税・復興特別所得税（100円未満切捨て）: 課税所得 {before // 1000 * 1000:,} → "
                f"{after // 1000 * 1000:,} で {without:,} − {with_:,}",
                saved_it,
                "所得税",
            )
        )
    if before_rt is None:
        steps.append(
            Step(f"{prefix}住民税の軽減額", "課税所得金額が不明のため計算できません", 0, "住民税")
        )
    else:
        before = max(0, before_rt)
        after = max(0, before - max(0, deduction_rt))
        without, with_ = resident_levy(before), resident_levy(after)
        saved_rt = without - with_
        steps.append(
            Step(
                f"{prefix}住民税の軽減額{mark_rt}",
                f"所得割（4% + 6%、各100円未満切捨て）: 課税所得 {before // 1000 * 1000:,} → "
                f"{after // 1000 * 1000:,} で {without:,} − {with_:,}",
                saved_rt,
                "住民税",
            )
        )
    return TaxSaved(saved_it, saved_rt, steps, estimated_it or estimated_rt)
