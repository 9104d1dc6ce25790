"""The pension record of taro and hanako, and the pension CSVs written from it.

One row per enrolment period, as copied from a 被保険者記録照会回答票 into the project's template
(``sample_data/templates/nenkin_template.csv``, the format :mod:`mynalib.sources.nenkin_csv`
reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..jp import fmt
from .household import person


@dataclass(frozen=True)
class PensionPeriod:
    person_id: str
    scheme: str  # 国民年金 / 厚生年金
    category: str  # 第1号 / 第2号 / 第3号 / 任意未加入
    employer: str
    start: date  # first day covered
    end: date | None  # last day covered (None: still enrolled)
    monthly_remuneration: int | None  # 標準報酬月額 (厚生年金 only)
    status: str  # 納付済 / 未納 / 未加入 / 加入中

    def months(self, as_of: date = date(2025, 12, 31)) -> int:
        last = self.end or as_of
        return (last.year - self.start.year) * 12 + last.month - self.start.month + 1


_PENSION: tuple[PensionPeriod, ...] = (
    # taro: a student before April 1991 could stay out of 国民年金 (任意加入): 12 months missing
    PensionPeriod(
        "taro", "国民年金", "任意未加入", "", date(1990, 4, 1), date(1991, 3, 31), None, "未加入"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(1991, 4, 1), date(1993, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本電機株式会社",
        date(1993, 4, 1),
        date(1998, 3, 31),
        220000,
        "納付済",
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本電機株式会社",
        date(1998, 4, 1),
        date(2003, 9, 30),
        340000,
        "納付済",
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2003, 10, 1), date(2004, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2004, 4, 1), date(2004, 12, 31), None, "未納"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2005, 1, 1), date(2005, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本商事株式会社",
        date(2005, 4, 1),
        date(2012, 3, 31),
        360000,
        "納付済",
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本商事株式会社",
        date(2012, 4, 1),
        date(2018, 8, 31),
        440000,
        "納付済",
    ),
    PensionPeriod(
        "taro", "厚生年金", "第2号", "見本商事株式会社", date(2018, 9, 1), None, 500000, "加入中"
    ),
    # hanako: 第3号 while married to taro as an employee; 第1号 while he was not, and from 2023
    PensionPeriod(
        "hanako", "国民年金", "第1号", "", date(1993, 9, 1), date(1996, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako",
        "厚生年金",
        "第2号",
        "架空旅行株式会社",
        date(1996, 4, 1),
        date(2001, 6, 30),
        240000,
        "納付済",
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2001, 7, 1), date(2003, 9, 30), None, "納付済"
    ),
    PensionPeriod(
        "hanako", "国民年金", "第1号", "", date(2003, 10, 1), date(2005, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2005, 4, 1), date(2018, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako",
        "厚生年金",
        "第2号",
        "見本マート株式会社",
        date(2018, 4, 1),
        date(2020, 3, 31),
        104000,
        "納付済",
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2020, 4, 1), date(2023, 3, 31), None, "納付済"
    ),
    PensionPeriod("hanako", "国民年金", "第1号", "", date(2023, 4, 1), None, None, "加入中"),
)


def pension_history() -> list[dict[str, Any]]:
    """taro's and hanako's pension record, one dict per period (as of 2025-12)::

        {"person_id": "taro", "person": "見本　太郎", "scheme": "厚生年金" | "国民年金",
         "category": "第1号" | "第2号" | "第3号" | "任意未加入", "employer": "見本商事株式会社" | "",
         "start": datetime.date(2005, 4, 1),      # 資格取得日 (first day)
         "end": datetime.date(2012, 4, 1) | None,  # 資格喪失日 (the day AFTER the last day)
         "last_day": datetime.date(2012, 3, 31) | None,   # None: still enrolled
         "months": 84, "monthly_remuneration": 360000 | None,
         "status": "納付済" | "未納" | "未加入" | "加入中"}

    ``end`` follows the pension record (and the ``pension_periods`` frame): the 資格喪失日; ``months``
    counts from the month of ``start`` to the month before the month of ``end`` (or to 2025-12).
    taro has 12 months 未加入 (a student before April 1991, when students could stay out) and 9
    months 未納 (2004); hanako is 第3号 in three stretches (never while taro was on 国民年金) and
    pays 国民年金 by 2年前納 from April 2023.
    """
    return [
        {
            "person_id": pp.person_id,
            "person": person(pp.person_id).name,
            "scheme": pp.scheme,
            "category": pp.category,
            "employer": pp.employer,
            "start": pp.start,
            "end": pp.end + timedelta(days=1) if pp.end else None,
            "last_day": pp.end,
            "months": pp.months(),
            "monthly_remuneration": pp.monthly_remuneration,
            "status": pp.status,
        }
        for pp in _PENSION
    ]


def _wareki(d: date, style: str) -> str:
    """``H5.4.1`` ("abbr"), ``平成5年4月1日`` ("kanji"), ``1993-04-01`` ("iso"), ``1993/4/1``."""
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    return fmt.wareki(d, style=style)


#: header of the pension CSV (the template in sample_data/templates/)
NENKIN_HEADER = ("制度", "事業所", "資格取得日", "資格喪失日", "月数", "標準報酬月額", "種別")


def nenkin_csv(person_id: str) -> bytes:
    """The pension CSV of ``person_id`` in the project template's format.

    One row per period; 制度 names the 号 for 国民年金 (``国民年金（第3号）``), 種別 the payment
    status; dates rotate through 和暦 (``H5.4.1``, ``平成5年4月1日``) and Western styles; some
    月数 are left empty (the importer computes them); 標準報酬月額 sometimes with separators.
    """
    p = person(person_id)
    rows = [pp for pp in _PENSION if pp.person_id == person_id]
    styles = ("abbr", "kanji", "iso", "slash")
    lines = [
        "# 年金記録 — 被保険者記録照会回答票から転記 (mynalib SAMPLE: fictional person)",
        f"# 氏名: {p.name}",
        ",".join(NENKIN_HEADER),
    ]
    for i, pp in enumerate(rows):
        style = styles[i % len(styles)]
        scheme = pp.scheme
        if pp.scheme == "国民年金" and pp.category in ("第1号", "第3号"):
            scheme = f"国民年金（{pp.category}）"
        loss = pp.end + timedelta(days=1) if pp.end else None
        months = str(pp.months()) if loss is not None and i % 3 != 2 else ""
        rem = pp.monthly_remuneration
        rem_text = "" if rem is None else (f'"{rem:,}"' if i % 2 else str(rem))
        lines.append(
            ",".join(
                (
                    scheme,
                    pp.employer,
                    _wareki(pp.start, style),
                    _wareki(loss, style) if loss else "",
                    months,
                    rem_text,
                    pp.status,
                )
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def nenkin_files() -> list[tuple[str, bytes]]:
    """(relative path, bytes) of the pension CSVs of taro and hanako."""
    return [(f"nenkin/nenkin_{pid}.csv", nenkin_csv(pid)) for pid in ("taro", "hanako")]
