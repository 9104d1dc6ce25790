"""Days offices are closed (土日・祝日・年末年始) and the planner's hint for a deadline on one.

The holiday lists are the Cabinet Office's (内閣府「国民の祝日について」) for the years checked:
2020 and 2021 with the Olympic moves, 2025–2027 with 振替休日 and 国民の休日.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mynalib import procedures as P
from mynalib.jp.holidays import closed_reason, holidays, next_open_day

OFFICIAL = {
    2020: "1/1 1/13 2/11 2/23 2/24 3/20 4/29 5/3 5/4 5/5 5/6 7/23 7/24 8/10 9/21 9/22 11/3 11/23",
    2021: "1/1 1/11 2/11 2/23 3/20 4/29 5/3 5/4 5/5 7/22 7/23 8/8 8/9 9/20 9/23 11/3 11/23",
    2025: (
        "1/1 1/13 2/11 2/23 2/24 3/20 4/29 5/3 5/4 5/5 5/6 7/21 8/11 9/15 9/23 10/13 11/3 "
        "11/23 11/24"
    ),
    2026: "1/1 1/12 2/11 2/23 3/20 4/29 5/3 5/4 5/5 5/6 7/20 8/11 9/21 9/22 9/23 10/12 11/3 11/23",
    2027: "1/1 1/11 2/11 2/23 3/21 3/22 4/29 5/3 5/4 5/5 7/19 8/11 9/20 9/23 10/11 11/3 11/23",
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_holidays_are_the_official_list(year: int) -> None:
    expected = [
        dt.date(year, int(m), int(d)) for m, d in (md.split("/") for md in OFFICIAL[year].split())
    ]
    assert list(holidays(year)) == expected


def test_names_and_kinds() -> None:
    assert holidays(2026)[dt.date(2026, 9, 22)] == "休日（国民の休日）"
    assert holidays(2026)[dt.date(2026, 5, 6)] == "休日（振替休日）"
    assert holidays(2026)[dt.date(2026, 3, 20)] == "春分の日"
    assert closed_reason(dt.date(2026, 5, 16)) == "土曜日"
    assert closed_reason(dt.date(2026, 3, 15)) == "日曜日"
    assert closed_reason(dt.date(2025, 12, 29)) == "年末年始"
    assert closed_reason(dt.date(2026, 1, 2)) == "年末年始"  # a Friday, still closed
    assert closed_reason(dt.date(2026, 1, 5)) is None
    with pytest.raises(ValueError, match="2020"):
        holidays(2019)


def test_next_open_day() -> None:
    assert next_open_day(dt.date(2026, 5, 14)) == dt.date(2026, 5, 14)  # open: itself
    assert next_open_day(dt.date(2026, 5, 16)) == dt.date(2026, 5, 18)
    assert next_open_day(dt.date(2026, 1, 10)) == dt.date(2026, 1, 13)  # Sat, Sun, 成人の日
    assert next_open_day(dt.date(2025, 12, 30)) == dt.date(2026, 1, 5)  # 年末年始, then Sat/Sun
    assert next_open_day(dt.date(2026, 9, 19)) == dt.date(2026, 9, 24)  # the silver week


def test_the_planner_names_a_deadline_on_a_closed_day() -> None:
    # 確定申告 of 2025: 2026-03-15 is a Sunday (国税通則法 第10条: the 16th)
    deadline = P.deadline_for(P.get("kakutei_shinkoku"), dt.date(2025, 12, 31))
    assert deadline == dt.date(2026, 3, 15)  # the legal date stays what the planner shows
    hint = P.closed_day_hint(deadline)
    assert hint is not None and "日曜日" in hint and "2026-03-16" in hint
    assert "国民の休日" in (P.closed_day_hint(dt.date(2026, 9, 22)) or "")
    assert "祝日（成人の日）" in (P.closed_day_hint(dt.date(2026, 1, 12)) or "")
    assert P.closed_day_hint(dt.date(2026, 5, 14)) is None
    assert P.closed_day_hint(dt.date(2150, 5, 16)) is None  # holidays unknown: no claim


def test_the_calendar_and_the_planner_page_carry_the_hint() -> None:
    from icalendar import Calendar

    from mynalib.export.calendar import deadlines_ics_bytes
    from mynalib.widgets import LifeEventPlanner
    from mynalib.widgets.common import MemoryState

    rows = P.plan("birth", dt.date(2026, 5, 1), today=dt.date(2026, 5, 3))
    cal = Calendar.from_ical(
        deadlines_ics_bytes(rows, event="birth", event_date=dt.date(2026, 5, 1))
    )
    notes = {str(e["summary"]): str(e["description"]) for e in cal.walk("VEVENT")}
    assert "2026-05-16は土曜日です" in notes["期限: 児童手当 認定請求"]
    assert "翌開庁日（2026-05-18）" in notes["期限: 児童手当 認定請求"]
    assert "2026-05-14は" not in notes["期限: 出生届"]  # 5/14 is a Thursday: no hint
    assert "まで受け付けられます" not in notes["期限: 出生届"]
    widget = LifeEventPlanner(
        MemoryState(), today=dt.date(2026, 5, 3), event="birth", event_date=dt.date(2026, 5, 1)
    )
    assert "2026-05-16は土曜日です" in widget.table.value
    assert widget.table.value.count("myna-closed-day") == sum(
        1 for r in rows if r.deadline is not None and P.closed_day_hint(r.deadline)
    )


def test_a_changed_holiday_list_does_not_change_the_calendar() -> None:
    mine = holidays(2026)
    mine.clear()
    assert closed_reason(dt.date(2026, 5, 6)) == "休日（振替休日）"
    assert len(holidays(2026)) == 18
