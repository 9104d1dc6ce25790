"""mynalib.analysis.pension on a hand-built pension record (expected values worked out by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mynalib import frames
from mynalib.analysis import pension

from .handmade import AS_OF, TARO, TARO_BIRTH, pension_periods


def test_age_months_follow_the_day_before_the_birthday() -> None:
    assert str(pension.age_month(dt.date(1970, 4, 12), 20)) == "1990-04"
    # born on 1 April: legally 20 on 31 March, so the span starts in March
    assert str(pension.age_month(dt.date(1970, 4, 1), 20)) == "1990-03"
    span = pd.period_range(pension.age_month(TARO_BIRTH, 20), pension.age_month(TARO_BIRTH, 60) - 1)
    assert len(span) == pension.FULL_MONTHS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("厚生年金保険", pension.KOSEI),
        ("共済組合", pension.KYOSAI),
        ("国民年金", pension.KOKUMIN1),
        ("国民年金（第３号）", pension.KOKUMIN3),
        ("国民年金 任意加入", pension.NINI),
    ],
)
def test_normalize_scheme(raw: str, expected: str) -> None:
    assert pension.normalize_scheme(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "paid"),
        ("納付済", "paid"),
        ("未納", "unpaid"),
        ("全額免除", "exempt_full"),
        ("４分の３免除", "exempt_3q"),
        ("半額免除", "exempt_half"),
        ("1/4免除", "exempt_1q"),
        ("学生納付特例", "student"),
        ("納付猶予", "deferred"),
        ("産前産後免除", "paid"),
        ("未加入", "none"),
    ],
)
def test_normalize_status(raw: str | None, expected: str) -> None:
    assert pension.normalize_status(raw) == expected


def test_months_by_scheme_counts_each_month_once() -> None:
    table = pension.months_by_scheme(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    got = {(r.scheme, r.status): int(r.months) for r in table.itertuples()}
    assert got == {
        (pension.KOKUMIN1, "学生納付特例"): 36,
        (pension.KOSEI, "納付済"): 150 + 204,
        (pension.KOKUMIN1, "全額免除"): 12,
        (pension.KOKUMIN1, "未納"): 6 + 12,
        (pension.KOKUMIN1, "納付済"): 20,  # 2025-04 .. 2026-11 (ongoing)
    }


def test_months_toward_full_weights_exemptions_by_era() -> None:
    table = pension.months_toward_full(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    counted = dict(zip(table["label"], table["counted"], strict=True))
    assert counted["納付済（厚生年金）"] == 354
    assert counted["納付済（国民年金（第1号））"] == 20
    assert counted["全額免除"] == pytest.approx(4)  # 12 months before 2009-04 at 1/3
    assert counted["学生納付特例"] == 0
    assert counted["未納"] == 0
    assert table["counted"].sum() == pytest.approx(378)


def test_exemption_after_2009_counts_half() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="国民年金", start="2010-04-01", months=10, status="全額免除")]
        ),
    )
    table = pension.months_toward_full(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert table["counted"].sum() == pytest.approx(5)


def test_employee_months_before_20_do_not_count_toward_480() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="厚生年金", employer="A", start="1988-04-01", months=36)]
        ),
    )
    table = pension.months_toward_full(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert table["months"].sum() == 12  # 1990-04 .. 1991-03 only
    est = pension.estimate(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert est.qualifying_months == 36


def test_total_is_capped_at_480() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="厚生年金", employer="A", start="1985-04-01", months=600)]
        ),
    )
    assert pension.months_toward_full(df, birth=TARO_BIRTH, as_of=dt.date(2040, 1, 1))[
        "counted"
    ].sum() == pytest.approx(480)


def test_gaps_and_what_may_still_be_paid() -> None:
    g = pension.gaps(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    rows = [(str(r.start), str(r.end), int(r.months), r.kind, r.payable) for r in g.itertuples()]
    assert rows == [
        ("1990-04", "1993-03", 36, "学生納付特例", "追納の期限切れ"),
        ("2005-10", "2006-09", 12, "全額免除", "追納の期限切れ"),
        ("2006-10", "2007-03", 6, "未納", "時効のため納付できない"),
        ("2024-04", "2024-09", 6, "未納", "時効のため納付できない"),
        # 2024-10 was due 2024-11-30; the 2-year 時効 ends 2026-11-30
        ("2024-10", "2025-03", 6, "未納", "納付できる（時効前）"),
    ]
    assert g["deadline"].iloc[-1] == pd.Timestamp("2026-11-30")
    assert g["deadline"].iloc[:4].isna().all()


def test_recent_exemption_can_be_paid_back_for_ten_years() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="国民年金", start="2020-04-01", months=12, status="半額免除")]
        ),
    )
    g = pension.gaps(df, birth=TARO_BIRTH, as_of=AS_OF)
    row = g[g["kind"] == "半額免除"].iloc[0]
    assert row["payable"] == "追納できる"
    assert row["deadline"] == pd.Timestamp("2030-04-30")
    # everything else since age 20 is 未加入
    assert "未加入" in set(g["kind"])


def test_estimate_uses_the_fiscal_year_table() -> None:
    est = pension.estimate(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    assert est.fiscal_year == 2026
    assert est.full_amount == 847_300
    assert est.counted_months == pytest.approx(378)
    assert est.basic_annual == 667_200  # 847,300 × 378 / 480 = 667,248.75 → 100円単位
    assert est.projected_months == pytest.approx(378 + 40)  # 2026-12 .. 2030-03
    assert est.basic_annual_projected == 737_900
    assert est.qualifying_months == 374 + 36 + 12
    assert est.eligible
    # 120 × 300,000 × 7.125/1000 + 30 × 300,000 × 5.481/1000 + 204 × 410,000 × 5.481/1000
    assert est.employee_annual == 764_259  # 256,500 + 49,329 + 458,430.84
    assert any("概算" in a for a in est.assumptions)
    assert any("2026年度" in a for a in est.assumptions)
    assert "2026" in est.source or "令和8" in est.source
    assert list(est.table().columns) == ["項目", "値"]


def test_older_cohort_uses_its_own_full_amount() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="厚生年金", employer="A", start="1970-01-01", months=480)]
        ),
    )
    est = pension.estimate(df, birth=dt.date(1950, 1, 1), as_of=dt.date(2025, 6, 1))
    assert est.full_amount == 829_300


def test_unknown_fiscal_year_is_an_error() -> None:
    with pytest.raises(ValueError, match="FULL_AMOUNTS"):
        pension.full_amount(1999)
    with pytest.raises(ValueError):
        pension.estimate(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF, year=1999)


def test_estimate_without_remuneration_says_so() -> None:
    df = pension_periods()
    df.loc[df["scheme"] == "厚生年金", "monthly_remuneration"] = pd.NA
    est = pension.estimate(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert est.employee_annual is None
    assert any("標準報酬月額がない" in a for a in est.assumptions)


def test_every_full_amount_has_a_source() -> None:
    for fy, fa in pension.FULL_AMOUNTS.items():
        assert fa.fiscal_year == fy
        assert "年金" in fa.source
        assert 700_000 < fa.amount_older <= fa.amount < 900_000


def test_empty_record() -> None:
    empty = frames.empty("pension_periods")
    assert pension.months_by_scheme(empty).empty
    g = pension.gaps(empty, birth=TARO_BIRTH, as_of=AS_OF)
    assert g["months"].sum() == 439  # 1990-04 .. 2026-10 (the current month is not due yet)
    assert set(g["kind"]) == {"未加入"}


def test_explain_and_table_of_full_amounts() -> None:
    est = pension.estimate(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    text = est.explain()
    assert text.startswith("【推計の前提】")
    assert "満額の出典" in text and "令和8年度" in text
    table = pension.full_amounts_table()
    assert list(table["年度"])[-1] == "2026年度"
    assert table["出典"].str.contains("年金").all()


def test_gap_before_1991_mentions_kara_period() -> None:
    df = frames.conform(
        "pension_periods",
        pd.DataFrame(
            [dict(person=TARO, scheme="国民年金", start="1990-04-01", months=12, status="未加入")]
        ),
    )
    g = pension.gaps(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert "合算対象期間" in g.iloc[0]["note"]
    assert "合算対象期間" not in g.iloc[-1]["note"]


def test_gaps_text() -> None:
    text = pension.gaps_text(pension.gaps(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF))
    assert (
        "・未納: 18か月（うち6か月は今から納付できる可能性があります。最も早い期限は2026年11月30日）"
        in text
    )
    assert "・学生納付特例: 36か月" in text
    assert "ありません" in pension.gaps_text(
        pension.gaps(pension_periods().iloc[0:0], birth=dt.date(2010, 1, 1), as_of=AS_OF)
    )


def test_age_month_of_29_february_in_a_common_year() -> None:
    # born 2004-02-29: 20 is reached on 2024-02-28 (a leap year: the day before the 29th) and 60 on
    # 2064-02-28 (the last day of February of a common year ends the year of age)
    assert str(pension.age_month(dt.date(2004, 2, 29), 20)) == "2024-02"
    assert str(pension.age_month(dt.date(2003, 3, 1), 21)) == "2024-02"  # reached on 2024-02-29


def test_one_persons_summary_is_what_the_notebook_shows() -> None:
    s = pension.summary(pension_periods(), person=TARO, birth=TARO_BIRTH, as_of=AS_OF)
    # by hand: paid 354 (厚生年金) + 20 (国民年金, to 2026-11) + 全額免除 12 + 学生納付特例 36;
    # 未納 18 do not count toward the 受給資格期間
    assert s.qualifying_months == 354 + 20 + 12 + 36 == 422
    assert s.eligible and s.qualifying_short == 0
    assert s.counted_months == pytest.approx(378)  # 354 + 20 + 12 × 1/3
    est = pension.estimate(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    toward = pension.months_toward_full(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    assert s.qualifying_months == est.qualifying_months
    assert s.counted_months == pytest.approx(est.counted_months)
    assert s.counted_months == pytest.approx(toward["counted"].sum())
    table = pension.summary_table(s)
    assert list(table.columns) == ["項目", "値"] and "422か月 / 120か月" in table.iloc[0, 1]


def test_summary_without_a_birth_date_counts_no_480() -> None:
    s = pension.summary(pension_periods(), person=TARO, as_of=AS_OF)
    assert s.counted_months is None and s.qualifying_months == 422
    short = pension.summary(pension_periods().head(1), as_of=AS_OF)  # 36 months of 学生納付特例
    assert short.qualifying_months == 36 and short.qualifying_short == 84 and not short.eligible
