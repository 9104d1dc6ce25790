"""高額療養費 estimates against worked examples of the 厚生労働省 table (not the code)."""

from __future__ import annotations

from datetime import date

import pytest

from mynalib.tax.kogaku import Claim, estimate_high_cost


def claim(
    person: str, month: date, share: int, cost: int, cat: str = "医科入院", ins: str = "X健保"
):
    return Claim(person, month, cat, cost, share, ins)


MAY = date(2025, 5, 1)


def test_the_ministrys_example_of_a_million_yen_month() -> None:
    # 厚生労働省: 医療費100万円、窓口負担30万円（区分ウ）→ 限度額 80,100 + (1,000,000 − 267,000) × 1%
    # = 87,430円、高額療養費 212,570円
    est = estimate_high_cost(
        [claim("太郎", MAY, 300_000, 1_000_000)],
        2025,
        births={"太郎": date(1980, 1, 1)},
        income_class="ウ",
    )
    (month,) = est.months
    assert month.limit == 87_430
    assert month.refund == 212_570 == est.total_refund
    assert est.refund_by_person == {"太郎": 212_570}
    assert "80,100 + (1,000,000 − 267,000) × 1% = 87,430円" in est.steps()[0]


def test_flat_limits_of_classes_e_and_o() -> None:
    for cls, limit in (("エ", 57_600), ("オ", 35_400)):
        est = estimate_high_cost(
            [claim("太郎", MAY, 90_000, 300_000)], 2025, births={}, income_class=cls
        )
        assert est.months[0].limit == limit
        assert est.total_refund == 90_000 - limit


def test_many_times_from_the_fourth_month_within_twelve() -> None:
    months = [date(2025, m, 1) for m in (1, 3, 5, 7)]
    claims = [claim("太郎", m, 300_000, 1_000_000) for m in months]
    est = estimate_high_cost(claims, 2025, births={}, income_class="ウ")
    limits = [m.limit for m in est.months]
    assert limits == [87_430, 87_430, 87_430, 44_400]
    assert est.months[3].many_times


def test_earlier_years_months_count_toward_many_times_but_are_not_reported() -> None:
    claims = [claim("太郎", date(2024, m, 1), 300_000, 1_000_000) for m in (10, 11, 12)]
    claims.append(claim("太郎", date(2025, 2, 1), 300_000, 1_000_000))
    est = estimate_high_cost(claims, 2025, births={}, income_class="ウ")
    assert [m.month for m in est.months] == [date(2025, 2, 1)]
    assert est.months[0].limit == 44_400


def test_under_70_only_claims_of_21000_yen_or_more_are_added_up() -> None:
    claims = [
        claim("太郎", MAY, 50_000, 166_670),
        claim("太郎", MAY, 20_000, 66_670, "医科外来"),  # under 21,000: not added
    ]
    est = estimate_high_cost(claims, 2025, births={}, income_class="エ")
    assert est.months == ()  # 50,000 < 57,600


def test_household_sum_of_one_insurer_is_shared_by_what_each_paid() -> None:
    claims = [claim("太郎", MAY, 40_000, 133_340), claim("花子", MAY, 30_000, 100_000)]
    est = estimate_high_cost(claims, 2025, births={}, income_class="エ")
    (month,) = est.months
    assert set(month.persons) == {"太郎", "花子"}
    assert month.refund == 70_000 - 57_600 == 12_400
    assert month.refund_by_person == {"太郎": 7_086, "花子": 5_314}


def test_other_insurers_are_not_added_together() -> None:
    claims = [
        claim("太郎", MAY, 40_000, 133_340, ins="A健保"),
        claim("花子", MAY, 30_000, 100_000, ins="B国保"),
    ]
    assert estimate_high_cost(claims, 2025, births={}, income_class="エ").months == ()


def test_seventy_plus_general_outpatient_limit_per_person() -> None:
    # 70歳以上 一般: 外来（個人ごと）18,000円
    est = estimate_high_cost(
        [claim("梅", MAY, 25_000, 125_000, "医科外来")],
        2025,
        births={"梅": date(1943, 1, 15)},
        income_class="エ",
    )
    assert est.total_refund == 7_000


def test_the_70_plus_band_starts_the_month_after_the_70th_birthday_month() -> None:
    birth = date(1955, 5, 20)  # reaches 70 on 2025-05-19: 70歳以上 from June 2025
    may = claim("次郎", date(2025, 5, 1), 25_000, 125_000, "医科外来")
    june = claim("次郎", date(2025, 6, 1), 25_000, 125_000, "医科外来")
    est = estimate_high_cost([may, june], 2025, births={"次郎": birth}, income_class="エ")
    assert [m.month for m in est.months] == [date(2025, 6, 1)]
    assert est.total_refund == 7_000


def test_the_default_class_is_said() -> None:
    est = estimate_high_cost([claim("太郎", MAY, 300_000, 1_000_000)], 2025, births={})
    assert est.months[0].income_class == "ウ"
    assert any("仮定" in a for a in est.assumptions)


def test_an_unknown_class_is_refused() -> None:
    with pytest.raises(ValueError):
        estimate_high_cost([], 2025, births={}, income_class="カ")


@pytest.mark.parametrize(
    ("cost", "limit"),
    [
        # 健康保険法施行令第42条: (医療費 − 267,000) × 1%, "50銭未満切捨て、50銭以上切上げ"
        (267_049, 80_100),  # 0.49円 → 0
        (267_050, 80_101),  # 0.50円 → 1
        (638_160, 83_812),  # 3,711.60円 → 3,712 (the sample household's hospital month)
    ],
)
def test_the_one_percent_term_is_rounded_as_the_cabinet_order_says(cost: int, limit: int) -> None:
    est = estimate_high_cost(
        [claim("太郎", MAY, 191_448, cost)], 2025, births={}, income_class="ウ"
    )
    assert est.months[0].limit == limit
    assert est.total_refund == 191_448 - limit


def test_the_refund_is_attributed_to_the_rows_of_the_form() -> None:
    # one household month, two hospitals' claims (each ≥ 21,000): 90,000 − 57,600 (区分エ) =
    # 32,400 shared by what each paid: 60,000 → 21,600, 30,000 → 10,800
    claims = [
        Claim("太郎", MAY, "医科入院", 200_000, 60_000, "X健保", "見本病院"),
        Claim("太郎", MAY, "医科外来", 100_000, 30_000, "X健保", "見本クリニック"),
    ]
    (month,) = estimate_high_cost(claims, 2025, births={}, income_class="エ").months
    assert month.refund_by_row == {("太郎", "見本病院"): 21_600, ("太郎", "見本クリニック"): 10_800}
    assert month.refund_by_person == {"太郎": 32_400}


def test_months_after_the_checked_table_say_so() -> None:
    assert not any(
        "確認できていません" in a for a in estimate_high_cost([], 2025, births={}).assumptions
    )
    assert any(
        "確認できていません" in a for a in estimate_high_cost([], 2026, births={}).assumptions
    )
