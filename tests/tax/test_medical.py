"""医療費控除 (pooling, added receipts, 補填 per row), セルフメディケーション and the comparison."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynalib.errors import TaxError
from mynalib.tax import (
    MedicalExtra,
    OtcPurchase,
    compare_medical,
    medical_deduction,
    medical_form_rows,
    read_otc_purchases,
    self_medication_deduction,
)

from .factories import HANAKO, SORA, TARO, UME, medical

ROOT_TEMPLATE = "sample_data/templates/otc_purchases_template.csv"


def one(amount: int, person: str = TARO, provider: str = "見本内科", cat: str = "医科外来"):
    return medical([(person, "2025-05", cat, provider, amount)])


@pytest.mark.parametrize(
    ("income", "paid", "expected"),
    [
        (3_000_000, 100_000, 0),
        (3_000_000, 100_001, 1),
        (3_000_000, 99_999, 0),
        (2_000_000, 100_001, 1),  # 5% = 100,000 exactly
        (1_999_999, 100_000, 1),  # 5% = 99,999.95 → 99,999 (cut down)
        (1_999_980, 100_000, 1),  # 5% = 99,999
        (1_999_979, 100_000, 2),  # 5% = 99,998.95 → 99,998
        (1_000_000, 50_000, 0),
        (1_000_000, 50_001, 1),
        (0, 1, 1),
        (3_000_000, 2_099_999, 1_999_999),
        (3_000_000, 2_100_000, 2_000_000),
        (3_000_000, 2_100_001, 2_000_000),
    ],
)
def test_medical_threshold_and_cap_boundaries(income: int, paid: int, expected: int) -> None:
    r = medical_deduction(one(paid), year=2025, total_income=income)
    assert r.income_tax == r.resident_tax == expected
    assert not r.estimate


def test_unknown_income_uses_100000_and_is_an_estimate() -> None:
    r = medical_deduction(one(150_000), year=2025)
    assert r.income_tax == 50_000 and r.estimate
    assert any("10万円" in w for w in r.warnings)


def test_household_pooling_and_filter() -> None:
    frame = medical(
        [
            (TARO, "2025-01", "医科外来", "見本内科", 40_000),
            (HANAKO, "2025-02", "歯科外来", "見本歯科", 50_000),
            (UME, "2025-03", "医科入院", "見本総合病院", 60_000),
            (UME, "2024-12", "医科入院", "見本総合病院", 99_000),  # other year: not counted
        ]
    )
    pooled = medical_deduction(frame, year=2025, total_income=5_000_000, filer=TARO)
    assert pooled.details["paid"] == 150_000 and pooled.income_tax == 50_000
    assert pooled.details["by_person"] == {TARO: 40_000, HANAKO: 50_000, UME: 60_000}
    only = medical_deduction(
        frame, year=2025, total_income=5_000_000, household=[TARO, HANAKO], filer=TARO
    )
    assert only.details["paid"] == 90_000 and only.income_tax == 0
    # a household name typed with an ASCII space still matches the 氏名 with an ideographic space
    spaced = medical_deduction(frame, year=2025, total_income=5_000_000, household=["見本 うめ"])
    assert spaced.details["paid"] == 60_000


def test_added_receipts_and_reimbursement_per_row() -> None:
    frame = medical(
        [
            (UME, "2025-03", "医科入院", "見本総合病院", 90_000),
            (UME, "2025-04", "医科入院", "見本総合病院", 30_000),
            (TARO, "2025-06", "調剤", "見本薬局", 20_000),
        ]
    )
    extras = [
        MedicalExtra(UME, "見本総合病院", reimbursed=70_000, note="高額療養費"),
        MedicalExtra(UME, "見本バス", amount=2_400, date=date(2025, 3, 2), category="通院交通費"),
        # 補填 larger than what was paid at that provider: only 5,000 is subtracted
        MedicalExtra(TARO, "見本整骨院", amount=5_000, reimbursed=8_000, category="診療・治療"),
    ]
    r = medical_deduction(frame, extras, year=2025, total_income=4_000_000)
    assert r.details["paid"] == 90_000 + 30_000 + 20_000 + 2_400 + 5_000
    assert r.details["reimbursed"] == 70_000 + 5_000
    assert r.income_tax == max(0, 147_400 - 75_000 - 100_000)  # = 0
    assert any("補填" in w and "見本整骨院" in w for w in r.warnings)
    rows, _ = medical_form_rows(frame, extras, year=2025)
    bus = next(row for row in rows if row.provider == "見本バス")
    assert bus.categories == {"その他の医療費"} and bus.payment_date == "2025/03/02"


def test_extra_validation() -> None:
    with pytest.raises(TaxError):
        MedicalExtra(TARO, "x", amount=-1)
    with pytest.raises(TaxError):
        MedicalExtra(TARO, "x", amount=10, category="宝くじ")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 3_000_000), min_size=1, max_size=6),
    st.integers(0, 30_000_000),
    st.integers(1, 500_000),
)
def test_medical_bounded_and_monotone(amounts: list[int], income: int, more: int) -> None:
    rows = [(TARO, f"2025-{i + 1:02d}", "医科外来", f"病院{i}", a) for i, a in enumerate(amounts)]
    a = medical_deduction(medical(rows), year=2025, total_income=income)
    rows[0] = (*rows[0][:4], rows[0][4] + more)
    b = medical_deduction(medical(rows), year=2025, total_income=income)
    assert 0 <= a.income_tax <= 2_000_000
    assert b.income_tax >= a.income_tax


# ------------------------------------------------------------------------- セルフメディケーション
def buy(amount: int, d: date = date(2025, 4, 1), person: str = TARO) -> OtcPurchase:
    return OtcPurchase(d, "見本ドラッグ", "見本かぜ薬", amount, person)


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, 0),
        (11_999, 0),
        (12_000, 0),
        (12_001, 1),
        (99_999, 87_999),
        (100_000, 88_000),
        (100_001, 88_000),
    ],
)
def test_self_medication_boundaries(total: int, expected: int) -> None:
    r = self_medication_deduction([buy(total)], year=2025, health_check=True)
    assert r.income_tax == r.resident_tax == expected


def test_self_medication_needs_a_health_check() -> None:
    assert self_medication_deduction([buy(50_000)], year=2025, health_check=False).income_tax == 0
    unknown = self_medication_deduction([buy(50_000)], year=2025)
    assert unknown.income_tax == 38_000 and any("健康診断" in w for w in unknown.warnings)


def test_self_medication_filters_year_and_household() -> None:
    r = self_medication_deduction(
        [buy(20_000), buy(30_000, date(2024, 12, 31)), buy(10_000, person=SORA)],
        year=2025,
        household=[TARO],
        health_check=True,
    )
    assert r.details["total"] == 20_000 and r.income_tax == 8_000


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 60_000), max_size=8), st.integers(1, 50_000))
def test_self_medication_bounded_monotone(amounts: list[int], more: int) -> None:
    a = self_medication_deduction([buy(x) for x in amounts], year=2025, health_check=True)
    b = self_medication_deduction([buy(x) for x in [*amounts, more]], year=2025, health_check=True)
    assert 0 <= a.income_tax <= 88_000 and b.income_tax >= a.income_tax


def test_comparison_in_tax_saved() -> None:
    """Tax without the deduction minus tax with it, by the NTA's 速算表 (No.2260) worked by hand:
    所得税 + 復興特別所得税 2.1% (1円未満切捨て), the sum cut to the 100円; 住民税 4% + 6%."""
    med = medical_deduction(one(150_000), year=2025, total_income=5_000_000)  # 50,000
    sm = self_medication_deduction([buy(32_000)], year=2025, health_check=True)  # 20,000
    c = compare_medical(med, sm, before_it=3_000_000, before_rt=3_200_000)
    # 3,000,000: 300,000 − 97,500 = 202,500 + 4,252 → 206,700
    # 2,950,000: 295,000 − 97,500 = 197,500 + 4,147 → 201,600 (saved 5,100)
    # 2,980,000: 298,000 − 97,500 = 200,500 + 4,210 → 204,700 (saved 2,000)
    # 住民税: 320,000 − 315,000 = 5,000; 320,000 − 318,000 = 2,000
    assert (c.medical_saved, c.self_medication_saved) == (5_100 + 5_000, 2_000 + 2_000)
    assert c.best == "medical" and c.difference == 6_100 and c.chosen is med
    c2 = compare_medical(
        medical_deduction(one(110_000), year=2025, total_income=5_000_000),  # 10,000
        sm,
        before_it=7_000_000,
    )
    # 7,000,000 × 23% − 636,000 = 974,000 + 20,454 → 994,400; 6,990,000: 971,700 + 20,405 →
    # 992,100 (saved 2,300); 6,980,000: 969,400 + 20,357 → 989,700 (saved 4,700); 住民税 unknown
    assert (c2.medical_saved, c2.self_medication_saved) == (2_300, 4_700)
    assert c2.best == "self_medication" and c2.difference == 2_400
    assert "比較" in c2.explain() and "計算できません" in c2.explain()


def test_saving_across_a_bracket_and_without_tax() -> None:
    sm = self_medication_deduction([buy(32_000)], year=2025, health_check=True)  # 20,000
    med = medical_deduction(one(100_000), year=2025, total_income=5_000_000)  # 0
    # 1,960,000 (10%): 98,500 + 2,068 → 100,500; 1,940,000 (5%): 97,000 + 2,037 → 99,000
    c = compare_medical(med, sm, before_it=1_960_000)
    assert c.self_medication_saved == 1_500  # the marginal 10% × 1.021 would say 2,042
    # no tax: nothing is saved, and the larger deduction still wins
    c0 = compare_medical(med, sm, before_it=0, before_rt=0)
    assert (c0.medical_saved, c0.self_medication_saved, c0.best) == (0, 0, "self_medication")


# ------------------------------------------------------------------------------ OTC purchase CSV
def test_otc_template_is_shipped_and_reads_empty() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    data = (root / ROOT_TEMPLATE).read_bytes()
    assert data.decode("utf-8").splitlines()[0] == "date,store,product,amount,person"
    assert read_otc_purchases(root / ROOT_TEMPLATE) == []


def test_otc_csv_reading_and_errors() -> None:
    text = (
        "date,store,product,amount,person\n"
        "# comment\n"
        '2025-03-01,見本ドラッグ,かぜ薬,"1,980",見本　太郎\n'
        "2025/12/31,見本薬店,湿布,980円,見本　花子\n"
    )
    rows = read_otc_purchases(text.encode("utf-8"))
    assert [(r.date, r.amount, r.person) for r in rows] == [
        (date(2025, 3, 1), 1_980, TARO),
        (date(2025, 12, 31), 980, HANAKO),
    ]
    jp = "日付,店舗名,商品名,金額,対象者\n2025-01-05,店,薬,500,見本　太郎\n".encode("cp932")
    assert read_otc_purchases(jp)[0].amount == 500
    with pytest.raises(TaxError, match="line 3"):
        read_otc_purchases(b"date,store,product,amount,person\n\n2025-01-01,a,b,12.5,x\n")
    with pytest.raises(TaxError, match="person"):
        read_otc_purchases(b"date,store,product,amount\n")
