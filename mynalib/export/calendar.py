"""Procedure deadlines as an iCalendar (.ics) file.

One all-day event per planned procedure that has a computed deadline, with a reminder three days
before. UIDs are stable (procedure id + deadline), so importing the file again updates the same
events instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import write_private

if TYPE_CHECKING:
    from icalendar import Calendar

    from ..procedures import PlannedProcedure

PRODID = "-//mynalib//procedure deadlines//JA"


def deadlines_calendar(
    rows: Iterable[PlannedProcedure | tuple[dict[str, Any], date | None, bool]],
    *,
    event: str | None = None,
    event_date: date | None = None,
    alarm_days: int = 3,
    now: datetime | None = None,
) -> Calendar:
    """An ``icalendar.Calendar`` with one all-day VEVENT per row that has a deadline.

    ``rows`` are what :func:`mynalib.procedures.plan` returns (procedure, deadline, overdue).
    Rows without a deadline are left out (their rule is text only).
    """
    from icalendar import Alarm, Calendar, Event

    from ..procedures import CLOSED_DAY_NOTE, EVENTS, closed_day_hint

    stamp = now or datetime.now(timezone.utc)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    title = "手続の期限"
    if event:
        title += f"（{EVENTS.get(event, event)}"
        title += f" {event_date.isoformat()}）" if event_date else "）"
    cal.add("x-wr-calname", title)
    for procedure, deadline, _overdue in rows:
        if deadline is None:
            continue
        ev = Event()
        ev.add("uid", f"{procedure['procedure_id']}-{deadline.isoformat()}@mynalib")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", deadline)
        ev.add("dtend", deadline + timedelta(days=1))
        ev.add("summary", f"期限: {procedure['name']}")
        lines = [
            f"期限: {procedure['deadline_rule']}",
            f"根拠: {procedure['legal_basis']}",
            f"申請できる人: {procedure['who_can_apply']}",
        ]
        if procedure.get("attachments"):
            lines.append("必要なもの: " + "、".join(procedure["attachments"]))
        lines.append("オンライン申請: " + ("可" if procedure.get("online") else "不可"))
        hint = closed_day_hint(deadline)
        if hint:
            lines.append(hint)
        lines.append(CLOSED_DAY_NOTE)
        ev.add("description", "\n".join(lines))
        ev.add("categories", [procedure["category"]])
        ev.add("transp", "TRANSPARENT")
        if alarm_days > 0:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{alarm_days}日後が期限: {procedure['name']}")
            alarm.add("trigger", timedelta(days=-alarm_days))
            ev.add_component(alarm)
        cal.add_component(ev)
    return cal


def write_deadlines_ics(
    path: str | Path,
    rows: Iterable[PlannedProcedure | tuple[dict[str, Any], date | None, bool]],
    **kwargs: Any,
) -> int:
    """Write the calendar to ``path`` (written to a temporary file first, then renamed).

    Returns the number of events written.
    """
    cal = deadlines_calendar(rows, **kwargs)
    data = cal.to_ical()
    write_private(path, data)
    return sum(1 for c in cal.walk("VEVENT"))


def deadlines_ics_bytes(
    rows: Iterable[PlannedProcedure | tuple[dict[str, Any], date | None, bool]],
    **kwargs: Any,
) -> bytes:
    """The calendar as bytes (for a download button)."""
    return bytes(deadlines_calendar(rows, **kwargs).to_ical())
