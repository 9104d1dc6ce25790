"""寄附金控除 (所得税), 住民税の寄附金税額控除 (基本分 + 特例分) and the ふるさと納税 limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from ..jp.fmt import yen
from .calculator import Deduction, PersonYear, resident_taxable
from .certificates import cert_lines, signature_warning
from .liability import resident_levy as resident_levy_on
from .result import DeductionResult, Step
from .rules import TaxYearRules, floor_fraction, rules_for
from .saving import percent

if TYPE_CHECKING:
    import pandas as pd

ONESTOP_WARNING = (
    "確定申告をするとワンストップ特例の申請はすべて無効になります。ワンストップ特例を申請した"
    "寄附も含め、その年のすべての寄附金（ふるさと納税）を確定申告書に記載してください。"
)


def special_rate(taxable_income: int | None, rules: TaxYearRules) -> Fraction:
    """特例分の割合 90% − t × 1.021 (t = 0 when the taxable income is 0)."""
    t = (
        Fraction(0)
        if not taxable_income or taxable_income <= 0
        else rules.rates.marginal_rate(taxable_income)
    )
    return rules.donation.special_base_rate - t * (1 + rules.rates.reconstruction)


@dataclass
class ResidentLevyEstimate:
    amount: int
    steps: list[Step] = field(default_factory=list)


def estimate_resident_levy(
    taxable_income: int | None,
    total_income: int | None,
    rules: TaxYearRules,
    *,
    resident_taxable_income: int | None = None,
    formula: str = "",
) -> ResidentLevyEstimate:
    """住民税所得割額［推計］ on the 住民税's own taxable income: 4% + 6% (each cut to the 100円)
    less the least 調整控除 (2,500円). Enter the figure of the 住民税決定通知書 when you have it.

    ``resident_taxable_income`` (and the ``formula`` that made it) is the 住民税's 課税総所得金額
    worked out with its own 所得控除 (:func:`mynalib.tax.calculator.resident_taxable`); without
    it, it is worked out from the incomes given with only the 基礎控除 difference.
    """
    if resident_taxable_income is None:
        resident_taxable_income, formula = resident_taxable(total_income, taxable_income, [], rules)
        formula += "（所得控除の差は基礎控除のみ）"
    base = resident_taxable_income or 0
    before = resident_levy_on(base)
    adjust = rules.resident_adjustment_min
    levy = max(0, before - adjust)
    steps = [
        Step("住民税の課税所得金額［推計］", formula or f"{base:,}", base, "住民税"),
        Step(
            "住民税所得割額［推計］",
            f"{base:,} × (4% + 6%)（各100円未満切捨て）= {before:,} − 調整控除 {adjust:,}",
            levy,
            "住民税",
        ),
    ]
    return ResidentLevyEstimate(levy, steps)


@dataclass
class FurusatoLimit:
    limit: int | None
    steps: list[Step]
    estimate: bool


def furusato_limit(
    *,
    resident_levy: int | None,
    taxable_income: int | None,
    total_income: int | None,
    rules: TaxYearRules,
) -> FurusatoLimit:
    """Largest D with a net cost of 2,000円: (D − 2,000) × (90% − t×1.021) ≤ 20% × R, and
    D ≤ 30% of 総所得金額等 (the 基本分 limit)."""
    if resident_levy is None or taxable_income is None:
        return FurusatoLimit(
            None,
            [
                Step(
                    "ふるさと納税の上限額", "住民税所得割額・課税所得金額が不明のため計算できません"
                )
            ],
            True,
        )
    don = rules.donation
    rate = special_rate(taxable_income, rules)
    cap = floor_fraction(resident_levy * don.special_cap_rate)
    limit = floor_fraction(Fraction(cap) / rate) + don.floor
    steps = [
        Step("特例分の上限", f"{resident_levy:,} × {percent(don.special_cap_rate)}", cap, "住民税"),
        Step(
            "ふるさと納税の上限額［推計］",
            f"{cap:,} ÷ ({percent(don.special_base_rate)} − 限界税率 × 1.021 = {float(rate) * 100:.3f}%)"
            f" + {don.floor:,}（円未満切捨て）",
            limit,
        ),
    ]
    if total_income is not None:
        thirty = floor_fraction(total_income * don.income_limit_rt)
        if thirty < limit:
            limit = thirty
            steps.append(
                Step(
                    "基本分の限度（総所得金額等の30%）", f"{total_income:,} × 30%", limit, "住民税"
                )
            )
    return FurusatoLimit(limit, steps, True)


def donation_deduction(
    deductions: pd.DataFrame | None,
    *,
    year: int,
    person: str | None = None,
    total_income: int | None = None,
    taxable_income: int | None = None,
    resident_levy: int | None = None,
    taxable_income_estimated: bool = False,
    rules: TaxYearRules | None = None,
    resident_taxable_income: int | None = None,
    resident_taxable_formula: str = "",
    resident_levy_source: str = "",
) -> DeductionResult:
    """寄附金控除 (所得税, 所得控除) and 住民税の寄附金税額控除 (基本分 + 特例分, 税額控除).

    ``resident_levy`` is the 住民税所得割額 R (市区町村民税 + 道府県民税; ``resident_levy_source``
    says where it came from); unknown → estimated on the 住民税's own taxable income
    ``resident_taxable_income`` (labelled).
    """
    rules = rules or rules_for(year)
    don = rules.donation
    lines = [
        line
        for line in cert_lines(deductions, categories=("donation",), year=year, person=person)
        if not line.detail.get("cancelled")
    ]
    warnings = signature_warning(lines)
    steps: list[Step] = []
    estimate = taxable_income_estimated
    d_all = sum(line.amount for line in lines)
    furusato = [line for line in lines if line.detail.get("furusato")]
    d_f = sum(line.amount for line in furusato)
    for line in lines:
        where = line.detail.get("recipient") or line.issuer
        steps.append(
            Step(
                f"寄附金 {where}"
                + ("（都道府県・市区町村）" if line.detail.get("furusato") else ""),
                f"{line.form}",
                line.amount,
            )
        )
    steps.append(
        Step(
            "寄附金の合計",
            f"{len(lines)}件（うちふるさと納税 {len(furusato)}件 {yen(d_f)}）",
            d_all,
        )
    )

    # 所得税
    if total_income is None:
        limited = d_all
        warnings.append("総所得金額等が未入力のため40%の限度を確認していません")
        estimate = True
        formula = f"{d_all:,} − {don.floor:,}（総所得金額等 未入力）"
    else:
        forty = floor_fraction(total_income * don.income_limit_it)
        limited = min(d_all, forty)
        formula = f"min({d_all:,}, {total_income:,} × 40% = {forty:,}) − {don.floor:,}"
    it = max(0, limited - don.floor)
    steps.append(Step("寄附金控除額", formula, it, "所得税"))

    # 住民税: 基本分
    if total_income is None:
        limited_rt = d_f
        formula = f"({d_f:,} − {don.floor:,}) × 10%"
    else:
        thirty = floor_fraction(total_income * don.income_limit_rt)
        limited_rt = min(d_f, thirty)
        formula = f"(min({d_f:,}, {total_income:,} × 30% = {thirty:,}) − {don.floor:,}) × 10%"
    basic = floor_fraction(max(0, limited_rt - don.floor) * don.basic_rate_rt)
    steps.append(Step("基本分", formula + "（円未満切捨て）", basic, "住民税"))

    # 住民税: 特例分
    levy = resident_levy
    if levy is not None and resident_levy_source:
        steps.append(Step("住民税所得割額", resident_levy_source, levy, "住民税"))
    if levy is None and taxable_income is not None and d_f > 0:
        est = estimate_resident_levy(
            taxable_income,
            total_income,
            rules,
            resident_taxable_income=resident_taxable_income,
            formula=resident_taxable_formula,
        )
        levy = est.amount
        steps.extend(est.steps)
        estimate = True
        warnings.append(
            "住民税所得割額は推計です。住民税決定通知書の所得割額を入力すると正確になります"
        )
    if d_f <= 0:
        special = 0
        steps.append(Step("特例分", "都道府県・市区町村への寄附なし", 0, "住民税"))
    elif taxable_income is None:
        special = 0
        estimate = True
        warnings.append("課税所得金額が未入力のため特例分を計算できません（0円としています）")
        steps.append(Step("特例分", "課税所得金額 未入力", 0, "住民税"))
    else:
        rate = special_rate(taxable_income, rules)
        raw = floor_fraction((d_f - don.floor) * rate) if d_f > don.floor else 0
        assert levy is not None
        cap = floor_fraction(levy * don.special_cap_rate)
        special = min(raw, cap)
        steps.append(
            Step(
                "特例分",
                f"min(({d_f:,} − {don.floor:,}) × ({percent(don.special_base_rate)} − "
                f"{percent(rules.rates.marginal_rate(taxable_income)) if taxable_income > 0 else '0%'}"
                f" × 1.021) = {raw:,}, 所得割額 {levy:,} × 20% = {cap:,})",
                special,
                "住民税",
            )
        )
        if raw > cap:
            warnings.append(
                f"特例分が上限（所得割額の20%）に達しています: 自己負担が2,000円を超えます（{yen(raw - cap)}分）"
            )
    rt = basic + special
    steps.append(Step("住民税の寄附金税額控除", f"{basic:,} + {special:,}", rt, "住民税"))

    limit = furusato_limit(
        resident_levy=levy, taxable_income=taxable_income, total_income=total_income, rules=rules
    )
    steps.extend(limit.steps)
    remaining = None
    if limit.limit is not None:
        remaining = limit.limit - d_f
        steps.append(
            Step(
                "上限までの残り［推計］" if remaining >= 0 else "上限の超過額［推計］",
                f"{limit.limit:,} − {d_f:,}",
                abs(remaining),
            )
        )
    recipients = {line.detail.get("recipient") or line.issuer for line in furusato}
    if d_f > 0:
        warnings.append(ONESTOP_WARNING)
        if len(recipients) > 5:
            warnings.append(
                f"寄附先が{len(recipients)}自治体あり、ワンストップ特例（5自治体まで）は使えません"
            )
    if d_all > d_f:
        warnings.append(
            "都道府県・市区町村以外への寄附は、住民税では条例で指定されたものだけが控除対象です"
            "（この計算では住民税に含めていません）"
        )
    return DeductionResult(
        key="donation",
        label="寄附金控除",
        year=year,
        person=person,
        income_tax=it,
        resident_tax=rt,
        steps=steps,
        warnings=warnings,
        estimate=estimate,
        resident_tax_kind="税額控除",
        sources=[don.source_it, don.source_rt],
        details={
            "donations": d_all,
            "furusato": d_f,
            "basic": basic,
            "special": special,
            "resident_levy": levy,
            "furusato_limit": limit.limit,
            "furusato_remaining": remaining,
            "municipalities": len(recipients),
        },
    )


class Donation(Deduction):
    """寄附金控除 and 住民税の寄附金税額控除: applies when the person gave in the year.

    The 所得税 deduction needs only the 総所得金額等; the 住民税 特例分 and the ふるさと納税 limit
    need the marginal rate, so the result is worked out again when the taxable income is settled.
    """

    key = "donation"
    label = "寄附金控除"

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return donation_deduction(
            ctx.deductions,
            year=ctx.year,
            person=ctx.person,
            total_income=ctx.inputs.total_income,
            rules=ctx.rules,
        )

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return bool(result.details["donations"] > 0)

    def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
        return donation_deduction(
            ctx.deductions,
            year=ctx.year,
            person=ctx.person,
            total_income=ctx.inputs.total_income,
            taxable_income=ctx.taxable_income,
            resident_levy=ctx.inputs.resident_levy,
            taxable_income_estimated=ctx.taxable_income_estimated,
            rules=ctx.rules,
            resident_taxable_income=ctx.resident_taxable_income,
            resident_taxable_formula=ctx.resident_taxable_formula,
            resident_levy_source=_levy_source(ctx),
        )


def _levy_source(ctx: PersonYear) -> str:
    """Where the 住民税所得割額 came from, when not from the settings."""
    inputs = ctx.inputs
    if inputs.resident_levy is None or "resident_levy" not in inputs.sources:
        return ""
    note = inputs.notes.get("resident_levy")
    return inputs.sources["resident_levy"] + (f": {note}" if note else "")
