"""Days Japanese government offices are closed: 土日, 国民の祝日 and 年末年始.

行政機関の休日に関する法律 第1条 (and 地方自治法 第4条の2 for municipalities): Saturdays, Sundays,
the holidays of 国民の祝日に関する法律 (祝日法), and 12月29日–1月3日. A deadline for a procedure that
falls on such a day moves to the next day the office is open (行政機関の休日に関する法律 第2条,
地方自治法 第4条の2 第4項, 国税通則法 第10条 第2項 for tax returns such as 確定申告).

The holidays follow 祝日法 as amended up to 2018 (天皇誕生日 on 2月23日 from 2020), with the moved
holidays of the Tokyo Olympics in 2020 and 2021, 振替休日 (a holiday on a Sunday gives the next
non-holiday day) and 国民の休日 (a day between two holidays). 春分の日 and 秋分の日 are set each year in
the 官報; they are computed here with the usual approximation, exact for 1980–2099. Years outside
2020–2099 are refused (:class:`ValueError`): a deadline there is shown unmoved.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 2020, 2099


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _equinox(year: int, base: float) -> int:
    """The day of March (base 20.8431) or September (base 23.2488) of the equinox."""
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


def holidays(year: int) -> dict[date, str]:
    """The 国民の祝日 of ``year`` with their names, 振替休日 and 国民の休日 included (a new dict:
    yours to change)."""
    return dict(_holidays(year))


@functools.lru_cache(maxsize=128)
def _holidays(year: int) -> dict[date, str]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays are known for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    days: dict[date, str] = {
        date(year, 1, 1): "元日",
        _nth_monday(year, 1, 2): "成人の日",
        date(year, 2, 11): "建国記念の日",
        date(year, 2, 23): "天皇誕生日",
        date(year, 3, _equinox(year, 20.8431)): "春分の日",
        date(year, 4, 29): "昭和の日",
        date(year, 5, 3): "憲法記念日",
        date(year, 5, 4): "みどりの日",
        date(year, 5, 5): "こどもの日",
        _nth_monday(year, 7, 3): "海の日",
        date(year, 8, 11): "山の日",
        _nth_monday(year, 9, 3): "敬老の日",
        date(year, 9, _equinox(year, 23.2488)): "秋分の日",
        _nth_monday(year, 10, 2): "スポーツの日",
        date(year, 11, 3): "文化の日",
        date(year, 11, 23): "勤労感謝の日",
    }
    moved = {  # the Tokyo Olympics (令和2年・3年の特例)
        2020: {
            (7, 20): None,
            (7, 23): "海の日",
            (7, 24): "スポーツの日",
            (8, 10): "山の日",
            (8, 11): None,
            (10, 12): None,
        },
        2021: {
            (7, 19): None,
            (7, 22): "海の日",
            (7, 23): "スポーツの日",
            (8, 8): "山の日",
            (8, 11): None,
            (10, 11): None,
        },
    }.get(year, {})
    for (month, dom), name in moved.items():
        if name is None:
            days.pop(date(year, month, dom), None)
        else:
            days[date(year, month, dom)] = name
    proper = dict(days)  # 国民の祝日 themselves: the two rules below look at these only
    # 祝日法 第3条第2項 (振替休日): a 国民の祝日 on a Sunday makes the nearest later day that is not
    # a 国民の祝日 a holiday
    for day in sorted(proper):
        if day.weekday() == 6:
            substitute = day + timedelta(days=1)
            while substitute in proper:
                substitute += timedelta(days=1)
            days[substitute] = "休日（振替休日）"
    # 第3条第3項 (国民の休日): a day whose day before and day after are 国民の祝日
    for day in sorted(proper):
        between = day + timedelta(days=1)
        if between not in proper and between + timedelta(days=1) in proper:
            days.setdefault(between, "休日（国民の休日）")
    return dict(sorted(days.items()))


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
