"""わたしの情報 as a person reads it: every category, and 「記録がありません」 where the portal said so.

Frames in, frames and Japanese texts out, for notebook 06 and the overview dashboard alike:

* :func:`answers_table`: per category (わたしの情報's menu,
  :data:`mynalib.frames.myinfo_answers.CATEGORIES`), item and person, what the newest answer was: records, nothing on record
  (status 04), or not fetched yet;
* :func:`income_table` / :func:`income_note`: 税・所得 per 年分 with only the kinds of income
  there are, and the whole 住民税所得割額;
* :func:`household_table`, and one short text per category (:func:`child_allowance_text`,
  :func:`care_text`, :func:`employment_text`, :func:`insurance_text`, :func:`bank_text`,
  :func:`vaccination_text`), each saying 「記録がありません」 for whom the portal answered 04.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ..frames.myinfo_answers import CATEGORIES, ITEM_ROWS
from ..jp.age import age_on
from ..jp.fmt import jp_date, jp_month, yen
from ..jp.names import name_key

if TYPE_CHECKING:
    import pandas as pd

NO_RECORD = "記録がありません"
HAS_RECORD = "記録あり"
NOT_FETCHED = "未取得"
#: how to fetch what is missing
FETCH_HINT = "マイナポータルから取得してください（myna fetch myinfo）。"

#: the income kinds of the ``income`` frame, in the order they are shown
INCOME_KINDS = ("salary", "business", "pension", "misc", "other")


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _day(value: Any) -> date | None:
    import pandas as pd

    if _missing(value):
        return None
    return pd.Timestamp(value).date()


def _jp_day(value: Any) -> str:
    """A day as ``2025年4月1日`` (empty when missing)."""
    day = _day(value)
    return jp_date(day) if day is not None else ""


def _people_order(people: list[str] | None) -> Any:
    rank = {name_key(p): i for i, p in enumerate(people or [])}
    return lambda name: (rank.get(name_key(str(name)), len(rank)), str(name))


# --------------------------------------------------------------------------------- answers
def answers_table(answers: pd.DataFrame | None, people: list[str] | None = None) -> pd.DataFrame:
    """One row per category, item and person: ``category``, ``item``, ``person``, ``answer``
    (記録あり / 記録がありません / 未取得) and ``as_of``. ``people``: everyone to list (their
    order is kept); an item not fetched for one of them reads 未取得."""
    import pandas as pd

    known: dict[tuple[str, str], dict[str, Any]] = {}
    names: list[str] = list(people or [])
    if answers is not None and len(answers):
        for row in answers.to_dict("records"):
            person = str(row.get("person") or "")
            known[(str(row["kind"]), name_key(person))] = row
            if all(name_key(n) != name_key(person) for n in names):
                names.append(person)
    order = _people_order(names)
    rows = []
    for category in CATEGORIES:
        for kind, item, _ in (r for r in ITEM_ROWS if r[2] == category):
            for person in sorted(names, key=order):
                row = known.get((kind, name_key(person)))
                if row is None:
                    answer, as_of = NOT_FETCHED, None
                else:
                    answer = NO_RECORD if bool(row.get("nothing_on_record")) else HAS_RECORD
                    as_of = _day(row.get("as_of"))
                rows.append(
                    {
                        "category": category,
                        "item": item,
                        "person": person,
                        "answer": answer,
                        "as_of": as_of,
                    }
                )
    return pd.DataFrame(rows, columns=["category", "item", "person", "answer", "as_of"])


def category_status(answers: pd.DataFrame | None, people: list[str] | None = None) -> pd.DataFrame:
    """The categories × people: 記録あり when any item of the category has records for the person,
    記録がありません when every answer fetched says 04, 未取得 when nothing was fetched."""
    import pandas as pd

    table = answers_table(answers, people)
    rows = []
    for (category, person), group in table.groupby(["category", "person"], sort=False):
        fetched = group[group["answer"] != NOT_FETCHED]
        if not len(fetched):
            answer = NOT_FETCHED
        elif (fetched["answer"] == HAS_RECORD).any():
            answer = HAS_RECORD
        else:
            answer = NO_RECORD
        rows.append({"category": category, "person": person, "answer": answer})
    return pd.DataFrame(rows, columns=["category", "person", "answer"])


def category_matrix(answers: pd.DataFrame | None, people: list[str] | None = None) -> pd.DataFrame:
    """:func:`category_status` as a table: a row per category (わたしの情報's order), a column
    per person."""
    table = category_status(answers, people)
    if not len(table):
        import pandas as pd

        return pd.DataFrame(index=pd.Index(list(CATEGORIES), name="category"))
    matrix = table.pivot(index="category", columns="person", values="answer")
    names = list(dict.fromkeys(table["person"]))
    matrix = matrix.reindex(index=list(CATEGORIES), columns=names)
    matrix.columns.name = None
    return matrix


def no_record_lines(
    answers: pd.DataFrame | None, kind: str, order: Sequence[str] = ()
) -> list[str]:
    """「氏名: 記録がありません」 for each person whose newest ``kind`` answer was 04 (people in
    ``order`` first)."""
    if answers is None or not len(answers):
        return []
    mine = answers[(answers["kind"] == kind) & answers["nothing_on_record"].fillna(False)]
    people = sorted((str(p) for p in mine["person"]), key=_people_order(list(order)))
    return [f"{p}: {NO_RECORD}（マイナポータルの回答: 該当なし）" for p in people]


def _in_order(df: pd.DataFrame, order: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """``df`` grouped by person, people in ``order`` first."""
    groups = [(str(p), g) for p, g in df.groupby("person", sort=False)]
    key = _people_order(list(order))
    return sorted(groups, key=lambda pg: key(pg[0]))


def _records_in_order(df: pd.DataFrame | None, order: Sequence[str]) -> list[dict[str, Any]]:
    if df is None or not len(df):
        return []
    key = _people_order(list(order))
    return sorted(df.to_dict("records"), key=lambda r: key(str(r.get("person"))))


def _fetched(answers: pd.DataFrame | None, kind: str) -> bool:
    return answers is not None and len(answers) > 0 and bool((answers["kind"] == kind).any())


def _text(
    lines: list[str], answers: pd.DataFrame | None, kind: str, order: Sequence[str] = ()
) -> str:
    lines = lines + no_record_lines(answers, kind, order)
    if lines:
        return "\n".join(lines)
    if _fetched(answers, kind):
        return NO_RECORD + "。"
    return "まだ取得していません。" + FETCH_HINT


# ---------------------------------------------------------------------------------- 税・所得
def income_table(income: pd.DataFrame | None) -> pd.DataFrame:
    """The ``income`` frame with only the kinds of income there are, and
    ``resident_levy_total`` (住民税所得割額: 市区町村民税 + 道府県民税, or the whole as given)."""
    import pandas as pd

    if income is None or not len(income):
        return pd.DataFrame(columns=["person", "year", "total_income", "resident_levy_total"])
    out = income.copy()
    municipal = out["municipal_levy"].astype("Int64")
    prefectural = out["prefectural_levy"].astype("Int64")
    both = municipal + prefectural
    out["resident_levy_total"] = both.fillna(out["resident_levy"].astype("Int64"))
    kinds = [
        c
        for kind in INCOME_KINDS
        for c in (f"{kind}_revenue", f"{kind}_income")
        if c in out.columns and out[c].notna().any()
    ]
    columns = [
        "person",
        "year",
        *kinds,
        "total_income",
        "taxable_standard",
        "municipal_levy",
        "prefectural_levy",
        "resident_levy_total",
        "tax_status",
    ]
    if out["other_kinds"].notna().any():
        columns.insert(2 + len(kinds), "other_kinds")
    return out[columns].sort_values(["year", "person"], kind="stable").reset_index(drop=True)


def income_note(income: pd.DataFrame | None, order: Sequence[str] = ()) -> str:
    """What the 税・所得 figures are, and each person's latest 年分 in one line."""
    if income is None or not len(income):
        return "税・所得の記録はまだありません。" + FETCH_HINT
    lines = [
        "所得割額は、その年分の所得に対する翌年度の住民税です（例: 2025年分 → 令和8年度）。"
        "課税標準額は総所得金額等から所得控除を引いた額です。"
    ]
    table = income_table(income)
    for person, mine in _in_order(table, order):
        last = mine.sort_values("year").iloc[-1]
        levy = last["resident_levy_total"]
        levy_text = "" if _missing(levy) else f"、住民税所得割額 {yen(int(levy))}"
        status = "" if _missing(last["tax_status"]) else f"（{last['tax_status']}）"
        lines.append(
            f"{person}: {int(last['year'])}年分 総所得金額等 {yen(int(last['total_income']))}"
            f"{levy_text}{status}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- 世帯情報
def household_table(members: pd.DataFrame | None, *, as_of: date | None = None) -> pd.DataFrame:
    """The members with their age today (``age``, 満年齢 as the law counts it)."""
    import pandas as pd

    as_of = as_of or date.today()
    columns = ["name", "relation", "birth_date", "age", "sex", "head"]
    if members is None or not len(members):
        return pd.DataFrame(columns=columns)
    out = members.copy()
    out["age"] = [
        age_on(b, as_of) if b is not None and b <= as_of else None
        for b in (_day(v) for v in out["birth_date"])
    ]
    out["age"] = out["age"].astype("Int64")
    return out[columns].reset_index(drop=True)


def household_text(members: pd.DataFrame | None, answers: pd.DataFrame | None) -> str:
    """How many members, and who is the 世帯主."""
    if members is None or not len(members):
        return _text([], answers, "portal_household")
    head = members[members["head"].fillna(False).astype(bool)]
    who = f"世帯主は {head['name'].iloc[0]} です。" if len(head) else ""
    return f"世帯員は {len(members)} 人です。{who}"


# ------------------------------------------------------------------------------ 子ども・子育て
def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def child_allowance_text(
    allowance: pd.DataFrame | None,
    answers: pd.DataFrame | None,
    order: Sequence[str] = (),
    *,
    as_of: date | None = None,
) -> str:
    """児童手当: who receives it for whom, how much, until when, and what is still to come."""
    as_of = as_of or date.today()
    lines = []
    for row in allowance.to_dict("records") if allowance is not None else []:
        amount = row.get("monthly_amount")
        last = row.get("last_month")
        line = f"{row.get('recipient') or row.get('person')}: {row.get('child')} の児童手当"
        if not _missing(amount):
            line += f" 月額 {yen(int(amount))}"
        if not _missing(row.get("status")):
            line += f"（{row['status']}）"
        if not _missing(last):
            line += f"、{jp_month(last.year, last.month)}分まで"
            months = _months_between(
                date(as_of.year, as_of.month, 1), date(last.year, last.month, 1)
            )
            if months > 0 and not _missing(amount):
                line += f"（あと {months} か月、{yen(int(amount) * months)} の見込み）"
        lines.append(line + "。")
    return _text(lines, answers, "portal_childcare", order)


# ---------------------------------------------------------------------------------- 福祉・介護
def care_text(
    care: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """介護保険: the 認定, its period, the 負担割合 and the 保険料."""
    lines = []
    for row in care.to_dict("records") if care is not None else []:
        start, end = _day(row.get("start")), _day(row.get("end"))
        period = f"（{jp_date(start)}〜{jp_date(end)}）" if start and end else ""
        line = f"{row.get('person')}: {row.get('care_level') or row.get('certification') or ''}{period}"
        if not _missing(row.get("copay")):
            line += f"、負担割合 {row['copay']}"
        if not _missing(row.get("annual_premium")):
            line += f"、介護保険料 年額 {yen(int(row['annual_premium']))}"
            if not _missing(row.get("premium_stage")):
                line += f"（{row['premium_stage']}）"
        lines.append(line + "。")
    return _text(lines, answers, "portal_care", order)


# ---------------------------------------------------------------------------------- 雇用保険
def employment_text(
    employment: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """雇用保険: where each person is insured now, or their last 離職."""
    lines = []
    if employment is not None and len(employment):
        for person, mine in _in_order(employment, order):
            current = mine[mine["insured"].fillna(False).astype(bool)]
            if len(current):
                row = current.iloc[-1]
                lines.append(
                    f"{person}: {row['employer']} で加入中（{_jp_day(row['acquired_on'])}"
                    " 資格取得）。"
                )
                continue
            row = mine.sort_values("left_on").iloc[-1]
            left = _day(row["left_on"])
            reason = "" if _missing(row["loss_reason"]) else f"（{row['loss_reason']}）"
            when = jp_date(left) if left else ""
            lines.append(
                f"{person}: いまは加入していません。最後は {row['employer']}、{when} 離職{reason}。"
            )
    return _text(lines, answers, "portal_employment", order)


# ----------------------------------------------------------------------------- 健康保険証
def insurance_text(
    cards: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """健康保険証（資格情報）: each person's valid enrolment (保険者, 本人/家族, 負担割合)."""
    lines = []
    if cards is not None and len(cards):
        for person, mine in _in_order(cards, order):
            valid = mine[mine["valid"].fillna(False).astype(bool)]
            if not len(valid):
                lines.append(f"{person}: 有効な資格はありません。")
                continue
            row = valid.iloc[-1]
            copay = "" if _missing(row["copay"]) else f"、負担割合 {row['copay']}"
            lines.append(
                f"{person}: {row['insurer']}（{row['relation']}、"
                f"{_jp_day(row['acquired_on'])} 資格取得{copay}）。"
            )
    return _text(lines, answers, "portal_insurance_card", order)


# --------------------------------------------------------------------------------- 予防接種
def vaccination_text(
    vaccinations: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """予防接種: how many doses each person has on record and the latest one."""
    lines = []
    if vaccinations is not None and len(vaccinations):
        for person, mine in _in_order(vaccinations, order):
            last = mine.sort_values("date").iloc[-1]
            lines.append(
                f"{person}: {len(mine)} 回の記録（最新: {_jp_day(last['date'])} "
                f"{last['vaccine']} {last['dose']}）。"
            )
    return _text(lines, answers, "portal_vaccinations", order)


# ----------------------------------------------------------------------------- 公金受取口座
def bank_text(
    bank: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """公金受取口座: registered or not, and which account (the number masked)."""
    from ..apply.bank import statuses_from_frames

    key = _people_order(list(order))
    statuses = sorted(statuses_from_frames(bank, None), key=lambda s: key(s.person))
    lines = [f"{s.person}: {s.text().removeprefix('公金受取口座: ')}" for s in statuses]
    return _text(lines, answers, "portal_bank_account", order)


# ----------------------------------------------------------------------- every category
#: the frames :func:`category_lines` reads (each optional)
OVERVIEW_FRAMES = (
    "myinfo_answers",
    "income",
    "bank_account",
    "household_members",
    "child_allowance",
    "care_insurance",
    "employment_insurance",
    "insurance_cards",
    "vaccinations",
    "pension_periods",
)


def pension_text(
    periods: pd.DataFrame | None, answers: pd.DataFrame | None, order: Sequence[str] = ()
) -> str:
    """年金: how many enrolment periods each person has on record and the current one."""
    lines = []
    if periods is not None and len(periods):
        for person, mine in _in_order(periods, order):
            current = mine[mine["end"].isna()]
            now = ""
            if len(current):
                row = current.iloc[-1]
                now = f"、加入中: {row['scheme']}"
            lines.append(f"{person}: 加入記録 {len(mine)} 件{now}。")
    return _text(lines, answers, "portal_pension", order)


def category_lines(
    data: dict[str, Any], order: Sequence[str] = (), *, as_of: date | None = None
) -> dict[str, list[str]]:
    """Each category of わたしの情報 (in its order) → the lines a person reads about it, from the
    frames in ``data`` (:data:`OVERVIEW_FRAMES`; a missing one counts as not fetched): who has
    what, and 「記録がありません」 for whom the portal answered 04."""
    answers = data.get("myinfo_answers")

    def lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if line]

    income = data.get("income")
    tax = lines(income_note(income, order))[1:] if income is not None and len(income) else []
    tax += no_record_lines(answers, "portal_tax", order)
    if not tax:
        tax = lines(_text([], answers, "portal_tax", order))
    members = data.get("household_members")
    household = lines(household_text(members, answers))
    if members is not None and len(members):
        table = household_table(members, as_of=as_of)
        household += [
            f"{r['name']}（{r['relation']}、{'' if _missing(r['age']) else str(r['age']) + '歳'}）"
            for r in table.to_dict("records")
        ]

    def tagged(tag: str, text: Sequence[str]) -> list[str]:
        return [f"【{tag}】{line}" for line in text]

    health = tagged(
        "健康保険証", lines(insurance_text(data.get("insurance_cards"), answers, order))
    )
    health += tagged("予防接種", lines(vaccination_text(data.get("vaccinations"), answers, order)))
    bank = lines(bank_text(data.get("bank_account"), answers, order))
    out = {
        "健康・医療": health,
        "税・所得・口座": tagged("税・所得", tax) + tagged("公金受取口座", bank),
        "年金": lines(pension_text(data.get("pension_periods"), answers, order)),
        "子ども・子育て": lines(
            child_allowance_text(data.get("child_allowance"), answers, order, as_of=as_of)
        ),
        "世帯情報": household,
        "福祉・介護": lines(care_text(data.get("care_insurance"), answers, order)),
        "雇用保険": lines(employment_text(data.get("employment_insurance"), answers, order)),
    }
    return {category: list(dict.fromkeys(out[category])) for category in CATEGORIES}


__all__ = [
    "FETCH_HINT",
    "HAS_RECORD",
    "NOT_FETCHED",
    "NO_RECORD",
    "answers_table",
    "bank_text",
    "care_text",
    "category_lines",
    "category_matrix",
    "category_status",
    "child_allowance_text",
    "employment_text",
    "household_table",
    "household_text",
    "income_note",
    "income_table",
    "insurance_text",
    "no_record_lines",
    "pension_text",
    "vaccination_text",
]
