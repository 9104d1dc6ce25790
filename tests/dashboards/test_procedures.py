"""The procedure catalogue and the life-event planner (no browser)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynalib import procedures as P

REQUIRED = {
    "procedure_id",
    "name",
    "category",
    "life_event",
    "audience",
    "deadline_rule",
    "deadline_days",
    "online",
    "signature_required",
    "attachments",
    "legal_basis",
    "who_can_apply",
    "description",
}


def test_catalogue_shape() -> None:
    assert len(P.CATALOGUE) >= 40
    ids = [p["procedure_id"] for p in P.CATALOGUE]
    assert len(ids) == len(set(ids))
    json.dumps(P.CATALOGUE, ensure_ascii=False)  # the sandbox serves it as JSON
    for proc in P.CATALOGUE:
        assert REQUIRED <= set(proc), proc["procedure_id"]
        assert proc["category"] in P.CATEGORIES
        assert proc["life_event"] in P.LIFE_EVENTS
        assert proc["audience"] in P.AUDIENCES
        assert set(proc["events"]) <= set(P.EVENTS)
        rules = [proc["deadline_days"], proc["deadline_months"], proc["deadline_fixed"]]
        assert sum(r is not None for r in rules) <= 1, proc["procedure_id"]
        assert proc["name"] and proc["legal_basis"] and proc["description"]


def test_every_planner_event_has_procedures() -> None:
    for key in ("birth", "moving", "job_start", "job_leave", "turning_65", "care"):
        assert P.plan(key, date(2026, 4, 1)), key


def test_birth_deadlines() -> None:
    birth = date(2026, 5, 1)
    plan = P.plan("birth", birth, today=date(2026, 5, 10))
    by_id = {row.procedure["procedure_id"]: row for row in plan}
    # 児童手当: 15 days from the day after the birth (15日特例)
    assert by_id["jidou_teate_nintei"].deadline == date(2026, 5, 16)
    # 出生届: 14 days counting the day of birth (戸籍法 第43条)
    assert by_id["shussei_todoke"].deadline == date(2026, 5, 14)
    # 出産育児一時金: 2 years
    assert by_id["shussan_ikuji_ichijikin"].deadline == date(2028, 5, 1)
    assert not by_id["jidou_teate_nintei"].overdue
    # sorted: dated ones first, ascending; undated last
    dated = [r.deadline for r in plan if r.deadline is not None]
    assert dated == sorted(dated)
    seen_none = False
    for row in plan:
        if row.deadline is None:
            seen_none = True
        else:
            assert not seen_none
    # the Japanese label works too
    assert [
        r.procedure["procedure_id"] for r in P.plan("出産", birth, today=date(2026, 5, 10))
    ] == [r.procedure["procedure_id"] for r in plan]


def test_overdue_is_relative_to_today() -> None:
    rows = P.plan("birth", date(2026, 5, 1), today=date(2026, 5, 17))
    by_id = {r.procedure["procedure_id"]: r for r in rows}
    assert by_id["jidou_teate_nintei"].overdue
    assert by_id["shussei_todoke"].overdue
    assert not by_id["shussan_ikuji_ichijikin"].overdue
    on_the_day = {
        r.procedure["procedure_id"]: r
        for r in P.plan("birth", date(2026, 5, 1), today=date(2026, 5, 16))
    }
    assert not on_the_day["jidou_teate_nintei"].overdue  # the last day itself is not late


def test_fixed_date_and_months() -> None:
    assert P.deadline_for(P.get("kakutei_shinkoku"), date(2025, 12, 31)) == date(2026, 3, 15)
    assert P.deadline_for(P.get("furusato_one_stop"), "2025-06-01") == date(2026, 1, 10)
    assert P.deadline_for(P.get("souzokuzei_shinkoku"), date(2026, 1, 31)) == date(2026, 11, 30)
    assert P.deadline_for(P.get("jun_kakutei_shinkoku"), date(2025, 10, 31)) == date(2026, 2, 28)
    assert P.deadline_for(P.get("hoikusho_moushikomi"), date(2026, 1, 1)) is None
    # moving: 14 days from the move, not counting the day itself
    assert P.deadline_for(P.get("tennyu_todoke"), date(2026, 3, 20)) == date(2026, 4, 3)
    # 国保 脱退 counts from the day the new insurance starts (inclusive)
    assert P.deadline_for(P.get("kokuho_dattai"), date(2026, 4, 1)) == date(2026, 4, 14)


def test_unknown_event_and_id() -> None:
    with pytest.raises(KeyError):
        P.plan("wedding-on-mars", date(2026, 1, 1))
    with pytest.raises(KeyError):
        P.get("nope")


def test_search_filters_agree_with_the_catalogue() -> None:
    online = P.search(online=True)
    assert online and all(p["online"] for p in online)
    assert len(online) == sum(1 for p in P.CATALOGUE if p["online"])
    care = P.search(category="介護", signature_required=True)
    assert care == [p for p in P.CATALOGUE if p["category"] == "介護" and p["signature_required"]]
    assert [p["procedure_id"] for p in P.search("児童手当")][:1] == ["jidou_teate_nintei"]
    # full-width / half-width and several words
    assert P.search("ＦＵＲＵＳＡＴＯ") == []
    assert {p["procedure_id"] for p in P.search("国民健康保険 14日")} >= {"kokuho_tennyu"}
    assert P.search("存在しないキーワード") == []


def test_procedures_frame() -> None:
    df = P.procedures_frame()
    assert len(df) == len(P.CATALOGUE)
    assert str(df["deadline_days"].dtype) == "Int64"
    assert df.loc[df["procedure_id"] == "jidou_teate_nintei", "deadline_days"].item() == 15


@given(
    event=st.sampled_from(sorted(P.EVENTS)),
    when=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2095, 12, 31)),
)
def test_plan_properties(event: str, when: date, today: date) -> None:
    rows = P.plan(event, when, today=today)
    dated = [r.deadline for r in rows if r.deadline is not None]
    assert dated == sorted(dated)
    for row in rows:
        proc = row.procedure
        assert event in proc["events"]
        if row.deadline is None:
            assert not row.overdue
            continue
        assert row.deadline >= when  # never before the event
        assert row.overdue == (row.deadline < today)
        if proc["deadline_days"] is not None:
            delta = (row.deadline - when).days
            days = proc["deadline_days"]
            assert delta == (days - 1 if proc["first_day_counts"] and days else days)
