"""The rule table: covered years, sources, every tier boundary (±1 yen) of every table."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynalib.errors import TaxError, UnsupportedTaxYear
from mynalib.tax import rules as R
from mynalib.tax.rules import RULES, rules_for


def test_covered_years_and_sources() -> None:
    # a 還付申告 reaches five years back: 令和3年分 (2021) is still open in 2026
    assert sorted(RULES) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert [RULES[y].era_label for y in sorted(RULES)] == [
        "令和3年分",
        "令和4年分",
        "令和5年分",
        "令和6年分",
        "令和7年分",
        "令和8年分",
    ]
    for rules in RULES.values():
        for part in (
            rules.medical,
            rules.self_medication,
            rules.life,
            rules.earthquake,
            rules.rates,
        ):
            assert part.source  # every figure group names its source
        for table in (rules.life.new_it, rules.life.old_it, rules.life.new_rt, rules.life.old_rt):
            assert "第76条" in table.source or "地方税法" in table.source
        assert rules.donation.source_it and rules.donation.source_rt
        assert rules.basic_deduction_it_source


@pytest.mark.parametrize("year", [2017, 2020, 2027, 2030])
def test_uncovered_year_is_an_error(year: int) -> None:
    with pytest.raises(UnsupportedTaxYear) as info:
        rules_for(year)
    assert str(year) in str(info.value)
    assert "令和3年分" in str(info.value) and "令和8年分" in str(info.value)
    assert isinstance(info.value, TaxError)


def test_only_2026_has_the_dependant_rule() -> None:
    assert RULES[2026].life.new_general_dependant_it is not None
    assert RULES[2026].life.combined_cap_general_dependant_it == 60_000
    for y in (2021, 2022, 2023, 2024, 2025):
        assert RULES[y].life.new_general_dependant_it is None


# (table, paid, expected) — expected values worked out by hand from docs/TAX.md, fractions cut upwards
TIER_CASES = [
    # 所得税 新
    (R.LIFE_NEW_IT, 0, 0),
    (R.LIFE_NEW_IT, 1, 1),
    (R.LIFE_NEW_IT, 19_999, 19_999),
    (R.LIFE_NEW_IT, 20_000, 20_000),
    (R.LIFE_NEW_IT, 20_001, 20_001),  # 10,000.5 → 10,001 + 10,000
    (R.LIFE_NEW_IT, 39_999, 30_000),  # 19,999.5 → 20,000 + 10,000
    (R.LIFE_NEW_IT, 40_000, 30_000),
    (R.LIFE_NEW_IT, 40_001, 30_001),  # 10,000.25 → 10,001 + 20,000
    (R.LIFE_NEW_IT, 79_999, 40_000),  # 19,999.75 → 20,000 + 20,000
    (R.LIFE_NEW_IT, 80_000, 40_000),
    (R.LIFE_NEW_IT, 80_001, 40_000),
    # 所得税 旧
    (R.LIFE_OLD_IT, 24_999, 24_999),
    (R.LIFE_OLD_IT, 25_000, 25_000),
    (R.LIFE_OLD_IT, 25_001, 25_001),
    (R.LIFE_OLD_IT, 49_999, 37_500),
    (R.LIFE_OLD_IT, 50_000, 37_500),
    (R.LIFE_OLD_IT, 50_001, 37_501),
    (R.LIFE_OLD_IT, 99_999, 50_000),
    (R.LIFE_OLD_IT, 100_000, 50_000),
    (R.LIFE_OLD_IT, 100_001, 50_000),
    # 住民税 新
    (R.LIFE_NEW_RT, 11_999, 11_999),
    (R.LIFE_NEW_RT, 12_000, 12_000),
    (R.LIFE_NEW_RT, 12_001, 12_001),
    (R.LIFE_NEW_RT, 31_999, 22_000),
    (R.LIFE_NEW_RT, 32_000, 22_000),
    (R.LIFE_NEW_RT, 32_001, 22_001),
    (R.LIFE_NEW_RT, 55_999, 28_000),
    (R.LIFE_NEW_RT, 56_000, 28_000),
    (R.LIFE_NEW_RT, 56_001, 28_000),
    # 住民税 旧
    (R.LIFE_OLD_RT, 14_999, 14_999),
    (R.LIFE_OLD_RT, 15_000, 15_000),
    (R.LIFE_OLD_RT, 15_001, 15_001),
    (R.LIFE_OLD_RT, 39_999, 27_500),
    (R.LIFE_OLD_RT, 40_000, 27_500),
    (R.LIFE_OLD_RT, 40_001, 27_501),
    (R.LIFE_OLD_RT, 69_999, 35_000),
    (R.LIFE_OLD_RT, 70_000, 35_000),
    (R.LIFE_OLD_RT, 70_001, 35_000),
    # 令和8年分 新 一般 (23歳未満の扶養親族あり)
    (R.LIFE_NEW_GENERAL_R8_IT, 29_999, 29_999),
    (R.LIFE_NEW_GENERAL_R8_IT, 30_000, 30_000),
    (R.LIFE_NEW_GENERAL_R8_IT, 30_001, 30_001),
    (R.LIFE_NEW_GENERAL_R8_IT, 59_999, 45_000),
    (R.LIFE_NEW_GENERAL_R8_IT, 60_000, 45_000),
    (R.LIFE_NEW_GENERAL_R8_IT, 60_001, 45_001),
    (R.LIFE_NEW_GENERAL_R8_IT, 119_999, 60_000),
    (R.LIFE_NEW_GENERAL_R8_IT, 120_000, 60_000),
    (R.LIFE_NEW_GENERAL_R8_IT, 120_001, 60_000),
    # 地震 所得税
    (R.QUAKE_IT, 49_999, 49_999),
    (R.QUAKE_IT, 50_000, 50_000),
    (R.QUAKE_IT, 50_001, 50_000),
    (R.QUAKE_OLD_IT, 9_999, 9_999),
    (R.QUAKE_OLD_IT, 10_000, 10_000),
    (R.QUAKE_OLD_IT, 10_001, 10_001),  # 5,000.5 → 5,001 + 5,000
    (R.QUAKE_OLD_IT, 19_999, 15_000),
    (R.QUAKE_OLD_IT, 20_000, 15_000),
    (R.QUAKE_OLD_IT, 20_001, 15_000),
    # 地震 住民税
    (R.QUAKE_RT, 1, 1),  # 0.5 → 1
    (R.QUAKE_RT, 3, 2),
    (R.QUAKE_RT, 49_999, 25_000),  # 24,999.5 → 25,000
    (R.QUAKE_RT, 50_000, 25_000),
    (R.QUAKE_RT, 50_001, 25_000),
    (R.QUAKE_OLD_RT, 4_999, 4_999),
    (R.QUAKE_OLD_RT, 5_000, 5_000),
    (R.QUAKE_OLD_RT, 5_001, 5_001),  # 2,500.5 → 2,501 + 2,500
    (R.QUAKE_OLD_RT, 14_999, 10_000),
    (R.QUAKE_OLD_RT, 15_000, 10_000),
    (R.QUAKE_OLD_RT, 15_001, 10_000),
]


@pytest.mark.parametrize(("table", "paid", "expected"), TIER_CASES)
def test_tier_boundaries(table: R.TierTable, paid: int, expected: int) -> None:
    assert table.apply(paid) == expected
    assert table.formula(paid)  # a formula text exists for every amount


ALL_TABLES = [
    R.LIFE_NEW_IT,
    R.LIFE_OLD_IT,
    R.LIFE_NEW_RT,
    R.LIFE_OLD_RT,
    R.LIFE_NEW_GENERAL_R8_IT,
    R.QUAKE_IT,
    R.QUAKE_OLD_IT,
    R.QUAKE_RT,
    R.QUAKE_OLD_RT,
]


@given(st.sampled_from(ALL_TABLES), st.integers(-1_000, 10_000_000), st.integers(0, 100_000))
def test_tables_bounded_and_monotone(table: R.TierTable, paid: int, more: int) -> None:
    value = table.apply(paid)
    assert 0 <= value <= table.cap
    assert value <= max(paid, 0)  # never more than was paid
    assert table.apply(paid + more) >= value


MARGINAL = [
    (0, 5),
    (1_950_000, 5),
    (1_950_001, 10),
    (3_300_000, 10),
    (3_300_001, 20),
    (6_950_000, 20),
    (6_950_001, 23),
    (9_000_000, 23),
    (9_000_001, 33),
    (18_000_000, 33),
    (18_000_001, 40),
    (40_000_000, 40),
    (40_000_001, 45),
]


@pytest.mark.parametrize(("taxable", "percent"), MARGINAL)
def test_marginal_rate_boundaries(taxable: int, percent: int) -> None:
    for year in RULES:
        assert RULES[year].rates.marginal_rate(taxable) == Fraction(percent, 100)


BASIC = [
    (2023, 24_000_000, 480_000),
    (2023, 24_000_001, 320_000),
    (2024, 25_000_001, 0),
    (2025, 1_320_000, 950_000),
    (2025, 1_320_001, 880_000),
    (2025, 3_360_001, 680_000),
    (2025, 4_890_001, 630_000),
    (2026, 6_550_000, 630_000),
    (2026, 6_550_001, 580_000),
    (2026, 23_500_001, 480_000),
]


@pytest.mark.parametrize(("year", "income", "expected"), BASIC)
def test_basic_deduction_table(year: int, income: int, expected: int) -> None:
    assert RULES[year].basic_deduction(income) == expected


def test_era_label() -> None:
    assert R.era_label(2019) == "令和元年分"
    assert R.era_label(2026) == "令和8年分"


def test_exact_rounding_helpers() -> None:
    assert R.ceil_fraction(Fraction(1, 2)) == 1
    assert R.ceil_fraction(Fraction(-1, 2)) == 0
    assert R.floor_fraction(Fraction(199_999_9, 20)) == 99_999


def test_new_figures_have_their_sources_and_the_design_notes_are_not_cited() -> None:
    for rules in RULES.values():
        assert "地方税法第37条" in rules.resident_adjustment_source
        assert "No.2260" in rules.liability_source
    assert "施行令第41条" in R.SRC_KOGAKU_AGE and "50銭" in R.SRC_KOGAKU_AGE
    assert "指定都市" in R.SRC_RESIDENT_SPLIT
    texts = [v for k, v in vars(R).items() if k.startswith("SRC_") and isinstance(v, str)]
    assert texts and not any(".md" in t for t in texts)


def test_adjustment_deduction_worked_example() -> None:
    # 地方税法第37条・第314条の6: with only the 基礎控除 difference (所得税 48万円 − 住民税 43万円 =
    # 5万円, the figure the 調整控除 uses), 5万円 × 5% (道府県民税 2% + 市町村民税 3%) = 2,500円
    for rules in RULES.values():
        assert rules.resident_adjustment_min == 50_000 * 2 // 100 + 50_000 * 3 // 100 == 2_500


def test_kogaku_table_rows_of_the_ministry() -> None:
    # 厚生労働省「高額療養費制度を利用される皆さまへ」: 70歳未満 区分ウ 80,100円 +（医療費 − 267,000円）
    # × 1%、多数回 44,400円; 区分エ 57,600円; 70歳以上 一般 外来（個人）18,000円
    ku = R.KOGAKU_UNDER_70["ウ"]
    assert (ku.base, ku.threshold, ku.many_times) == (80_100, 267_000, 44_400)
    assert R.KOGAKU_UNDER_70["エ"].base == 57_600 and R.KOGAKU_UNDER_70["エ"].threshold is None
    assert R.KOGAKU_70_PLUS["エ"].outpatient == 18_000
    assert R.KOGAKU_TABLE_CHECKED_THROUGH.isoformat() == "2026-07-01"
