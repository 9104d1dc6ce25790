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
