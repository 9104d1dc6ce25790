"""Japanese dates: eras (和暦) and the ``YYYY年M月D日`` style, for every importer.

Era table (NTA ``gen:era`` codes): 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和. Year conversion is
``first_year + yy - 1``; a full date must fall inside its era (平成31年5月1日 does not exist: that day
is 令和元年5月1日). 元年 is year 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Era:
    code: int  # gen:era
    name: str
    letter: str
    start: date  # first day of the era (inclusive)

    @property
    def first_year(self) -> int:
        return self.start.year


ERAS: tuple[Era, ...] = (
    Era(1, "明治", "M", date(1868, 1, 25)),
    Era(2, "大正", "T", date(1912, 7, 30)),
    Era(3, "昭和", "S", date(1926, 12, 25)),
    Era(4, "平成", "H", date(1989, 1, 8)),
    Era(5, "令和", "R", date(2019, 5, 1)),
)
_BY_CODE = {e.code: e for e in ERAS}
_BY_NAME = {e.name: e for e in ERAS}
_BY_LETTER = {e.letter: e for e in ERAS}


def era(key: int | str) -> Era:
    """Look an era up by NTA code (1–5), name (``令和``) or letter (``R``, case-insensitive)."""
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        code = int(key)
        if code in _BY_CODE:
            return _BY_CODE[code]
        raise ValueError(f"unknown era code {key!r} (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和)")
    text = unicodedata.normalize("NFKC", key).strip()
    if text in _BY_NAME:
        return _BY_NAME[text]
    if text.upper() in _BY_LETTER:
        return _BY_LETTER[text.upper()]
    raise ValueError(f"unknown era {key!r}")


def _end(e: Era) -> date | None:
    nxt = _BY_CODE.get(e.code + 1)
    return nxt.start if nxt else None


def era_year(key: int | str, yy: int | str) -> int:
    """Western year of era year ``yy`` (``era_year(5, 1) == 2019``; ``yy`` may be zero-padded)."""
    e = era(key)
    y = _int(yy, "era year")
    if y < 1:
        raise ValueError(f"era year must be 1 or more, got {yy!r}")
    western = e.first_year + y - 1
    end = _end(e)
    if end is not None and western > end.year:
        raise ValueError(f"{e.name}{y}年 does not exist (the era ended in {end.year})")
    return western


def era_date(key: int | str, yy: int | str, mm: int | str, dd: int | str) -> date:
    """Western date of an era date; the date must lie inside the era."""
    e = era(key)
    d = date(era_year(e.code, yy), _int(mm, "month"), _int(dd, "day"))
    end = _end(e)
    if d < e.start or (end is not None and d >= end):
        raise ValueError(f"{e.name}{yy}年{mm}月{dd}日 is outside the {e.name} era")
    return d


def to_era(d: date) -> tuple[Era, int]:
    """(era, era year) of a Western date."""
    for e in reversed(ERAS):
        if d >= e.start:
            return e, d.year - e.first_year + 1
    raise ValueError(f"{d} is before the Meiji era")


def _int(value: int | str, what: str) -> int:
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if text == "元":
        return 1
    if not text.isdigit():
        raise ValueError(f"{what} {value!r} is not a number")
    return int(text)


_ERA_NAMES = "|".join(e.name for e in ERAS)
_RE_KANJI_ERA = re.compile(
    rf"^({_ERA_NAMES})\s*(元|\d{{1,2}})\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?$"
)
_RE_LETTER_ERA = re.compile(r"^([MTSHR])\s*(\d{1,2})[./\-](\d{1,2})(?:[./\-](\d{1,2}))?$", re.I)
_RE_KANJI_WESTERN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")
_RE_WESTERN = re.compile(r"^(\d{4})[./\-](\d{1,2})(?:[./\-](\d{1,2}))?$")
_RE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str, *, month_only: bool = False) -> date:
    """Parse a Western or 和暦 date.

    Accepts ``2025年1月2日``, ``2025/1/2``, ``2025-01-02``, ``20250102``, ``令和7年1月2日``,
    ``令和元年5月1日``, ``R7.1.2``, ``S55.4.1``, ``H2.4.1`` (full-width digits too). With
    ``month_only`` the day may be missing (``2025年1月``, ``R7.1``) and the 1st is returned.
    Raises ValueError with the text on anything else.
    """
    raw = text
    s = unicodedata.normalize("NFKC", text).strip()
    m = _RE_KANJI_ERA.match(s)
    if m:
        e, yy, mm, dd = m.groups()
        return _finish(raw, month_only, lambda d: era_date(e, yy, mm, d), dd)
    m = _RE_LETTER_ERA.match(s)
    if m:
        e, yy, mm, dd = m.groups()
        return _finish(raw, month_only, lambda d: era_date(e, yy, mm, d), dd)
    m = _RE_KANJI_WESTERN.match(s) or _RE_WESTERN.match(s) or _RE_COMPACT.match(s)
    if m:
        y, mm, dd = m.groups()
        return _finish(raw, month_only, lambda d: date(int(y), int(mm), int(d)), dd)
    raise ValueError(f"not a date: {raw!r}")


def _finish(raw: str, month_only: bool, make: Callable[[str], date], dd: str | None) -> date:
    if dd is None:
        if not month_only:
            raise ValueError(f"date without a day: {raw!r}")
        dd = "1"
    try:
        return make(dd)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {raw!r} ({exc})") from None


def parse_month(text: str) -> date:
    """``2025年1月`` / ``令和7年1月`` / ``2025/01`` → the first day of that month."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = re.match(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$", s) or re.match(r"^(\d{4})[./\-](\d{1,2})$", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueError(f"not a valid month: {text!r}") from None
    m = re.match(rf"^({_ERA_NAMES}|[MTSHR])\s*(元|\d{{1,2}})\s*[年.]\s*(\d{{1,2}})\s*月?$", s, re.I)
    if m:
        e, yy, mm = m.groups()
        try:
            return date(era_year(e, yy), int(mm), 1)
        except ValueError as exc:
            raise ValueError(f"not a valid month: {text!r} ({exc})") from None
    raise ValueError(f"not a month: {text!r}")
