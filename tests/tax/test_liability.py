"""所得税, 復興特別所得税 and 住民税所得割 against the NTA's worked examples (not the code)."""

from __future__ import annotations

import pytest

from mynalib.tax.liability import (
    income_tax,
    income_tax_saved,
    resident_levy,
    resident_tax_saved,
    taxable_amount,
)
from mynalib.tax.rules import rules_for

R = rules_for(2025)


@pytest.mark.parametrize(
    ("taxable", "base"),
    [
        # 国税庁タックスアンサー No.2260 の速算表: 課税される所得金額 × 税率 − 控除額
        (7_000_000, 974_000),  # the NTA's own example: 7,000,000 × 23% − 636,000
        (1_949_000, 97_450),  # 5%
        (1_950_000, 97_500),  # 10% − 97,500
        (3_300_000, 232_500),  # 20% − 427,500
        (9_000_000, 1_434_000),  # 33% − 1,536,000
        (18_000_000, 4_404_000),  # 40% − 2,796,000
        (40_000_000, 13_204_000),  # 45% − 4,796,000
        (0, 0),
    ],
)
def test_income_tax_by_the_quick_table(taxable: int, base: int) -> None:
    assert income_tax(taxable, R).base == base


def test_reconstruction_tax_and_rounding_to_the_hundred() -> None:
    tax = income_tax(3_020_999, R)  # cut to 3,020,000 first
    assert tax.taxable == 3_020_000
    assert tax.base == 204_500  # 3,020,000 × 10% − 97,500
    assert tax.reconstruction == 4_294  # 204,500 × 2.1% = 4,294.5 → 4,294
    assert tax.total == 208_700  # 208,794 → 100円未満切捨て


def test_resident_levy_rounds_each_part() -> None:
    # 課税総所得金額 1,234,000: 道府県民税 49,360 → 49,300; 市町村民税 74,040 → 74,000
    assert resident_levy(1_234_567) == 49_300 + 74_000


def test_no_tax_means_no_saving() -> None:
    # 見本 花子: 総所得金額等 900,000, 基礎控除 950,000 (令和7年分) → 課税所得 0
    before = taxable_amount(900_000, 950_000)
    assert before == 0
    assert income_tax_saved(50_000, before, R) == 0
    assert resident_tax_saved(50_000, 0) == 0


def test_a_deduction_across_a_bracket_saves_less_than_the_top_rate() -> None:
    # 2,000,000 → 1,900,000: 10% above 1,950,000, 5% below it
    saved = income_tax_saved(100_000, 2_000_000, R)
    expected_base = (2_000_000 * 10 // 100 - 97_500) - 1_900_000 * 5 // 100  # 102,500 − 95,000
    assert expected_base == 7_500
    assert saved == income_tax(2_000_000, R).total - income_tax(1_900_000, R).total
    assert saved < 100_000 * 10 // 100 * 1021 // 1000


def test_taxable_amount_is_cut_to_the_thousand_and_never_negative() -> None:
    assert taxable_amount(5_100_999, 2_080_000) == 3_020_000
    assert taxable_amount(100, 1_000_000) == 0
