"""Yen and dates as people read them: ``13,782円``, ``2026年3月15日``, ``令和8年``, ``令和8年分``.

Pure string formatting (no pandas): callers that may hold missing values (``pd.NA``) check for
them first. Eras come from :mod:`mynalib.jp.eras`.
"""

from __future__ import annotations

from datetime import date

from .eras import to_era


def yen(amount: float | None) -> str:
    """``1234567`` → ``"1,234,567円"`` (floats rounded to whole yen; ``None`` → ``""``)."""
    if amount is None:
        return ""
    return f"{round(amount):,}円"


def jp_date(day: date) -> str:
    """``date(2026, 3, 15)`` → ``"2026年3月15日"`` (Western year, no zero padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


def jp_month(year: int, month: int) -> str:
    """``(2026, 3)`` → ``"2026年3月"``."""
    return f"{year}年{month}月"


def era_year_label(day: date, *, short: bool = False) -> str:
    """The era year of ``day``: ``令和7年`` (``R7`` when short); year 1 reads ``令和元年``
    (``R1`` when short)."""
    e, year = to_era(day)
    if short:
        return f"{e.letter}{year}"
    return f"{e.name}{'元' if year == 1 else year}年"


def wareki(day: date, *, style: str = "kanji", gannen: bool = True) -> str:
    """``day`` in 和暦: ``令和7年4月1日`` (``kanji``) or ``R7.4.1`` (``abbr``). With ``gannen``
    (the default) year 1 reads 元年 in the kanji style; without it ``令和1年5月1日``."""
    e, year = to_era(day)
    if style == "abbr":
        return f"{e.letter}{year}.{day.month}.{day.day}"
    if style != "kanji":
        raise ValueError(f"unknown style {style!r} (kanji, abbr)")
    yy = "元" if year == 1 and gannen else str(year)
    return f"{e.name}{yy}年{day.month}月{day.day}日"


def tax_year_label(year: int) -> str:
    """The name of a tax year (暦年, named by the era on 31 December): 2026 → ``令和8年分``,
    2019 → ``令和元年分``, 2018 → ``平成30年分``."""
    return f"{era_year_label(date(year, 12, 31))}分"


__all__ = ["era_year_label", "jp_date", "jp_month", "tax_year_label", "wareki", "yen"]
