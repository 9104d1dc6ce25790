"""The holiday calendar from jpholiday: years covered, the two kinds of 休日, one computation per
year, and a copy for every caller. (The official lists of 2020–2027 are checked in
tests/dashboards/test_holidays.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mynalib.jp import holidays as H

#: years whose September has a 国民の休日 between 敬老の日 and 秋分の日 (シルバーウィーク), from the
#: 秋分日 the 国立天文台 computes ahead
SILVER_WEEKS = [2026, 2032, 2037, 2043, 2049, 2054, 2060, 2071, 2077, 2088, 2094, 2099]


def test_every_covered_year_has_its_holidays() -> None:
    for year in range(H.FIRST_YEAR, H.LAST_YEAR + 1):
        days = H.holidays(year)
        assert date(year, 1, 1) in days and date(year, 11, 23) in days
        assert 16 <= len(days) <= 21
        assert list(days) == sorted(days)
        for day, name in days.items():  # a 振替休日 is never a Sunday and follows a holiday
            if name == H.SUBSTITUTE:
                assert day.weekday() != 6 and day - timedelta(days=1) in days


def test_years_outside_the_range_are_refused() -> None:
    for year in (2019, 2100):
        with pytest.raises(ValueError, match="2020–2099"):
            H.holidays(year)
    assert H.closed_reason(date(2019, 12, 30)) == "年末年始"  # a project rule, no holiday list


def test_kokumin_no_kyujitsu_years() -> None:
    found = [y for y in range(2020, 2100) if H.BETWEEN in H.holidays(y).values()]
    assert found == SILVER_WEEKS


def test_substitute_holidays_are_named_as_the_planner_shows_them() -> None:
    assert H.holidays(2027)[date(2027, 3, 22)] == "休日（振替休日）"  # 春分の日 on a Sunday
    assert H.holidays(2025)[date(2025, 11, 24)] == "休日（振替休日）"
    assert H.holidays(2020)[date(2020, 5, 6)] == "休日（振替休日）"  # 5/3 Sunday → after 5/4, 5/5


def test_each_year_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import jpholiday

    calls: list[int] = []
    real = jpholiday.year_holidays

    def counting(year: int) -> list[tuple[date, str]]:
        calls.append(year)
        return real(year)

    monkeypatch.setattr(jpholiday, "year_holidays", counting)
    H._holidays.cache_clear()
    try:
        day = date(2031, 1, 1)
        while day.year == 2031:
            H.closed_reason(day)
            day += timedelta(days=1)
        H.holidays(2031)
        H.next_open_day(date(2031, 12, 31))
        assert calls == [2031, 2032]
    finally:
        H._holidays.cache_clear()


def test_callers_get_a_copy_and_the_cache_is_read_only() -> None:
    mine = H.holidays(2026)
    mine[date(2026, 6, 1)] = "mine"
    assert date(2026, 6, 1) not in H.holidays(2026)
    assert H.closed_reason(date(2026, 6, 1)) is None
    with pytest.raises(TypeError):
        H._holidays(2026)[date(2026, 6, 1)] = "x"  # type: ignore[index]
