"""Ages as Japanese law counts them.

年齢計算ニ関スル法律 (明治35年法律第50号) counts an age from the day of birth, and 民法第143条
makes a year end on the day before its anniversary: a person reaches a new age at the end of the
day before the birthday (born on 1 April: a year older on 31 March; born on 29 February: on
28 February in a year without a 29th). Tax law judges a dependant's age on 12月31日 of the year
(所得税法第85条第3項), so "under 23 at the end of 2026" means born on or after 2004-01-02.

Rules "from the month after the month the age is reached" (the birthday month's next month, the
birthday month itself for those born on the 1st) — the 70歳 patient share and the 70歳以上 band of
高額療養費 (健康保険法第74条, 施行令第41条・第42条) — start at :func:`month_age_counts_from`.
国民年金 counts from the month in which 20 is reached to the month before the one in which 60 is
reached (国民年金法第8条・第9条・第11条): :func:`month_age_reached`. 後期高齢者医療 starts on the
75th birthday itself (the day after the day 75 is reached, as the 広域連合 apply 第52条 of
高齢者の医療の確保に関する法律).
"""

from __future__ import annotations

from datetime import date, timedelta


def age_reached_on(birth: date, age: int) -> date:
    """The day on which a person born on ``birth`` reaches ``age`` (the day before the
    birthday; for 29 February, the last day of February in a common year)."""
    if age < 0:
        raise ValueError("an age is not negative")
    year = birth.year + age
    try:
        anniversary = birth.replace(year=year)
    except ValueError:  # 29 February in a common year: the year ends with February
        anniversary = date(year, 3, 1)
    return anniversary - timedelta(days=1)


def age_on(birth: date, day: date) -> int:
    """The age (満年齢) on ``day``, counted as the law counts it."""
    if day < birth:
        raise ValueError(f"{day} is before the birth date {birth}")
    age = day.year - birth.year + 1  # (born 1 January: the next age is reached on 31 December)
    while age and day < age_reached_on(birth, age):
        age -= 1
    return age


def age_at_year_end(birth: date, year: int) -> int:
    """The age on 31 December of ``year``: how tax law judges dependants (所得税法第85条)."""
    return age_on(birth, date(year, 12, 31))


def month_age_reached(birth: date, age: int) -> date:
    """The first day of the month in which ``age`` is reached (born on 1 April 1970: 20 is
    reached on 31 March 1990, so March 1990 — the first month of 国民年金)."""
    reached = age_reached_on(birth, age)
    return date(reached.year, reached.month, 1)


def month_age_counts_from(birth: date, age: int) -> date:
    """The first day of the month from which a rule "from the month after the month the age is
    reached" applies: e.g. the 70–74 band of 高額療養費 from this month on."""
    reached = age_reached_on(birth, age)
    return date(reached.year + reached.month // 12, reached.month % 12 + 1, 1)


__all__ = [
    "age_at_year_end",
    "age_on",
    "age_reached_on",
    "month_age_counts_from",
    "month_age_reached",
]
