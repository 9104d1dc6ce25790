"""A child's 予防接種 against the routine schedule (定期接種, A類疾病) for their age.

Frames in, frames out: the ``vaccinations`` frame (what わたしの情報 lists) and the
``household_members`` frame (who is a child, their 生年月日 and 性別) give, per scheduled dose,
whether it was given, when, and — when not — whether its time is still to come, is now, or has
passed.

The schedule (:data:`SCHEDULE`) is the routine one of 予防接種法 as 厚生労働省 publishes it
(「定期接種の対象年齢と標準的な接種期間」; 予防接種法施行令 第1条の3, 予防接種実施規則): each dose has
its 標準的な接種期間 and the age up to which it is 定期 (free of charge). It is simplified to what
a parent needs to see: intervals between doses are not checked, only whether each dose was given.
A vaccine that became routine after a child's infancy does not apply to children born before its
``born_from`` day; a dose of the 五種混合 (DPT-IPV-Hib, routine from April 2024) counts for the
四種混合 and the Hib of the same dose, one of the older 三種混合 (DPT) for the 四種混合. ``SOURCE`` names where the table comes from. It is a
reminder to ask the family doctor or the 市区町村, not medical advice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..jp.age import age_on, age_reached_on
from ..jp.fmt import jp_date

if TYPE_CHECKING:
    import pandas as pd

SOURCE = (
    "出典: 厚生労働省「定期接種の対象年齢と標準的な接種期間」・予防接種法施行令 第1条の3・"
    "予防接種実施規則（定期接種（A類疾病）のうち、接種の有無だけを簡略に示しています。"
    "接種の間隔や個別の事情は、かかりつけ医・お住まいの市区町村にご確認ください）"
)

#: members younger than this are compared with the schedule
CHILD_AGE = 20

Window = Callable[[date], tuple[date, date, date]]


def _months(birth: date, months: int) -> date:
    """The day ``months`` months after birth (the same day of the month, or the month's end)."""
    year, month = divmod(birth.month - 1 + months, 12)
    year, month = birth.year + year, month + 1
    for day in (birth.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(birth)


def by_months(start: int, standard_end: int, legal_end: int) -> Window:
    """A window in months of age: 標準的な接種期間 ``start``–``standard_end`` months, 定期 until
    the day before ``legal_end`` months of age."""

    def window(birth: date) -> tuple[date, date, date]:
        last = _months(birth, legal_end) - timedelta(days=1)
        return _months(birth, start), min(_months(birth, standard_end), last), last

    return window


def school_entry(birth: date) -> date:
    """The April a child enters 小学校: the first school year that begins after the day they reach
    6 (学校教育法 第17条; born on 1 April: the day before, so a year earlier than 2 April)."""
    day_after = age_reached_on(birth, 6) + timedelta(days=1)
    year = day_after.year if day_after <= date(day_after.year, 4, 1) else day_after.year + 1
    return date(year, 4, 1)


def by_school_year(first: int, standard: int, last: int) -> Window:
    """A window in school years counted from 小学1年 = 1 (年長 = 0, 中学1年 = 7, 高校1年 = 10):
    from the April of school year ``first``, standard within ``standard``, 定期 to the March that
    ends school year ``last``."""

    def window(birth: date) -> tuple[date, date, date]:
        entry = school_entry(birth)

        def april(n: int) -> date:
            return date(entry.year + n - 1, 4, 1)

        return (
            april(first),
            april(standard + 1) - timedelta(days=1),
            april(last + 1) - timedelta(days=1),
        )

    return window


@dataclass(frozen=True)
class Dose:
    """One dose of the routine schedule."""

    vaccine: str  # the name as the schedule says it
    dose: str  # as わたしの情報 lists it: 1回目, 1期2回目, 追加, 2期, …
    window: Window  # birth → (期間の始まり, 標準的な期間の終わり, 定期の終わり)
    names: tuple[str, ...]  # names a record may carry (compared without width or brackets)
    born_from: date | None = None  # routine for children born on or after this day
    sex: str | None = None  # "女": girls only


_DPT = ("四種混合", "DPT-IPV", "五種混合", "三種混合", "DPT")
_HIB = ("Hib", "ヒブ", "五種混合", "DPT-IPV-Hib")

#: the routine schedule of a child (定期接種, A類疾病), in the order doses come
SCHEDULE: tuple[Dose, ...] = (
    Dose("B型肝炎", "1回目", by_months(2, 3, 12), ("B型肝炎",), date(2016, 4, 1)),
    Dose("B型肝炎", "2回目", by_months(3, 4, 12), ("B型肝炎",), date(2016, 4, 1)),
    Dose("B型肝炎", "3回目", by_months(7, 9, 12), ("B型肝炎",), date(2016, 4, 1)),
    Dose("ロタウイルス", "1回目", by_months(2, 3, 8), ("ロタウイルス",), date(2020, 8, 1)),
    Dose("Hib（ヒブ）", "1回目", by_months(2, 7, 60), _HIB, date(2008, 4, 2)),
    Dose("Hib（ヒブ）", "2回目", by_months(3, 8, 60), _HIB, date(2008, 4, 2)),
    Dose("Hib（ヒブ）", "3回目", by_months(4, 9, 60), _HIB, date(2008, 4, 2)),
    Dose("Hib（ヒブ）", "追加", by_months(12, 18, 60), _HIB, date(2008, 4, 2)),
    Dose("小児用肺炎球菌", "1回目", by_months(2, 7, 60), ("肺炎球菌",), date(2008, 4, 2)),
    Dose("小児用肺炎球菌", "2回目", by_months(3, 8, 60), ("肺炎球菌",), date(2008, 4, 2)),
    Dose("小児用肺炎球菌", "3回目", by_months(4, 9, 60), ("肺炎球菌",), date(2008, 4, 2)),
    Dose("小児用肺炎球菌", "追加", by_months(12, 15, 60), ("肺炎球菌",), date(2008, 4, 2)),
    Dose("四種混合（DPT-IPV）", "1期1回目", by_months(2, 12, 90), _DPT),
    Dose("四種混合（DPT-IPV）", "1期2回目", by_months(3, 13, 90), _DPT),
    Dose("四種混合（DPT-IPV）", "1期3回目", by_months(4, 14, 90), _DPT),
    Dose("四種混合（DPT-IPV）", "1期追加", by_months(15, 30, 90), _DPT),
    Dose("BCG", "1回目", by_months(5, 8, 12), ("BCG",)),
    Dose("麻しん風しん混合（MR）", "1期", by_months(12, 24, 24), ("MR", "麻しん風しん")),
    Dose("麻しん風しん混合（MR）", "2期", by_school_year(0, 0, 0), ("MR", "麻しん風しん")),
    Dose("水痘", "1回目", by_months(12, 15, 36), ("水痘",), date(2011, 10, 2)),
    Dose("水痘", "2回目", by_months(18, 24, 36), ("水痘",), date(2011, 10, 2)),
    Dose("日本脳炎", "1期1回目", by_months(36, 48, 90), ("日本脳炎",)),
    Dose("日本脳炎", "1期2回目", by_months(36, 48, 90), ("日本脳炎",)),
    Dose("日本脳炎", "1期追加", by_months(48, 60, 90), ("日本脳炎",)),
    Dose("日本脳炎", "2期", by_months(108, 120, 156), ("日本脳炎",)),
    Dose("二種混合（DT）", "2期", by_months(132, 144, 156), ("二種混合", "DT")),
    Dose("HPV", "1回目", by_school_year(6, 7, 10), ("HPV", "ヒトパピローマ"), None, "女"),
    Dose("HPV", "2回目", by_school_year(6, 7, 10), ("HPV", "ヒトパピローマ"), None, "女"),
    Dose("HPV", "3回目", by_school_year(6, 7, 10), ("HPV", "ヒトパピローマ"), None, "女"),
)


def _key(text: Any) -> str:
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(value.split()).upper()


def _matches(dose: Dose, vaccine: Any, given: Any) -> bool:
    name = _key(vaccine)
    return _key(given) == _key(dose.dose) and any(_key(n) in name for n in dose.names)


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def children(
    household: pd.DataFrame | None, *, as_of: date | None = None
) -> list[tuple[str, date, str]]:
    """(氏名, 生年月日, 性別) of the members younger than :data:`CHILD_AGE`, youngest last."""
    as_of = as_of or date.today()
    out: list[tuple[str, date, str]] = []
    if household is None or not len(household):
        return out
    for row in household.to_dict("records"):
        birth = _day(row.get("birth_date"))
        if birth is None or birth > as_of or age_on(birth, as_of) >= CHILD_AGE:
            continue
        sex = row.get("sex")
        out.append((str(row.get("name")), birth, str(sex) if isinstance(sex, str) else ""))
    return sorted(out, key=lambda c: c[1])


STATUS_DONE = "接種済"
STATUS_NOW = "接種できる時期です"
STATUS_LATER = "まだ先です"
STATUS_PASSED = "定期接種の期間を過ぎています"


def schedule_status(
    vaccinations: pd.DataFrame | None,
    household: pd.DataFrame | None,
    *,
    person: str | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Each child's scheduled doses (``person``: only that child) with ``person``, ``vaccine``,
    ``dose``, ``window`` (標準的な接種期間, as text), ``given`` (the day, when given), ``status``
    (:data:`STATUS_DONE`, :data:`STATUS_NOW`, :data:`STATUS_LATER` or :data:`STATUS_PASSED`) and
    ``until`` (the last day it is 定期, as text)."""
    import pandas as pd

    from ..jp.names import name_key

    as_of = as_of or date.today()
    rows: list[dict[str, Any]] = []
    records = vaccinations.to_dict("records") if vaccinations is not None else []
    for name, birth, sex in children(household, as_of=as_of):
        if person is not None and name_key(name) != name_key(person):
            continue
        mine = [r for r in records if name_key(str(r.get("person") or "")) == name_key(name)]
        used: set[int] = set()
        for dose in SCHEDULE:
            if dose.born_from is not None and birth < dose.born_from:
                continue
            if dose.sex is not None and sex != dose.sex:
                continue
            start, standard_end, legal_end = dose.window(birth)
            given = next(
                (
                    (i, r)
                    for i, r in enumerate(mine)
                    if i not in used and _matches(dose, r.get("vaccine"), r.get("dose"))
                ),
                None,
            )
            if given is not None:
                used.add(given[0])
                status = STATUS_DONE
            elif as_of < start:
                status = STATUS_LATER
            elif as_of <= legal_end:
                status = STATUS_NOW
            else:
                status = STATUS_PASSED
            rows.append(
                {
                    "person": name,
                    "vaccine": dose.vaccine,
                    "dose": dose.dose,
                    "window": f"{jp_date(start)}〜{jp_date(standard_end)}",
                    "given": _day(given[1].get("date")) if given else None,
                    "status": status,
                    "until": jp_date(legal_end),
                }
            )
    columns = ["person", "vaccine", "dose", "window", "given", "status", "until"]
    return pd.DataFrame(rows, columns=columns)


def summary_text(status: pd.DataFrame) -> str:
    """One line per child: doses given of those due by now, and what is due now."""
    if status is None or not len(status):
        return "定期接種と照らし合わせる子ども（20歳未満の世帯員）がいません。"
    lines = []
    for person, mine in status.groupby("person", sort=False):
        due = mine[mine["status"] != STATUS_LATER]
        done = int((due["status"] == STATUS_DONE).sum())
        now = mine[mine["status"] == STATUS_NOW]
        line = f"{person}: これまでの定期接種 {len(due)} 回のうち {done} 回が接種済です。"
        if len(now):
            items = "、".join(
                f"{v} {d}（{u}まで）"
                for v, d, u in zip(now["vaccine"], now["dose"], now["until"], strict=True)
            )
            line += f"いま接種できるもの: {items}。"
        passed = mine[mine["status"] == STATUS_PASSED]
        if len(passed):
            line += f"定期接種の期間を過ぎたもの {len(passed)} 回（任意接種・自費になります）。"
        lines.append(line)
    return "\n".join(lines)


__all__ = [
    "CHILD_AGE",
    "SCHEDULE",
    "SOURCE",
    "Dose",
    "children",
    "schedule_status",
    "school_entry",
    "summary_text",
]
