"""mynalib.analysis.myinfo and .vaccinations on hand-built frames: every category, 「記録がありません」
for 04 answers, 税・所得 per 年分, and a child's doses against the routine schedule for their age."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynalib import frames
from mynalib.analysis import myinfo, vaccinations
from mynalib.jp.age import age_on

TARO, HANAKO, SORA = "見本　太郎", "見本　花子", "見本　そら"
HOUSEHOLD = [TARO, HANAKO, SORA]


def answers(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """The ``myinfo_answers`` frame of (kind, person, status) rows."""
    return frames.conform(
        "myinfo_answers",
        pd.DataFrame(
            [
                {
                    "kind": kind,
                    "person": person,
                    "status": status,
                    "nothing_on_record": status == "04",
                    "as_of": "2026-11-01",
                }
                for kind, person, status in rows
            ]
        ),
    )


def household(*members: tuple[str, str, str, str]) -> pd.DataFrame:
    return frames.conform(
        "household_members",
        pd.DataFrame(
            [
                {"name": n, "relation": r, "birth_date": b, "sex": s, "head": r == "世帯主"}
                for n, r, b, s in members
            ]
        ),
    )


def shots(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return frames.conform(
        "vaccinations",
        pd.DataFrame(
            [{"person": p, "vaccine": v, "dose": d, "date": day} for p, v, d, day in rows]
        ),
    )


# ------------------------------------------------------------------------------- answers
def test_every_category_and_item_is_listed_with_what_the_portal_said() -> None:
    found = answers(
        ("portal_tax", TARO, "03"),
        ("portal_tax", SORA, "04"),
        ("portal_care", TARO, "04"),
        ("portal_care", HANAKO, "04"),
    )
    table = myinfo.answers_table(found, HOUSEHOLD)
    categories = list(dict.fromkeys(table["category"]))
    assert categories == list(frames.myinfo_answers.CATEGORIES)
    assert len(categories) == 7 and len(table) == len(frames.myinfo_answers.ITEM_ROWS) * 3
    tax = table[table["item"].str.startswith("税・所得")].set_index("person")["answer"]
    assert tax.to_dict() == {TARO: "記録あり", HANAKO: "未取得", SORA: "記録がありません"}
    matrix = myinfo.category_matrix(found, HOUSEHOLD)
    assert list(matrix.index) == categories and list(matrix.columns) == HOUSEHOLD
    assert matrix.loc["税・所得・口座", TARO] == "記録あり"
    assert matrix.loc["税・所得・口座", SORA] == "記録がありません"
    assert matrix.loc["福祉・介護", HANAKO] == "記録がありません"
    assert matrix.loc["年金", TARO] == "未取得"


def test_someone_not_in_the_household_list_is_still_shown() -> None:
    table = myinfo.answers_table(answers(("portal_care", "見本　うめ", "03")), [TARO])
    assert set(table["person"]) == {TARO, "見本　うめ"}


def test_texts_say_nothing_on_record_plainly() -> None:
    found = answers(("portal_care", TARO, "04"), ("portal_care", SORA, "04"))
    text = myinfo.care_text(frames.empty("care_insurance"), found, [SORA, TARO])
    assert text.splitlines() == [
        f"{SORA}: 記録がありません（マイナポータルの回答: 該当なし）",
        f"{TARO}: 記録がありません（マイナポータルの回答: 該当なし）",
    ]
    assert "まだ取得していません" in myinfo.care_text(None, None)
    assert myinfo.employment_text(None, answers(("portal_tax", TARO, "03"))).startswith("まだ")


def test_child_allowance_counts_what_is_still_to_come() -> None:
    allowance = frames.conform(
        "child_allowance",
        pd.DataFrame(
            [
                {
                    "person": TARO,
                    "recipient": TARO,
                    "child": SORA,
                    "monthly_amount": 10_000,
                    "status": "支給中",
                    "first_month": "2012-07",
                    "last_month": "2031-03",
                }
            ]
        ),
    )
    text = myinfo.child_allowance_text(allowance, None, as_of=date(2026, 12, 5))
    # December 2026 … March 2031: 52 months
    assert "月額 10,000円（支給中）" in text and "あと 52 か月、520,000円" in text


def test_income_table_shows_only_the_kinds_there_are_and_the_whole_levy() -> None:
    income = frames.conform(
        "income",
        pd.DataFrame(
            [
                {
                    "person": TARO,
                    "year": 2025,
                    "salary_income": 5_260_000,
                    "total_income": 5_260_000,
                    "municipal_levy": 198_600,
                    "prefectural_levy": 132_400,
                },
                {
                    "person": HANAKO,
                    "year": 2025,
                    "business_income": 1_380_000,
                    "total_income": 1_380_000,
                    "resident_levy": 52_500,
                },
            ]
        ),
    )
    table = myinfo.income_table(income)
    assert "pension_income" not in table.columns and "salary_income" in table.columns
    assert table.set_index("person")["resident_levy_total"].to_dict() == {
        TARO: 331_000,
        HANAKO: 52_500,
    }
    note = myinfo.income_note(income, [HANAKO, TARO])
    assert note.splitlines()[1].startswith(HANAKO) and "331,000円" in note


def test_household_ages_as_the_law_counts_them() -> None:
    members = household((TARO, "世帯主", "1970-04-12", "男"), (SORA, "子", "2012-06-20", "女"))
    table = myinfo.household_table(members, as_of=date(2026, 6, 19))
    assert list(table["age"]) == [56, 14]  # sora turns 14 at the end of 19 June
    assert myinfo.household_text(members, None) == "世帯員は 2 人です。世帯主は 見本　太郎 です。"


# --------------------------------------------------------------------------- vaccinations
def test_a_child_against_the_schedule() -> None:
    members = household((TARO, "世帯主", "1970-04-12", "男"), (SORA, "子", "2012-06-20", "女"))
    given_shots = shots(
        (SORA, "ヒトパピローマウイルス（HPV）", "1回目", "2025-06-02"),
        (SORA, "麻しん風しん混合（MR）", "1期", "2013-06-24"),
        (TARO, "麻しん風しん混合（MR）", "風しん第5期", "2020-02-10"),
    )
    status = vaccinations.schedule_status(given_shots, members, as_of=date(2026, 12, 5))
    assert set(status["person"]) == {SORA}  # the adult is not compared with a child's schedule
    row = status.set_index(["vaccine", "dose"])
    assert row.loc[("麻しん風しん混合（MR）", "1期"), "status"] == vaccinations.STATUS_DONE
    assert row.loc[("麻しん風しん混合（MR）", "1期"), "given"] == date(2013, 6, 24)
    assert row.loc[("HPV", "1回目"), "status"] == vaccinations.STATUS_DONE
    # HPV 2回目: 定期 until the end of 高校1年 (March 2029): still possible
    assert row.loc[("HPV", "2回目"), "status"] == vaccinations.STATUS_NOW
    assert row.loc[("HPV", "2回目"), "until"] == "2029年3月31日"
    # MR 2期 was due in the year before school (April 2018 – March 2019): passed
    assert row.loc[("麻しん風しん混合（MR）", "2期"), "status"] == vaccinations.STATUS_PASSED
    # born 2012: no B型肝炎 (routine from 2016) and no ロタ
    assert "B型肝炎" not in set(status["vaccine"]) and "ロタウイルス" not in set(status["vaccine"])
    text = vaccinations.summary_text(status)
    assert text.startswith(f"{SORA}: ") and "HPV 2回目（2029年3月31日まで）" in text


def test_a_baby_has_everything_still_to_come_and_no_hpv_for_a_boy() -> None:
    baby = "見本　はると"
    members = household((baby, "子", "2026-09-01", "男"))
    status = vaccinations.schedule_status(None, members, as_of=date(2026, 11, 5))
    assert "HPV" not in set(status["vaccine"])
    first = status.set_index(["vaccine", "dose"])
    assert first.loc[("B型肝炎", "1回目"), "status"] == vaccinations.STATUS_NOW  # from 2 months
    assert first.loc[("BCG", "1回目"), "status"] == vaccinations.STATUS_LATER
    assert first.loc[("ロタウイルス", "1回目"), "status"] == vaccinations.STATUS_NOW
    # a 五種混合 dose counts for the 四種混合 and the Hib of the same dose
    five = shots((baby, "五種混合（DPT-IPV-Hib）", "1期1回目", "2026-11-02"))
    later = vaccinations.schedule_status(five, members, as_of=date(2026, 11, 20)).set_index(
        ["vaccine", "dose"]
    )
    assert later.loc[("四種混合（DPT-IPV）", "1期1回目"), "status"] == vaccinations.STATUS_DONE


def test_nobody_to_compare() -> None:
    empty = vaccinations.schedule_status(None, None)
    assert empty.empty and "いません" in vaccinations.summary_text(empty)


@pytest.mark.parametrize(
    ("birth", "entry"),
    [
        (date(2012, 6, 20), date(2019, 4, 1)),
        (date(2013, 4, 1), date(2019, 4, 1)),  # 早生まれ: born on 1 April goes a year earlier
        (date(2013, 4, 2), date(2020, 4, 1)),
        (date(2014, 3, 31), date(2020, 4, 1)),
    ],
)
def test_school_entry(birth: date, entry: date) -> None:
    assert vaccinations.school_entry(birth) == entry


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_school_entry_is_the_first_april_after_reaching_six(birth: date) -> None:
    from mynalib.jp.age import age_reached_on

    entry, six = vaccinations.school_entry(birth), age_reached_on(birth, 6)
    assert (entry.month, entry.day) == (4, 1)
    # still 6 the day before entry (born on 2 April: 7 is reached on 1 April, the entry day itself)
    assert date(entry.year - 1, 4, 1) <= six < entry
    assert age_on(birth, entry - timedelta(days=1)) == 6


@given(st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 12, 31)))
def test_every_window_opens_before_it_closes(birth: date) -> None:
    for dose in vaccinations.SCHEDULE:
        start, standard_end, legal_end = dose.window(birth)
        assert birth <= start <= standard_end <= legal_end, (dose.vaccine, dose.dose)
