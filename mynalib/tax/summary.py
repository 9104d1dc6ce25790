"""The household's deductions for one year: every calculator, with the arithmetic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..frames import DEDUCTION_CATEGORIES
from ..jp.fmt import yen
from .calculator import (
    Calculator,
    HouseholdYear,
    PersonYear,
    estimate_taxable,
    income_deductions,
    resident_taxable,
)
from .certificates import cert_lines, persons_in
from .donation import Donation
from .insurance import Earthquake, LifeInsurance
from .medical import (
    MedicalChoice,
    MedicalComparison,
    MedicalExtra,
    OtcPurchase,
    _person,
    high_cost_for,
    read_otc_purchases,
)
from .portal import VaultInputs, apply_inputs, births_for, describe, household_from
from .result import DeductionResult, Step
from .rules import rules_for
from .saving import TaxSaved, tax_saved
from .settings import PersonInputs, TaxSettings
from .social import SmallBusinessMutual, SocialInsurance

if TYPE_CHECKING:
    import pandas as pd

#: every deduction, in the order the summary lists them (each made once per household)
CALCULATORS: tuple[Callable[[HouseholdYear], Calculator], ...] = (
    MedicalChoice,
    LifeInsurance,
    Earthquake,
    SocialInsurance,
    SmallBusinessMutual,
    Donation,
)


@dataclass
class PersonSummary:
    person: str
    results: list[DeductionResult]
    inputs: PersonInputs
    taxable_income: int | None = None
    taxable_estimated: bool = False
    saved: TaxSaved | None = None
    steps: list[Step] = field(default_factory=list)
    #: the 住民税's 課税総所得金額［推計］ (its own 所得控除)
    resident_taxable_income: int | None = None

    @property
    def income_tax_total(self) -> int:
        return sum(r.income_tax for r in self.results if r.income_tax_kind == "所得控除")

    @property
    def resident_tax_total(self) -> int:
        return sum(r.resident_tax for r in self.results if r.resident_tax_kind == "所得控除")


@dataclass
class HouseholdSummary:
    year: int
    era_label: str
    filer: str | None
    household: list[str]
    people: list[PersonSummary]
    medical: DeductionResult
    self_medication: DeductionResult | None
    comparison: MedicalComparison | None
    warnings: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """One row per deduction and person: the 所得税 and 住民税 amounts (summary export)."""
        out = []
        for ps in self.people:
            for r in ps.results:
                out.append(_row(self.year, r, applied=True))
            if ps.person == self.filer:
                alt = self._alternative()
                if alt is not None:
                    out.append(_row(self.year, alt, applied=False))
        return out

    def _alternative(self) -> DeductionResult | None:
        if self.self_medication is None:
            return None
        if self.comparison is not None and self.comparison.best == "self_medication":
            return self.medical
        return self.self_medication

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "era": self.era_label,
            "filer": self.filer,
            "household": self.household,
            "rows": self.rows(),
            "people": [
                {
                    "person": ps.person,
                    "income_tax_deductions": ps.income_tax_total,
                    "resident_tax_deductions": ps.resident_tax_total,
                    "taxable_income": ps.taxable_income,
                    "taxable_income_estimated": ps.taxable_estimated,
                    "resident_taxable_income": ps.resident_taxable_income,
                    "inputs": _inputs_dict(ps.inputs),
                    "tax_saved": None
                    if ps.saved is None
                    else {
                        "income_tax": ps.saved.income_tax,
                        "resident_tax": ps.saved.resident_tax,
                        "estimate": ps.saved.estimate,
                    },
                    "results": [r.to_dict() for r in ps.results],
                }
                for ps in self.people
            ],
            "medical_comparison": self.comparison.to_dict() if self.comparison else None,
            "alternative": (alt.to_dict() if (alt := self._alternative()) else None),
            "warnings": self.warnings,
        }

    def explain(self) -> str:
        lines = [f"{self.era_label}（{self.year}年分）の控除 — 申告者: {self.filer or '未設定'}"]
        lines.append(f"医療費を合算する世帯: {', '.join(self.household) or 'なし'}")
        for ps in self.people:
            lines.append("")
            lines.append(f"━━ {ps.person} ━━")
            inputs = describe(ps.inputs)
            if inputs:
                lines.append("入力: " + "、".join(inputs))
            for r in ps.results:
                lines.append(r.explain())
            if ps.person == self.filer and self.comparison is not None:
                lines.append(self.comparison.explain())
                alt = self._alternative()
                if alt is not None:
                    lines.append("（参考・適用しない方）")
                    lines.append(alt.explain())
            lines.append(
                f"所得控除の合計: 所得税 {yen(ps.income_tax_total)} / 住民税 {yen(ps.resident_tax_total)}"
            )
            for s in ps.steps:
                lines.append(f"  {s.text()}")
        if self.warnings:
            lines.append("")
            lines += [f"⚠ {w}" for w in self.warnings]
        return "\n".join(lines)


def _inputs_dict(inputs: PersonInputs) -> dict[str, Any]:
    """The income inputs with where each came from (for the JSON export)."""
    out: dict[str, Any] = {}
    for name in ("total_income", "taxable_income", "resident_levy"):
        value = getattr(inputs, name)
        if value is not None:
            out[name] = {"value": value, "source": inputs.source_of(name)}
            if name in inputs.notes:
                out[name]["note"] = inputs.notes[name]
    return out


def _row(year: int, r: DeductionResult, *, applied: bool) -> dict[str, Any]:
    return {
        "year": year,
        "person": r.person or "",
        "deduction": r.key,
        "label": r.label,
        "income_tax": r.income_tax,
        "income_tax_kind": r.income_tax_kind,
        "resident_tax": r.resident_tax,
        "resident_tax_kind": r.resident_tax_kind,
        "applied": applied,
        "estimate": r.estimate,
        "warnings": " / ".join(r.warnings),
    }


def _persons_in_expenses(expenses: pd.DataFrame | None, year: int) -> list[str]:
    if expenses is None or not len(expenses):
        return []
    seen: dict[str, None] = {}
    for rec in expenses.itertuples(index=False):
        try:
            if int(rec.month.year) != year:
                continue
        except (AttributeError, TypeError, ValueError):
            continue
        seen.setdefault(_person(rec.person), None)
    return list(seen)


def household_summary(
    year: int,
    *,
    medical_expenses: pd.DataFrame | None = None,
    deductions: pd.DataFrame | None = None,
    settings: TaxSettings | None = None,
    otc_purchases: list[OtcPurchase] | str | Path | None = None,
    checkups: pd.DataFrame | None = None,
    income: int | None = None,
    vault_inputs: VaultInputs | None = None,
) -> HouseholdSummary:
    """Every deduction the data supports for the household in ``year``.

    ``medical_expenses`` and ``deductions`` are the frames of :mod:`mynalib.frames`
    (``deductions`` may be unfiltered by year: prepaid splits of earlier certificates are read from
    it; earlier months of ``medical_expenses`` count for the 多数回該当 of 高額療養費). ``income``
    overrides the filer's 総所得金額等. ``vault_inputs`` (:func:`mynalib.tax.portal.read_vault_inputs`)
    fills what the settings leave out — income from マイナポータルの税・所得, the household and its
    dates of birth from 世帯情報 — and says so. 医療費・セルフメディケーション are pooled
    under the filer; the other certificates count for the person named on them. Every calculator
    of :data:`CALCULATORS` is asked, for every person (:mod:`mynalib.tax.calculator`).
    """
    household = household_year(
        year,
        medical_expenses=medical_expenses,
        deductions=deductions,
        settings=settings,
        otc_purchases=otc_purchases,
        checkups=checkups,
        income=income,
        vault_inputs=vault_inputs,
    )
    calculators = [make(household) for make in CALCULATORS]
    people = [person_summary(household, person, calculators) for person in household.people]
    if household.filer is None:
        household.warnings.append("データがありません（医療費通知・控除証明書が見つかりません）")
    medical = next(c for c in calculators if isinstance(c, MedicalChoice))
    return HouseholdSummary(
        year=year,
        era_label=household.rules.era_label,
        filer=household.filer,
        household=household.household,
        people=people,
        medical=medical.medical,
        self_medication=medical.self_medication,
        comparison=medical.comparison,
        warnings=household.warnings,
    )


def household_year(
    year: int,
    *,
    medical_expenses: pd.DataFrame | None = None,
    deductions: pd.DataFrame | None = None,
    settings: TaxSettings | None = None,
    otc_purchases: list[OtcPurchase] | str | Path | None = None,
    checkups: pd.DataFrame | None = None,
    income: int | None = None,
    vault_inputs: VaultInputs | None = None,
) -> HouseholdYear:
    """The calculators' common input: the filer, the pooled household, the people covered."""
    rules = rules_for(year)
    settings = settings or TaxSettings()
    warnings: list[str] = []
    if settings.year is not None and settings.year != year:
        warnings.append(f"設定ファイルは{settings.year}年分用です（{year}年分を計算しています）")

    purchases: list[OtcPurchase] | None = None
    if isinstance(otc_purchases, (str, Path)):
        purchases = read_otc_purchases(otc_purchases)
    elif otc_purchases is not None:
        purchases = list(otc_purchases)
    elif settings.otc_purchases is not None:
        purchases = read_otc_purchases(settings.otc_purchases)

    cert_persons = persons_in(deductions, year)
    med_persons = _persons_in_expenses(medical_expenses, year)
    filer = settings.filer
    if filer is None:
        # the person with the most certificate lines of the year (ties: first seen), else the
        # first person of the 医療費通知
        counts = {p: 0 for p in cert_persons}
        for line in cert_lines(deductions, categories=tuple(DEDUCTION_CATEGORIES), year=year):
            counts[line.person] = counts.get(line.person, 0) + 1
        candidates = sorted(counts, key=lambda p: -counts[p]) or med_persons
        if candidates:
            filer = candidates[0]
            if len(set(cert_persons) | set(med_persons)) > 1:
                warnings.append(
                    f"申告者（filer）が未設定のため {filer} としました。設定ファイルの filer で指定してください"
                )
    found = vault_inputs if vault_inputs else None
    from_vault = household_from(found) if found is not None else None
    if settings.household is not None:
        household = [_person(p) for p in settings.household]
    elif from_vault is not None and found is not None:
        household = [_person(p) for p in from_vault]
        members = {_norm_name(p) for p in household}
        outside = [p for p in med_persons if _norm_name(p) not in members]
        warnings.append(
            f"医療費は{found.household_source}の世帯員（{'、'.join(household)}）の分を合算しています"
            "（生計を一にする家族が別の世帯にいるときは household を設定してください）"
        )
        if outside:
            warnings.append(
                f"世帯情報にない人（{'、'.join(outside)}）の医療費は合算していません"
                "（生計を一にする家族なら household に加えてください）"
            )
    else:
        extra_people = [_person(e.person) for e in settings.medical_extra]
        otc_people = [_person(p.person) for p in purchases or []]
        household = list(dict.fromkeys([*med_persons, *extra_people, *otc_people]))
        if len(household) > 1:
            warnings.append(
                "医療費は生計を一にする家族の分を合算しています（household を設定すると対象者を限定できます）"
            )

    filer_inputs = settings.inputs_for(filer)
    if income is not None:
        filer_inputs = replace(
            filer_inputs,
            total_income=income,
            sources={**filer_inputs.sources, "total_income": "コマンドライン（--income）"},
        )
    if found is not None:
        filer_inputs = apply_inputs(filer_inputs, filer, found, filer=filer)
        warnings += [w for w in found.warnings if w not in warnings]
    people = list(dict.fromkeys([p for p in [filer] if p] + cert_persons + list(settings.people)))
    inputs = {
        p: filer_inputs
        if p == filer
        else (
            apply_inputs(settings.inputs_for(p), p, found, filer=filer)
            if found is not None
            else settings.inputs_for(p)
        )
        for p in people
    }
    births = births_for(settings, [*people, *household], found)
    return HouseholdYear(
        year=year,
        rules=rules,
        settings=settings,
        filer=filer,
        household=household,
        filer_inputs=filer_inputs,
        people=people,
        medical_expenses=medical_expenses,
        deductions=deductions,
        checkups=checkups,
        otc_purchases=purchases,
        warnings=warnings,
        vault_inputs=found,
        inputs=inputs,
        births=births,
        fill_inputs=None if found is None else _filler(found, filer),
    )


