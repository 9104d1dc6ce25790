"""The calculator contract: each deduction says whether it applies, the summary loops over them."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pandas as pd
import pytest

from mynalib.frames import conform
from mynalib.tax import (
    CALCULATORS,
    Calculator,
    Deduction,
    DeductionResult,
    Donation,
    Earthquake,
    HouseholdYear,
    LifeInsurance,
    MedicalChoice,
    OtcPurchase,
    PersonInputs,
    PersonYear,
    SmallBusinessMutual,
    SocialInsurance,
    TaxSettings,
    household_summary,
    rules_for,
    settings_from_dict,
)
from mynalib.tax.calculator import estimate_taxable
from mynalib.tax.summary import household_year

from .factories import HANAKO, TARO, cert, deductions, medical

YEAR = 2025


def household(
    ded: pd.DataFrame | None = None,
    *,
    settings: TaxSettings | None = None,
    med: pd.DataFrame | None = None,
    otc: list[OtcPurchase] | None = None,
    checkups: pd.DataFrame | None = None,
) -> HouseholdYear:
    return household_year(
        YEAR,
        medical_expenses=med,
        deductions=ded,
        settings=settings or TaxSettings(filer=TARO),
        otc_purchases=otc,
        checkups=checkups,
    )


def ask(
    calculator: type[Deduction], h: HouseholdYear, person: str = TARO
) -> DeductionResult | None:
    return calculator(h).compute(PersonYear(h, person, h.inputs_for(person)))


def test_the_list_in_the_order_the_summary_shows() -> None:
    h = household()
    made = [make(h) for make in CALCULATORS]
    assert [c.key for c in made] == [
        "medical",
        "life_insurance",
        "earthquake",
        "social_insurance",
        "small_business_mutual",
        "donation",
    ]
    for c in made:
        assert isinstance(c.label, str) and c.label
        assert callable(c.compute) and callable(c.settle)


@pytest.mark.parametrize(
    ("calculator", "line"),
    [
        (LifeInsurance, cert("life_general", 50_000, regime="new")),
        (Earthquake, cert("earthquake", 30_000, regime="earthquake", form="TEG810")),
        (SocialInsurance, cert("social_insurance", 200_000, form="TEG840")),
        (SmallBusinessMutual, cert("small_business_mutual", 120_000, form="TEG850")),
        (Donation, cert("donation", 30_000, form="TEG830", detail={"furusato": True})),
    ],
    ids=lambda v: getattr(v, "key", ""),
)
def test_applies_only_with_a_line_of_the_person_and_year(
    calculator: type[Deduction], line: dict[str, object]
) -> None:
    h = household(deductions(line))
    result = ask(calculator, h)
    assert result is not None and result.key == calculator.key and result.income_tax > 0
    assert ask(calculator, h, HANAKO) is None  # the line is Taro's
    assert ask(calculator, household(deductions())) is None
    assert ask(calculator, household(None)) is None
    last_year = dict(line, year=YEAR - 1)
    assert ask(calculator, household(deductions(last_year))) is None


def test_the_particular_tests_of_applying() -> None:
    # an earthquake line of 0 yen: nothing paid, no deduction shown
    zero = cert("earthquake", 0, regime="earthquake", form="TEG810")
    assert ask(Earthquake, household(deductions(zero))) is None
    # a cancelled donation does not count
    gone = cert("donation", 30_000, form="TEG830", detail={"furusato": True, "cancelled": True})
    assert ask(Donation, household(deductions(gone))) is None
    # a prepayment certified last year applies this year when split by year
    prepaid = cert(
        "social_insurance",
        400_000,
        year=YEAR - 1,
        form="TEG840",
        detail={"by_year": {str(YEAR - 1): 200_000, str(YEAR): 200_000}},
    )
    split = household(deductions(prepaid), settings=TaxSettings(filer=TARO, prepaid="split"))
    result = ask(SocialInsurance, split)
    assert result is not None and result.income_tax == 200_000
    assert ask(SocialInsurance, household(deductions(prepaid))) is None  # paid_year: last year's


def test_medical_applies_to_the_filer_only() -> None:
    # two months, each under the 高額療養費 limit (nothing is refunded)
    med = medical(
        [
            (HANAKO, f"{YEAR}-03", "医科外来", "見本病院", 75_000),
            (HANAKO, f"{YEAR}-04", "医科外来", "見本病院", 75_000),
        ]
    )
    h = household(med=med)
    result = ask(MedicalChoice, h)
    assert result is not None and result.key == "medical" and result.person == TARO
    assert result.income_tax == 50_000  # pooled under the filer
    assert ask(MedicalChoice, h, HANAKO) is None


def test_medical_choice_is_made_when_the_taxable_income_is_settled() -> None:
    med = medical(  # two months, each under the 高額療養費 limit
        [
            (TARO, f"{YEAR}-03", "医科外来", "見本病院", 52_500),
            (TARO, f"{YEAR}-04", "医科外来", "見本病院", 52_500),
        ]
    )
    buys = [OtcPurchase(date(YEAR, 6, 1), "店", "薬", 50_000, TARO)]
    settings = settings_from_dict({"filer": TARO, "health_check": True})
    h = household(med=med, otc=buys, settings=settings)
    choice = MedicalChoice(h)
    ctx = PersonYear(h, TARO, h.inputs_for(TARO))
    first = choice.compute(ctx)
    assert first is not None and first.key == "medical" and choice.comparison is None
    settled = choice.settle(first, ctx)
    # 5,000 (医療費控除) against 38,000 (セルフメディケーション): the larger saves more
    assert settled.key == "self_medication" and settled.income_tax == 38_000
    assert choice.comparison is not None and choice.comparison.best == "self_medication"
    # no income known: no tax saved is worked out, the larger deduction is taken, and said so
    assert any("軽減される税額は計算できません" in w for w in h.warnings)
    assert (choice.comparison.medical_saved, choice.comparison.self_medication_saved) == (0, 0)


def test_self_medication_requirement_from_the_checkups_frame() -> None:
    buys = [OtcPurchase(date(YEAR, 6, 1), "店", "薬", 50_000, TARO)]
    checkups = conform(
        "checkups",
        pd.DataFrame(
            {
                "person": [TARO],
                "date": [pd.Timestamp(YEAR, 5, 1)],
                "institution": ["見本健診センター"],
                "code": ["9N001"],
                "item": ["bmi"],
                "value": [22.0],
                "value_text": [None],
                "unit": [""],
                "source_id": [1],
            }
        ),
    )
    seen = MedicalChoice(household(otc=buys, checkups=checkups)).self_medication
    assert seen is not None and seen.details["health_check"] is True
    unknown = MedicalChoice(household(otc=buys)).self_medication
    assert unknown is not None and unknown.details["health_check"] is None
    assert MedicalChoice(household()).self_medication is None  # no OTC list: no comparison


def test_donation_settles_on_the_taxable_income() -> None:
    line = cert("donation", 50_000, form="TEG830", detail={"furusato": True, "recipient": "見本市"})
    h = household(deductions(line))
    calc = Donation(h)
    ctx = PersonYear(h, TARO, PersonInputs(total_income=6_000_000, resident_levy=300_000))
    first = calc.compute(ctx)
    assert first is not None and first.details["special"] == 0  # no rate known yet
    ctx.taxable_income = 4_000_000  # 20% bracket: 特例分 (50,000 − 2,000) × (90% − 20.42%)
    settled = calc.settle(first, ctx)
    assert settled.details["special"] == 33_398
    assert settled.income_tax == first.income_tax == 48_000  # the 所得控除 does not move


def test_estimate_taxable() -> None:
    rules = rules_for(YEAR)
    r = DeductionResult("x", "x", YEAR, TARO, income_tax=123_456, resident_tax=0)
    credit = DeductionResult(
        "y", "y", YEAR, TARO, income_tax=10_000, resident_tax=0, income_tax_kind="税額控除"
    )
    basic = rules.basic_deduction(5_000_000)
    assert (
        estimate_taxable(5_000_000, [r, credit], rules)
        == (5_000_000 - 123_456 - basic) // 1000 * 1000
    )
    assert estimate_taxable(100_000, [r], rules) == 0


class Probe(Deduction):
    """A made-up deduction: 1,000円 for everyone; it records the taxable income it settles on."""

    key = "probe"
    label = "試験用の控除"
    seen: ClassVar[list[tuple[str, int | None, bool]]] = []

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return DeductionResult(self.key, self.label, ctx.year, ctx.person, 1_000, 1_000)

    def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
        Probe.seen.append((ctx.person, ctx.taxable_income, ctx.taxable_income_estimated))
        return result


def test_the_summary_loops_over_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from mynalib.tax import summary

    Probe.seen = []
    monkeypatch.setattr(summary, "CALCULATORS", (*CALCULATORS, Probe))
    ded = deductions(
        cert("life_general", 100_000, regime="new"),
        cert("small_business_mutual", 120_000, person=HANAKO, form="TEG850"),
    )
    settings = settings_from_dict({"filer": TARO, "total_income": 5_000_000})
    hs = household_summary(YEAR, deductions=ded, settings=settings)
    assert [[r.key for r in ps.results] for ps in hs.people] == [
        ["medical", "life_insurance", "probe"],
        ["small_business_mutual", "probe"],
    ]
    taro = hs.people[0]
    # the probe settles on the estimate from every 所得控除 before it, its own included
    implied = estimate_taxable(5_000_000, taro.results, rules_for(YEAR))
    assert Probe.seen == [(TARO, implied, True), (HANAKO, None, False)]
    assert taro.taxable_income == implied and taro.income_tax_total == 40_000 + 1_000
    hanako = hs.people[1]
    assert hanako.taxable_income is None and hanako.saved is None


def test_a_calculator_is_any_object_with_the_four_members() -> None:
    class Minimal:
        key = "minimal"
        label = "最小"

        def __init__(self, household: HouseholdYear) -> None:
            pass

        def compute(self, ctx: PersonYear) -> DeductionResult | None:
            return None

        def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
            return result

    made: Calculator = Minimal(household())
    assert made.compute(PersonYear(household(), TARO, PersonInputs())) is None
