"""Japanese eras (和暦): the one table, conversion both ways and the textual forms callers read.

| code (NTA ``gen:era``) | name | letter | first day (Gregorian) | last day   |
| ---------------------- | ---- | ------ | --------------------- | ---------- |
| 1                      | 明治 | M      | 1868-10-23            | 1912-07-29 |
| 2                      | 大正 | T      | 1912-07-30            | 1926-12-24 |
| 3                      | 昭和 | S      | 1926-12-25            | 1989-01-07 |
| 4                      | 平成 | H      | 1989-01-08            | 2019-04-30 |
| 5                      | 令和 | R      | 2019-05-01            |            |

明治 starts on the day of its 改元の詔 (明治元年9月8日 = 1868-10-23); the decree made the whole of
慶応4年 明治元年, but an era date is read here as a date of the Gregorian calendar, which Japan used
from 明治6年 (1873) on, so 明治 dates before 1873 are not converted from the old calendar.

Three rules, each checked against the table:

* a full date must lie inside its era (平成31年5月1日 does not exist: that day is 令和元年5月1日;
  令和元年4月30日 and 昭和64年1月8日 do not exist either): :func:`era_date`;
* a month without a day is valid when any day of it lies in the era (``平成元年1月``): :func:`era_month`;
* a year without month and day is valid when any day of it lies in the era (``平成31年``,
  ``令和元年``, ``昭和64年``): :func:`era_year`.

The year of an era is ``first_year + yy - 1``; year 1 is written 元年. Text is read after NFKC, so
full-width digits and letters work (``Ｓ５５．４．１``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Era:
    code: int  # NTA gen:era
    name: str  # 令和
    letter: str  # R
    start: date  # first day (inclusive)
    end: date | None  # last day (inclusive); None for the current era

    @property
    def first_year(self) -> int:
        return self.start.year

    @property
    def last_year(self) -> int | None:
        return self.end.year if self.end is not None else None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _table(*rows: tuple[int, str, str, date]) -> tuple[Era, ...]:
    nexts: list[date | None] = [r[3] for r in rows[1:]]
    nexts.append(None)
    return tuple(
        Era(code, name, letter, start, nxt - timedelta(days=1) if nxt else None)
        for (code, name, letter, start), nxt in zip(rows, nexts, strict=True)
    )


ERAS: tuple[Era, ...] = _table(
    (1, "明治", "M", date(1868, 10, 23)),
    (2, "大正", "T", date(1912, 7, 30)),
    (3, "昭和", "S", date(1926, 12, 25)),
    (4, "平成", "H", date(1989, 1, 8)),
    (5, "令和", "R", date(2019, 5, 1)),
)
_BY_CODE = {e.code: e for e in ERAS}
_BY_NAME = {e.name: e for e in ERAS}
_BY_LETTER = {e.letter: e for e in ERAS}

#: a regular-expression alternative matching an era name or letter (upper case; add re.I for both)
ERA_PATTERN = "|".join([*(e.name for e in ERAS), f"[{''.join(e.letter for e in ERAS)}]"])


def era(key: int | str | Era) -> Era:
    """Look an era up by NTA code (1–5), name (``令和``) or letter (``R``, case-insensitive)."""
    if isinstance(key, Era):
        return key
    if isinstance(key, int) or key.strip().isdigit():
        code = int(key)
        if code in _BY_CODE:
            return _BY_CODE[code]
        raise ValueError(f"unknown era code {key!r} (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和)")
    text = unicodedata.normalize("NFKC", key).strip()
    found = _BY_NAME.get(text) or _BY_LETTER.get(text.upper())
    if found is None:
        raise ValueError(f"unknown era {key!r}")
    return found


def era_year(key: int | str | Era, yy: int | str) -> int:
    """Western year of era year ``yy`` (``era_year(5, 1) == 2019``, ``yy`` may be ``"元"`` or
    zero-padded); valid when any day of that year lies in the era (``era_year("平成", 31) ==
    2019``, ``era_year("昭和", 65)`` is an error)."""
    e = era(key)
    y = _int(yy, "era year")
    if y < 1:
        raise ValueError(f"era year must be 1 or more, got {yy!r}")
    western = e.first_year + y - 1
    if e.last_year is not None and western > e.last_year:
        raise ValueError(f"{e.name}{y}年 does not exist (the era ended in {e.last_year})")
    return western


def era_month(key: int | str | Era, yy: int | str, mm: int | str) -> date:
    """The first day of an era month; valid when any day of the month lies in the era
    (``平成元年1月`` is January 1989, ``平成31年5月`` is an error)."""
    e = era(key)
    first = date(era_year(e, yy), _int(mm, "month"), 1)
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    if last < e.start or (e.end is not None and first > e.end):
        raise ValueError(f"{e.name}{yy}年{mm}月 is outside the {e.name} era")
    return first


def era_date(key: int | str | Era, yy: int | str, mm: int | str, dd: int | str) -> date:
    """Western date of an era date, which must lie inside the era (``era_date("令和", 1, 4, 30)``
    is an error: that day is 平成31年4月30日)."""
    e = era(key)
    d = date(era_year(e, yy), _int(mm, "month"), _int(dd, "day"))
    if not e.contains(d):
        raise ValueError(f"{e.name}{yy}年{mm}月{dd}日 is outside the {e.name} era")
    return d


def to_era(day: date) -> tuple[Era, int]:
    """(era, era year) of a Western date: ``date(2019, 5, 1)`` → (令和, 1)."""
    for e in reversed(ERAS):
        if day >= e.start:
            return e, day.year - e.first_year + 1
    raise ValueError(f"{day} is before 明治 (the first era known: from {ERAS[0].start})")


def _int(value: int | str, what: str) -> int:
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if text == "元":
        return 1
    if not text.isdigit():
        raise ValueError(f"{what} {value!r} is not a number")
    return int(text)


# ------------------------------------------------------------------------------ parsing text
_ERA_NAMES = "|".join(e.name for e in ERAS)
_RE_KANJI_ERA = re.compile(
    rf"^({_ERA_NAMES})\s*(元|\d{{1,2}})\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?$"
)
_RE_LETTER_ERA = re.compile(r"^([MTSHR])\s*(\d{1,2})[./\-](\d{1,2})(?:[./\-](\d{1,2}))?$", re.I)
_RE_KANJI_WESTERN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")
_RE_WESTERN = re.compile(r"^(\d{4})[./\-](\d{1,2})(?:[./\-](\d{1,2}))?$")
_RE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_RE_MONTH_WESTERN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$|^(\d{4})[./\-](\d{1,2})$")
_RE_MONTH_ERA = re.compile(rf"^({ERA_PATTERN})\s*(元|\d{{1,2}})\s*[年.]\s*(\d{{1,2}})\s*月?$", re.I)
_RE_YEAR = re.compile(rf"^(?:({ERA_PATTERN})\s*(元|\d{{1,2}})|(\d{{4}}))\s*(?:年)?$", re.I)


def parse_date(text: str, *, month_only: bool = False) -> date:
    """Parse a Western or 和暦 date.

    Accepts ``2025年1月2日``, ``2025/1/2``, ``2025-01-02``, ``20250102``, ``令和7年1月2日``,
    ``令和元年5月1日``, ``R7.1.2``, ``S55.4.1``, ``H2.4.1`` (full-width digits too). With
    ``month_only`` the day may be missing (``2025年1月``, ``R7.1``) and the 1st is returned.
    Raises ValueError with the text on anything else, and on era dates outside their era.
    """
    raw = text
    s = unicodedata.normalize("NFKC", text).strip()
    m = _RE_KANJI_ERA.match(s) or _RE_LETTER_ERA.match(s)
    if m:
        e, yy, mm, dd = m.groups()
        return _finish(
            raw, month_only, dd, lambda d: era_date(e, yy, mm, d), lambda: era_month(e, yy, mm)
        )
    m = _RE_KANJI_WESTERN.match(s) or _RE_WESTERN.match(s) or _RE_COMPACT.match(s)
    if m:
        y, mm, dd = m.groups()
        return _finish(
            raw,
            month_only,
            dd,
            lambda d: date(int(y), int(mm), int(d)),
            lambda: date(int(y), int(mm), 1),
        )
    raise ValueError(f"not a date: {raw!r}")


def _finish(
    raw: str,
    month_only: bool,
    dd: str | None,
    make: Callable[[str], date],
    month: Callable[[], date],
) -> date:
    if dd is None and not month_only:
        raise ValueError(f"date without a day: {raw!r}")
    try:
        return month() if dd is None else make(dd)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {raw!r} ({exc})") from None


def parse_month(text: str) -> date:
    """``2025年1月`` / ``令和7年1月`` / ``R7.1`` / ``2025/01`` → the first day of that month."""
    s = unicodedata.normalize("NFKC", text).strip()
    try:
        m = _RE_MONTH_WESTERN.match(s)
        if m:
            y, mm = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            return date(int(y), int(mm), 1)
        m = _RE_MONTH_ERA.match(s)
        if m:
            return era_month(*m.groups())
    except ValueError as exc:
        raise ValueError(f"not a valid month: {text!r} ({exc})") from None
    raise ValueError(f"not a month: {text!r}")


def parse_year(text: str) -> int:
    """``R7`` / ``令和7年`` / ``令和元年`` / ``H31`` / ``2025`` / ``2025年`` → the Western year
    (an era year is valid when any day of it lies in the era: :func:`era_year`)."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _RE_YEAR.match(s)
    if not m:
        raise ValueError(f"not a year: {text!r}")
    if m.group(3):
        return int(m.group(3))
    try:
        return era_year(m.group(1), m.group(2))
    except ValueError as exc:
        raise ValueError(f"not a valid year: {text!r} ({exc})") from None


__all__ = [
    "ERAS",
    "ERA_PATTERN",
    "Era",
    "era",
    "era_date",
    "era_month",
    "era_year",
    "parse_date",
    "parse_month",
    "parse_year",
    "to_era",
]