def _filler(found: Any, filer: str | None) -> Callable[[Any, str], Any]:
    from .portal import apply_inputs

    return lambda inputs, person: apply_inputs(inputs, person, found, filer=filer)


def _norm_name(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", name).strip()


def person_summary(
    household: HouseholdYear, person: str, calculators: Sequence[Calculator]
) -> PersonSummary:
    """Ask every calculator about ``person``, settle the results in order, add the tax saved."""
    inputs = household.inputs_for(person)
    ctx = PersonYear(household, person, inputs, taxable_income=inputs.taxable_income)
    found = [(c, r) for c in calculators if (r := c.compute(ctx)) is not None]
    results = [r for _, r in found]
    for i, (calculator, result) in enumerate(found):
        _settle_taxable(ctx, results)
        results[i] = calculator.settle(result, ctx)
    _settle_taxable(ctx, results)
    rules = household.rules
    steps: list[Step] = []
    if ctx.taxable_income_estimated:
        assert inputs.total_income is not None
        steps.append(
            Step(
                "課税所得金額［推計］",
                f"総所得金額等 {inputs.total_income:,} − 所得控除 − 基礎控除 "
                f"{rules.basic_deduction(inputs.total_income):,}（1,000円未満切捨て）",
                ctx.taxable_income,
                "所得税",
            )
        )
    if ctx.resident_taxable_income is not None:
        steps.append(
            Step(
                "住民税の課税所得金額［推計］",
                ctx.resident_taxable_formula,
                ctx.resident_taxable_income,
                "住民税",
            )
        )
    ps = PersonSummary(
        person,
        results,
        inputs,
        ctx.taxable_income,
        ctx.taxable_income_estimated,
        steps=steps,
        resident_taxable_income=ctx.resident_taxable_income,
    )
    if ctx.taxable_income is not None or ctx.resident_taxable_income is not None:
        before_it, before_rt = ctx.before(ps.income_tax_total, ps.resident_tax_total)
        ps.saved = tax_saved(
            ps.income_tax_total,
            ps.resident_tax_total,
            before_it=before_it,
            before_rt=before_rt,
            rules=rules,
            label="所得控除の合計で",
            estimated_it=ctx.taxable_income_estimated,
        )
        ps.steps.extend(ps.saved.steps)
    return ps


def _settle_taxable(ctx: PersonYear, results: list[DeductionResult]) -> None:
    """The known taxable income, else the estimate from ``results`` (when the 総所得金額等 is
    known); and the 住民税's own taxable income from either."""
    inputs = ctx.inputs
    if inputs.taxable_income is not None:
        ctx.taxable_income, ctx.taxable_income_estimated = inputs.taxable_income, False
    elif inputs.total_income is not None:
        ctx.taxable_income = estimate_taxable(inputs.total_income, results, ctx.rules)
        ctx.taxable_income_estimated = True
    else:
        ctx.taxable_income, ctx.taxable_income_estimated = None, False
    ctx.deducted = income_deductions(results)
    ctx.resident_taxable_income, ctx.resident_taxable_formula = resident_taxable(
        inputs.total_income, ctx.taxable_income, results, ctx.rules
    )


def medical_form_inputs(
    year: int,
    *,
    medical_expenses: pd.DataFrame | None,
    settings: TaxSettings | None = None,
    vault_inputs: VaultInputs | None = None,
) -> tuple[list[MedicalExtra], list[str], list[str]]:
    """What the 医療費集計フォーム export needs beyond the notices: (the added rows with the
    estimated 高額療養費 補填 when it is subtracted, the household pooled, warnings) — the same
    rows the 医療費控除 of :func:`household_summary` counts."""
    settings = settings or TaxSettings()
    h = household_year(
        year,
        medical_expenses=medical_expenses,
        settings=settings,
        otc_purchases=[],
        vault_inputs=vault_inputs,
    )
    plan = high_cost_for(h)
    return [*settings.medical_extra, *plan.extras], h.household, plan.warnings
