"""Ages at the boundaries the law draws (examples worked by hand from the statutes)."""

from __future__ import annotations

from datetime import date

import pytest

from mynalib.jp.age import age_at_year_end, age_on, age_reached_on, month_age_counts_from


def test_a_new_age_is_reached_the_day_before_the_birthday() -> None:
    birth = date(2000, 4, 1)
    assert age_reached_on(birth, 6) == date(2006, 3, 31)  # why 4/1 births start school early
    assert age_on(birth, date(2006, 3, 30)) == 5
    assert age_on(birth, date(2006, 3, 31)) == 6
    assert age_on(birth, birth) == 0


def test_29_february_reaches_its_age_on_28_february_in_a_common_year() -> None:
    birth = date(2004, 2, 29)
    assert age_reached_on(birth, 1) == date(2005, 2, 28)
    assert age_on(birth, date(2005, 2, 27)) == 0
    assert age_on(birth, date(2005, 2, 28)) == 1
    assert age_reached_on(birth, 4) == date(2008, 2, 28)  # a leap year: the day before the 29th


@pytest.mark.parametrize(
    ("birth", "age"),
    [
        (date(2004, 1, 1), 23),  # reached 23 on 2026-12-31: not "under 23" for 令和8年分
        (date(2004, 1, 2), 22),  # reaches 23 on 2027-01-01
        (date(2003, 12, 31), 23),
        (date(2010, 1, 1), 17),
        (date(2010, 1, 2), 16),  # 16歳以上 (扶養控除): born on or before 2011-01-01 → 15
    ],
)
def test_age_at_the_end_of_2026(birth: date, age: int) -> None:
    assert age_at_year_end(birth, 2026) == age


def test_month_from_which_an_age_rule_applies() -> None:
    # 70歳の誕生日の属する月の翌月から (1日生まれはその月から)
    assert month_age_counts_from(date(1956, 5, 20), 70) == date(2026, 6, 1)
    assert month_age_counts_from(date(1956, 5, 1), 70) == date(2026, 5, 1)
    assert month_age_counts_from(date(1956, 12, 15), 70) == date(2027, 1, 1)
    assert month_age_counts_from(date(1957, 1, 1), 70) == date(2027, 1, 1)


def test_a_day_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 1), date(1999, 12, 31))
    with pytest.raises(ValueError):
        age_reached_on(date(2000, 1, 1), -1)


def test_month_in_which_an_age_is_reached() -> None:
    from mynalib.jp.age import month_age_reached

    # 国民年金: from the month 20 is reached (born on 1 April: 31 March, so March)
    assert month_age_reached(date(1970, 4, 1), 20) == date(1990, 3, 1)
    assert month_age_reached(date(1970, 4, 2), 20) == date(1990, 4, 1)
    assert month_age_reached(date(2000, 1, 1), 20) == date(2019, 12, 1)


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        # 70 reached on 2026-05-19: 2割 from the next month (健康保険法第74条)
        (date(2026, 5, 31), 30),
        (date(2026, 6, 1), 20),
    ],
)
def test_the_sample_patient_share_at_70(on: date, rate: int) -> None:
    from mynalib.samples.medical import patient_rate

    assert patient_rate(date(1956, 5, 20), on) == rate


def test_the_sample_patient_share_at_70_born_on_the_1st_and_at_75_and_6() -> None:
    from mynalib.samples.medical import patient_rate

    born_1st = date(1956, 5, 1)  # 70 reached on 2026-04-30: 2割 from May
    assert (
        patient_rate(born_1st, date(2026, 4, 30)),
        patient_rate(born_1st, date(2026, 5, 1)),
    ) == (
        30,
        20,
    )
    seventy_five = date(1951, 5, 20)  # 後期高齢者医療 from the 75th birthday
    assert patient_rate(seventy_five, date(2026, 5, 19)) == 20
    assert patient_rate(seventy_five, date(2026, 5, 20)) == 10
    # 義務教育就学前: to the first 31 March on or after the day 6 is reached
    assert patient_rate(date(2010, 4, 1), date(2016, 3, 31)) == 20  # 6 reached 2016-03-31
    assert patient_rate(date(2010, 4, 1), date(2016, 4, 1)) == 30
    assert patient_rate(date(2010, 4, 2), date(2017, 3, 31)) == 20  # 6 reached 2016-04-01
    assert patient_rate(date(2010, 4, 2), date(2017, 4, 1)) == 30


def test_software_cards_sign_from_the_day_15_is_reached() -> None:
    from dataclasses import replace

    from mynalib.card.virtual.profile import key_seeds
    from mynalib.samples.household import HOUSEHOLD

    holder = replace(HOUSEHOLD[2], birth=date(2011, 4, 2))  # 15 is reached on 2026-04-01
    assert len(key_seeds("t", holder, date(2026, 4, 1))) == 2  # a signing key
    assert len(key_seeds("t", holder, date(2026, 3, 31))) == 1
