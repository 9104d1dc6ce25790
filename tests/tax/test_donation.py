"""寄附金控除, 住民税 基本分/特例分 with its cap, the ふるさと納税 limit, the ワンストップ warning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynalib.tax import ONESTOP_WARNING, donation_deduction, furusato_limit, rules_for
from mynalib.tax.donation import special_rate
from mynalib.tax.rules import floor_fraction

from .factories import TARO, cert, deductions


def don(amount: int, *, furusato: bool = True, recipient: str = "見本市", cancelled: bool = False):
    return cert(
        "donation",
        amount,
        form="TEG830",
        issuer="見本ふるさとポータル",
        detail={"furusato": furusato, "recipient": recipient, "cancelled": cancelled},
    )


def run(*rows, total=6_000_000, taxable=3_500_000, levy=300_000):
    return donation_deduction(
        deductions(*rows),
        year=2025,
        person=TARO,
        total_income=total,
        taxable_income=taxable,
        resident_levy=levy,
    )


@pytest.mark.parametrize(
    ("d", "it", "basic"),
    [
        (1_999, 0, 0),
        (2_000, 0, 0),
        (2_001, 1, 0),  # 住民税 基本分: 1 × 10% = 0.1 → 0
        (2_010, 10, 1),
        (12_000, 10_000, 1_000),
    ],
)
def test_floor_2000(d: int, it: int, basic: int) -> None:
    r = run(don(d))
    assert r.income_tax == it and r.details["basic"] == basic


def test_income_limits_40_and_30_percent() -> None:
    # 総所得金額等 1,000,000: 所得税 limit 400,000; 住民税 基本分 limit 300,000
    r = run(don(400_001), total=1_000_000, taxable=0, levy=10_000_000)
    assert r.income_tax == 398_000
    assert r.details["basic"] == 29_800  # (300,000 − 2,000) × 10%
    r = run(don(400_000), total=1_000_000, taxable=0, levy=10_000_000)
    assert r.income_tax == 398_000
    r = run(don(399_999), total=1_000_000, taxable=0, levy=10_000_000)
    assert r.income_tax == 397_999


def test_special_part_and_its_cap_boundary() -> None:
    # t = 20% (taxable 3,500,000): rate 90% − 20.42% = 69.58%
    # D = 30,000: (28,000) × 69.58% = 19,482.4 → 19,482; cap 20% × R
    assert run(don(30_000), levy=97_410).details["special"] == 19_482  # cap 19,482
    assert run(don(30_000), levy=97_409).details["special"] == 19_481  # cap 19,481.8 → 19,481
    capped = run(don(30_000), levy=50_000)
    assert capped.details["special"] == 10_000
    assert any("上限" in w for w in capped.warnings)


@pytest.mark.parametrize(
    ("taxable", "rate_permille_x1000"),
    [
        (0, 900_000),  # no 所得税: 90%
        (1_950_000, 848_950),  # 90 − 5 × 1.021
        (1_950_001, 797_900),
        (3_300_000, 797_900),
        (3_300_001, 695_800),
        (6_950_001, 665_170),
        (9_000_001, 563_070),
        (18_000_001, 491_600),
        (40_000_001, 440_550),
    ],
)
def test_special_rate_by_bracket(taxable: int, rate_permille_x1000: int) -> None:
    assert special_rate(taxable, rules_for(2025)) * 1_000_000 == rate_permille_x1000


def test_somusho_worked_example() -> None:
    """総務省「ふるさと納税ポータルサイト — ふるさと納税の仕組み（控除額の計算）」の例:
    年収700万円の給与所得者（扶養は配偶者のみ）が30,000円を寄附 → 所得税 (30,000−2,000)×20% = 5,600、
    住民税 基本分 2,800、特例分 (30,000−2,000)×(100%−10%−20%) = 19,600、合計 28,000円
    （自己負担 2,000円）。The example leaves out 復興特別所得税; with it the split between 所得税
    and 特例分 changes but the total stays 28,000 (± the yen cut off in each part)."""
    rules = rules_for(2025)
    r = run(don(30_000), total=5_000_000, taxable=3_500_000, levy=400_000)
    assert r.income_tax == 28_000
    assert r.details["basic"] == 2_800
    t = rules.rates.marginal_rate(3_500_000)
    income_tax_saved = floor_fraction(r.income_tax * t * (1 + rules.rates.reconstruction))
    assert income_tax_saved == 5_717  # 5,600 × 1.021 = 5,717.6
    assert r.details["special"] == 19_482  # 19,600 − 5,600 × 0.021 = 19,482.4
    total = income_tax_saved + r.details["basic"] + r.details["special"]
    assert 28_000 - 2 <= total <= 28_000  # net cost 2,000円 (+ at most the cut-off yen)


def test_furusato_limit_is_where_the_cap_binds() -> None:
    rules = rules_for(2025)
    lim = furusato_limit(
        resident_levy=300_000, taxable_income=3_500_000, total_income=6_000_000, rules=rules
    )
    assert lim.estimate and lim.limit is not None
    rate = special_rate(3_500_000, rules)
    # at the limit the special part fits under 20% × R; two yen more and it no longer does
    assert (lim.limit - 2_000) * rate <= 60_000 < (lim.limit + 2 - 2_000) * rate
    assert lim.limit == 88_231  # 60,000 ÷ 0.6958 = 86,231.6 → 86,231 + 2,000
    r = run(don(50_000))
    assert r.details["furusato_limit"] == 88_231 and r.details["furusato_remaining"] == 38_231
    unknown = furusato_limit(
        resident_levy=None, taxable_income=None, total_income=None, rules=rules
    )
    assert unknown.limit is None


def test_limit_capped_by_30_percent_of_income() -> None:
    lim = furusato_limit(
        resident_levy=1_000_000, taxable_income=0, total_income=500_000, rules=rules_for(2025)
    )
    assert lim.limit == 150_000


def test_onestop_warning_and_municipalities() -> None:
    r = run(*[don(10_000, recipient=f"市{i}") for i in range(6)])
    assert ONESTOP_WARNING in r.warnings
    assert any("5自治体" in w for w in r.warnings)
    assert r.details["municipalities"] == 6
    assert ONESTOP_WARNING not in run(don(10_000, furusato=False)).warnings


def test_cancelled_and_non_furusato() -> None:
    r = run(don(10_000), don(50_000, cancelled=True), don(20_000, furusato=False))
    assert r.details["donations"] == 30_000 and r.details["furusato"] == 10_000
    assert r.income_tax == 28_000
    assert r.resident_tax_kind == "税額控除"


def test_resident_levy_estimated_when_missing() -> None:
    r = donation_deduction(
        deductions(don(30_000)),
        year=2025,
        person=TARO,
        total_income=6_000_000,
        taxable_income=3_500_000,
    )
    assert r.estimate and r.details["resident_levy"] > 0
    assert any("推計" in w for w in r.warnings)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 5_000_000),
    st.integers(1, 100_000),
    st.integers(0, 30_000_000),
    st.integers(0, 20_000_000),
    st.integers(0, 2_000_000),
)
def test_donation_bounded_monotone(d: int, more: int, total: int, taxable: int, levy: int) -> None:
    a = run(don(d), total=total, taxable=taxable, levy=levy)
    b = run(don(d + more), total=total, taxable=taxable, levy=levy)
    assert 0 <= a.income_tax <= max(0, floor_fraction(total * 2 / 5) - 2_000) or a.income_tax == 0
    assert 0 <= a.details["special"] <= levy // 5
    assert b.income_tax >= a.income_tax and b.resident_tax >= a.resident_tax
