"""Days Japanese government offices are closed: 土日, 国民の祝日 and 年末年始.

行政機関の休日に関する法律 第1条 (and 地方自治法 第4条の2 for municipalities): Saturdays, Sundays,
the holidays of 国民の祝日に関する法律 (祝日法), and 12月29日–1月3日. A deadline for a procedure that
falls on such a day moves to the next day the office is open (行政機関の休日に関する法律 第2条,
地方自治法 第4条の2 第4項, 国税通則法 第10条 第2項 for tax returns such as 確定申告).

The 国民の祝日 come from the `jpholiday` library (MIT; built on the Cabinet Office's list, with the
Tokyo Olympic moves of 2020 and 2021, 振替休日 and 国民の休日; 春分の日 and 秋分の日, set each year in
the 官報, computed astronomically). 年末年始 is this module's rule on top. Years outside 2020–2099
are refused (:class:`ValueError`): a deadline there is shown unmoved. Each year is computed once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

FIRST_YEAR, LAST_YEAR = 2020, 2099

#: names for the two kinds of 休日 that are not 国民の祝日 (as the planner words them)
SUBSTITUTE = "休日（振替休日）"  # 祝日法 第3条第2項
BETWEEN = "休日（国民の休日）"  # 祝日法 第3条第3項


def holidays(year: int) -> dict[date, str]:
    """The 国民の祝日 of ``year`` with their names, 振替休日 and 国民の休日 included, in date order
    (a new dict: yours to change)."""
    return dict(_holidays(year))


@functools.lru_cache(maxsize=128)
def _holidays(year: int) -> Mapping[date, str]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays are known for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    import jpholiday

    days = {day: _name(name) for day, name in jpholiday.year_holidays(year)}
    return MappingProxyType(dict(sorted(days.items())))


def _name(name: str) -> str:
    """jpholiday names a 振替休日 after the holiday it replaces (``憲法記念日 振替休日``)."""
    if name.endswith("振替休日"):
        return SUBSTITUTE
    if name == "国民の休日":
        return BETWEEN
    return name


def closed_reason(day: date) -> str | None:
    """Why offices are closed on ``day`` (土曜日, 日曜日, a holiday's name, 年末年始), or None.

    Raises ValueError for a year whose holidays are not known (see the module docstring)."""
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return "年末年始"
    name = _holidays(day.year).get(day)
    if name is not None:
        return name
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    return None


def next_open_day(day: date) -> date:
    """``day`` itself when offices are open, else the next day they are."""
    while closed_reason(day) is not None:
        day += timedelta(days=1)
    return day


__all__ = ["FIRST_YEAR", "LAST_YEAR", "closed_reason", "holidays", "next_open_day"]
