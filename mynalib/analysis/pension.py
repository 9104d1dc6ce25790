"""Pension record analysis for the pension notebook (pure: frames in, frames out).

Reads the ``pension_periods`` frame (:mod:`mynalib.frames`) and answers: how many months per
scheme, how many months count toward the 480 of a full 老齢基礎年金, which months since age 20 are
missing and which of them may still be paid late, and a labelled estimate of the annual amount.

Rules used (国民年金法; 日本年金機構 explanations):

* 国民年金 covers the months from the month of turning 20 to the month before turning 60, where
  "turning N" is the day before the N-th birthday (年齢計算ニ関スル法律): exactly 480 months.
* Months of 第2号 (厚生年金・共済) and 第3号 within that span count as paid. 厚生年金 months before
  20 or from 60 do not count toward 老齢基礎年金 (they feed the 経過的加算 instead).
* Exempted months count by the state's share: from 2009-04 全額免除 1/2, 4分の3免除 5/8,
  半額免除 3/4, 4分の1免除 7/8; before 2009-04 1/3, 1/2, 2/3, 5/6. 学生納付特例 and 納付猶予 count
  0 (eligibility only) unless paid later (追納).
* Late payment: 未納 months can be paid until the premium's 2-year 時効 (2 years after the due date,
  the end of the following month); exempted/deferred months can be paid by 追納 within 10 years.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..jp.age import month_age_reached
from ..jp.fmt import jp_date, yen

if TYPE_CHECKING:
    import pandas as pd

FULL_MONTHS = 480
#: 老齢基礎年金の受給資格期間 (国民年金法 第26条, from 2017-08): 10 years including exempted months
QUALIFYING_MONTHS = 120


@dataclass(frozen=True)
class FullAmount:
    """The annual full 老齢基礎年金 of one fiscal year (年度: April to March)."""

    fiscal_year: int
    amount: int  # 昭和31年4月2日以後生まれ (新規裁定者 in the years the two differ)
    amount_older: int  # 昭和31年4月1日以前生まれ
    source: str


_SRC_NENKIN = "日本年金機構「年金額の改定について」各年度版 / 厚生労働省 報道発表「{}年度の年金額改定についてお知らせします」"

#: full annual 老齢基礎年金 (満額, yen) per fiscal year, with the source of each figure
FULL_AMOUNTS: dict[int, FullAmount] = {
    fa.fiscal_year: fa
    for fa in (
        FullAmount(2019, 780_100, 780_100, _SRC_NENKIN.format("平成31") + "（2019年1月18日）"),
        FullAmount(2020, 781_700, 781_700, _SRC_NENKIN.format("令和2") + "（2020年1月24日）"),
        FullAmount(2021, 780_900, 780_900, _SRC_NENKIN.format("令和3") + "（2021年1月22日）"),
        FullAmount(2022, 777_800, 777_800, _SRC_NENKIN.format("令和4") + "（2022年1月21日）"),
        FullAmount(2023, 795_000, 792_600, _SRC_NENKIN.format("令和5") + "（2023年1月20日）"),
        FullAmount(2024, 816_000, 813_700, _SRC_NENKIN.format("令和6") + "（2024年1月19日）"),
        FullAmount(2025, 831_700, 829_300, _SRC_NENKIN.format("令和7") + "（2025年1月24日）"),
        FullAmount(
            2026,
            847_300,
            844_900,
            _SRC_NENKIN.format("令和8")
            + "（2026年1月23日；月額70,608円、昭和31年4月1日以前生まれ70,408円）",
        ),
    )
}

_OLDER_COHORT = _dt.date(1956, 4, 1)


def fiscal_year(day: _dt.date) -> int:
    """The fiscal year (年度) a date falls in: April–March."""
    return day.year if day.month >= 4 else day.year - 1


def full_amount(year: int, birth: _dt.date | None = None) -> FullAmount:
    """The table row of fiscal year ``year``; a year the table does not have is an error."""
    try:
        return FULL_AMOUNTS[year]
    except KeyError:
        raise ValueError(
            f"no full 老齢基礎年金 amount for fiscal year {year}: the table covers "
            f"{min(FULL_AMOUNTS)}–{max(FULL_AMOUNTS)}; add the year's figure with its source to "
            "mynalib.analysis.pension.FULL_AMOUNTS"
        ) from None


def _amount_for(fa: FullAmount, birth: _dt.date | None) -> int:
    return fa.amount_older if birth is not None and birth <= _OLDER_COHORT else fa.amount


# ------------------------------------------------------------------------------ vocabulary
#: normalised schemes
KOSEI = "厚生年金"
KYOSAI = "共済組合"
KOKUMIN1 = "国民年金（第1号）"
KOKUMIN3 = "国民年金（第3号）"
NINI = "国民年金（任意加入）"

#: status → (Japanese label, weight from 2009-04, weight before 2009-04)
STATUSES: dict[str, tuple[str, Fraction, Fraction]] = {
    "paid": ("納付済", Fraction(1), Fraction(1)),
    "exempt_full": ("全額免除", Fraction(1, 2), Fraction(1, 3)),
    "exempt_3q": ("4分の3免除", Fraction(5, 8), Fraction(1, 2)),
    "exempt_half": ("半額免除", Fraction(3, 4), Fraction(2, 3)),
    "exempt_1q": ("4分の1免除", Fraction(7, 8), Fraction(5, 6)),
    "student": ("学生納付特例", Fraction(0), Fraction(0)),
    "deferred": ("納付猶予", Fraction(0), Fraction(0)),
    "unpaid": ("未納", Fraction(0), Fraction(0)),
    "none": ("未加入", Fraction(0), Fraction(0)),
}
_EXEMPT = {"exempt_full", "exempt_3q", "exempt_half", "exempt_1q", "student", "deferred"}
#: better status wins when two records cover the same month
_RANK = {
    s: i
    for i, s in enumerate(
        [
            "paid",
            "exempt_1q",
            "exempt_half",
            "exempt_3q",
            "exempt_full",
            "student",
            "deferred",
            "unpaid",
            "none",
        ]
    )
}


def _nfkc(text: object) -> str:
    if text is None or (isinstance(text, float) and text != text):
        return ""
    try:
        import pandas as pd

        if pd.isna(text):
            return ""
    except (TypeError, ValueError):
        pass
    return unicodedata.normalize("NFKC", str(text)).replace(" ", "").strip()


def normalize_scheme(scheme: object) -> str:
    """Map a scheme as written in a record to one of the normalised scheme names."""
    s = _nfkc(scheme)
    if "厚生" in s or (s in {"第2号", "2号"} and "共済" not in s):
        return KOSEI
    if "共済" in s:
        return KYOSAI
    if "任意" in s:
        return NINI
    if "3号" in s:
        return KOKUMIN3
    if "国民" in s or "1号" in s or s == "国年":
        return KOKUMIN1
    return s or "不明"


def normalize_status(status: object, scheme: object = None) -> str:
    """Map a status (納付済, 未納, 全額免除…) to a key of :data:`STATUSES`; blank → paid."""
    s = _nfkc(status)
    if not s:
        return "paid"
    if "未加入" in s or "空白" in s:
        return "none"
    if "未納" in s or "滞納" in s:
        return "unpaid"
    if "学生" in s:
        return "student"
    if "猶予" in s:
        return "deferred"
    if "免除" in s:
        if "産前産後" in s or "産休" in s or "育休" in s or "育児" in s:
            return "paid"  # 産前産後免除 and 育児休業 exemptions count as paid
        if "3/4" in s or "4分の3" in s or "四分の三" in s:
            return "exempt_3q"
        if "1/4" in s or "4分の1" in s or "四分の一" in s:
            return "exempt_1q"
        if "半額" in s or "1/2" in s or "2分の1" in s:
            return "exempt_half"
        return "exempt_full"
    if "追納" in s or "後納" in s or "納付" in s or "加入" in s or "済" in s:
        return "paid"
    return "paid"


def _weight(status: str, month: pd.Period) -> Fraction:
    _, new, old = STATUSES[status]
    return new if (month.year, month.month) >= (2009, 4) else old


# ------------------------------------------------------------------------------ months
def age_month(birth: _dt.date, age: int) -> pd.Period:
    """The month in which a person reaches ``age`` — the day before the birthday, as the law
    counts it (:func:`mynalib.jp.age.month_age_reached`)."""
    import pandas as pd

    return pd.Period(month_age_reached(birth, age), freq="M")


def _period_months(row: Mapping[str, Any], as_of: pd.Period) -> list[pd.Period]:
    """Months a record covers: ``months`` from the start month when given, else start..end."""
    import pandas as pd

    start = row.get("start")
    if start is None or pd.isna(start):
        return []
    first = pd.Period(pd.Timestamp(start), freq="M")
    months = row.get("months")
    if months is not None and not pd.isna(months) and int(months) > 0:
        return list(pd.period_range(first, periods=int(months), freq="M"))
    end = row.get("end")
    last = as_of if end is None or pd.isna(end) else pd.Period(pd.Timestamp(end), freq="M")
    if last < first:
        return []
    return list(pd.period_range(first, last, freq="M"))


def monthly(
    periods: pd.DataFrame, *, birth: _dt.date | None = None, as_of: _dt.date | None = None
) -> pd.DataFrame:
    """One row per month on record (columns: month, scheme, employer, status, in_span, weight).

    Where records overlap, the best status wins (a paid month beats an exempted one). ``in_span``
    says whether the month lies in the 20–60 span that counts toward 480 (all True without
    ``birth``); ``weight`` is the share of a full month it adds to 老齢基礎年金.
    """
    import pandas as pd

    as_of_m = pd.Period(as_of or _dt.date.today(), freq="M")
    best: dict[pd.Period, tuple[str, str, str]] = {}
    for row in periods.to_dict("records"):
        scheme = normalize_scheme(row.get("scheme"))
        status = normalize_status(row.get("status"), scheme)
        if scheme in {KOSEI, KYOSAI, KOKUMIN3} and status in {"unpaid", "none"}:
            status = "paid"  # employees' and dependants' premiums are not paid individually
        employer = _nfkc(row.get("employer"))
        for m in _period_months(row, as_of_m):
            if m > as_of_m:
                continue
            have = best.get(m)
            if have is None or _RANK[status] < _RANK[have[1]]:
                best[m] = (scheme, status, employer)
    lo = hi = None
    if birth is not None:
        lo, hi = age_month(birth, 20), age_month(birth, 60)
    rows = []
    for m in sorted(best):
        scheme, status, employer = best[m]
        in_span = lo is None or hi is None or (lo <= m < hi)
        if scheme == NINI and birth is not None:
            in_span = age_month(birth, 60) <= m < age_month(birth, 65)
        weight = _weight(status, m) if in_span else Fraction(0)
        rows.append(
            {
                "month": m,
                "scheme": scheme,
                "employer": employer,
                "status": STATUSES[status][0],
                "status_key": status,
                "in_span": in_span,
                "weight": float(weight),
            }
        )
    df = pd.DataFrame(
        rows, columns=["month", "scheme", "employer", "status", "status_key", "in_span", "weight"]
    )
    df["month"] = pd.PeriodIndex(df["month"], freq="M") if len(df) else pd.Series(dtype="period[M]")
    return df


def months_by_scheme(
    periods: pd.DataFrame, *, birth: _dt.date | None = None, as_of: _dt.date | None = None
) -> pd.DataFrame:
    """Months on record per scheme and status (overlaps counted once): scheme, status, months."""
    import pandas as pd

    m = monthly(periods, birth=birth, as_of=as_of)
    if m.empty:
        return pd.DataFrame({"scheme": [], "status": [], "months": []}).astype(
            {"scheme": "string", "status": "string", "months": "Int64"}
        )
    out = (
        m.groupby(["scheme", "status"], sort=False)
        .size()
        .rename("months")
        .reset_index()
        .astype({"scheme": "string", "status": "string", "months": "Int64"})
    )
    return out


def months_toward_full(
    periods: pd.DataFrame, *, birth: _dt.date, as_of: _dt.date | None = None
) -> pd.DataFrame:
    """Months counting toward the 480 of a full 老齢基礎年金, per status.

    Columns: label, months (calendar months in the 20–60 span), counted (the months weighted by
    the state's share for exempted months, before/after 2009-04; capped so the total is ≤ 480).
    """
    import pandas as pd

    m = monthly(periods, birth=birth, as_of=as_of)
    m = m[m["in_span"].astype(bool)]
    rows = []
    for key, (label, _, _) in STATUSES.items():
        part = m[m["status_key"] == key]
        if part.empty:
            continue
        if key == "paid":
            for scheme, sp in part.groupby("scheme", sort=False):
                rows.append((f"{label}（{scheme}）", len(sp), float(sp["weight"].sum())))
        else:
            rows.append((label, len(part), float(part["weight"].sum())))
    df = pd.DataFrame(rows, columns=["label", "months", "counted"])
    total = df["counted"].sum() if len(df) else 0.0
    if total > FULL_MONTHS:  # cap: scale nothing, just clip the last rows
        excess = total - FULL_MONTHS
        for i in reversed(df.index):
            cut = min(excess, df.at[i, "counted"])
            df.at[i, "counted"] -= cut
            excess -= cut
    df["months"] = df["months"].astype("Int64")
    return df


# ------------------------------------------------------------------------------ one person
@dataclass(frozen=True)
class PensionSummary:
    """One person's months, as the pension notebook and the overview show them.

    ``qualifying_months``: months toward the 受給資格期間 (納付済 — 厚生年金・共済・第3号 included
    — and every kind of 免除・猶予・学生納付特例; 未納 and 未加入 do not count), the current
    enrolment up to ``as_of`` included. ``counted_months``: months toward the 480 of a full
    老齢基礎年金 (20–60 only, exempted months by the state's share, at most 480); None without a
    date of birth (the 20–60 span is unknown).
    """

    person: str
    birth: _dt.date | None
    as_of: _dt.date
    qualifying_months: int
    counted_months: float | None
    by_scheme: pd.DataFrame = field(repr=False, compare=False)

    @property
    def eligible(self) -> bool:
        return self.qualifying_months >= QUALIFYING_MONTHS

    @property
    def qualifying_short(self) -> int:
        """Months still missing toward the 受給資格期間 (0 once met)."""
        return max(0, QUALIFYING_MONTHS - self.qualifying_months)


def _counted(m: pd.DataFrame) -> Fraction:
    """Months toward 480 of a :func:`monthly` table (its 20–60 rows, weighted, capped)."""
    span = m[m["in_span"].astype(bool)]
    counted = Fraction(0)
    for p, key in zip(span["month"], span["status_key"], strict=True):
        counted += _weight(key, p)
    return min(counted, Fraction(FULL_MONTHS))


def _qualifying(m: pd.DataFrame) -> int:
    """Months of a :func:`monthly` table that count toward the 受給資格期間."""
    return int(m["status_key"].isin({"paid", *_EXEMPT}).sum())


def summary(
    periods: pd.DataFrame,
    *,
    person: str = "",
    birth: _dt.date | None = None,
    as_of: _dt.date | None = None,
) -> PensionSummary:
    """The months of one person's record toward 120 (受給資格期間) and toward 480 (満額).

    ``periods`` is one person's part of the ``pension_periods`` frame (overlaps are counted once,
    the current enrolment up to ``as_of``, default today). The pension notebook and the
    overview's pension figure both show this.
    """
    today = as_of or _dt.date.today()
    m = monthly(periods, birth=birth, as_of=today)
    counted = float(_counted(m)) if birth is not None else None
    return PensionSummary(
        person=person,
        birth=birth,
        as_of=today,
        qualifying_months=_qualifying(m),
        counted_months=counted,
        by_scheme=months_by_scheme(periods, birth=birth, as_of=today),
    )


def summary_table(s: PensionSummary) -> pd.DataFrame:
    """The summary as a two-column table (項目, 値) for display."""
    import pandas as pd

    rows = [
        (
            "受給資格期間に数える月数",
            f"{s.qualifying_months}か月 / {QUALIFYING_MONTHS}か月"
            + ("（満たしています）" if s.eligible else f"（あと{s.qualifying_short}か月）"),
        ),
        (
            "満額（480か月）に反映される月数",
            f"{s.counted_months:g}か月 / {FULL_MONTHS}か月"
            if s.counted_months is not None
            else "生年月日が不明のため計算できません",
        ),
    ]
    return pd.DataFrame(rows, columns=["項目", "値"])


# ------------------------------------------------------------------------------ gaps
def _month_end(p: pd.Period) -> _dt.date:
    return p.end_time.date()


def late_payment_deadline(month: pd.Period, status: str) -> _dt.date | None:
    """Last day a month's premium can still be paid: 2 years after the due date for 未納/未加入,
    10 years (追納) for exempted or deferred months; None for months that need nothing."""
    if status in {"unpaid", "none"}:
        return _month_end(month + 25)  # due the end of the next month, 時効 2 years later
    if status in _EXEMPT:
        return _month_end(month + 120)  # 追納: within the 10 years before the approval month
    return None


def gaps(periods: pd.DataFrame, *, birth: _dt.date, as_of: _dt.date | None = None) -> pd.DataFrame:
    """Months since age 20 (up to the month before 60, or ``as_of``) that are not fully counted.

    Consecutive months of the same kind and late-payment outcome form one row: start, end
    (months), months, kind (未加入/未納/全額免除/…), payable ("追納できる" / "納付できる（時効前）" /
    "時効のため納付できない"), deadline (the earliest deadline among the row's months), note.
    """
    import pandas as pd

    today = as_of or _dt.date.today()
    now = pd.Period(today, freq="M")
    m = monthly(periods, birth=birth, as_of=today)
    status_of = {p: k for p, k in zip(m["month"], m["status_key"], strict=True)}
    lo, hi = age_month(birth, 20), age_month(birth, 60)
    last = min(now - 1, hi - 1)  # the current month is not due yet
    rows: list[dict[str, object]] = []
    if last >= lo:
        for p in pd.period_range(lo, last, freq="M"):
            key = status_of.get(p, "none")
            if key == "paid":
                continue
            deadline = late_payment_deadline(p, key)
            if key in {"unpaid", "none"}:
                payable = (
                    "納付できる（時効前）"
                    if deadline and deadline >= today
                    else "時効のため納付できない"
                )
            else:
                payable = "追納できる" if deadline and deadline >= today else "追納の期限切れ"
            kind = STATUSES[key][0]
            if (
                rows
                and rows[-1]["kind"] == kind
                and rows[-1]["payable"] == payable
                and rows[-1]["end"] == p - 1
            ):
                rows[-1]["end"] = p
                rows[-1]["months"] = int(rows[-1]["months"]) + 1  # type: ignore[call-overload]
                continue
            rows.append(
                {
                    "start": p,
                    "end": p,
                    "months": 1,
                    "kind": kind,
                    "payable": payable,
                    "deadline": deadline
                    if payable in {"追納できる", "納付できる（時効前）"}
                    else None,
                    "note": _gap_note(key, payable, pre_1991=(p.year, p.month) < (1991, 4)),
                }
            )
    df = pd.DataFrame(
        rows, columns=["start", "end", "months", "kind", "payable", "deadline", "note"]
    )
    df["months"] = df["months"].astype("Int64")
    df["deadline"] = pd.to_datetime(df["deadline"]).astype("datetime64[ns]")
    return df


def gaps_text(gaps_frame: pd.DataFrame) -> str:
    """One Japanese sentence per kind of gap: months, and how many may still be paid by when."""
    if gaps_frame.empty:
        return "20歳以降で、記録のない月・未納の月・免除などの月はありません。"
    lines = []
    for kind, part in gaps_frame.groupby("kind", sort=False):
        months = int(part["months"].sum())
        payable = part[part["deadline"].notna()]
        line = f"・{kind}: {months}か月"
        if not payable.empty:
            first = payable["deadline"].min()
            line += (
                f"（うち{int(payable['months'].sum())}か月は今から納付できる可能性があります。"
                f"最も早い期限は{jp_date(first)}）"
            )
        lines.append(line)
    return "\n".join(lines)


def _gap_note(key: str, payable: str, *, pre_1991: bool = False) -> str:
    if key == "none":
        base = "加入記録がありません。記録漏れの可能性もあるため年金事務所で確認してください。"
        if pre_1991:
            base += " 1991年3月以前の学生期間などは合算対象期間（カラ期間）として受給資格期間に入る場合があります。"
    elif key == "unpaid":
        base = "保険料が未納です。"
    elif key in {"student", "deferred"}:
        base = "受給資格期間には入りますが、追納しないと年金額には反映されません。"
    else:
        base = "免除期間です（国庫負担分のみ年金額に反映）。追納すると満額分が反映されます。"
    if payable.startswith("時効") or payable.endswith("期限切れ"):
        base += " 60歳以降の任意加入で月数を増やせる場合があります。"
    return base


# ------------------------------------------------------------------------------ estimate
@dataclass
class Estimate:
    """An estimate of the annual 老齢基礎年金 (and 報酬比例部分 where the data allows)."""

    fiscal_year: int
    full_amount: int
    counted_months: float
    basic_annual: int
    projected_months: float  # counted months if every remaining month to 60 is paid
    basic_annual_projected: int
    qualifying_months: int
    eligible: bool
    employee_annual: int | None  # 報酬比例部分 (rough), None without 標準報酬 data
    assumptions: list[str] = field(default_factory=list)
    source: str = ""

    def table(self) -> pd.DataFrame:
        """The estimate as a two-column table (項目, 値) for display."""
        import pandas as pd

        rows = [
            ("使用した満額（年額）", f"{yen(self.full_amount)}（{self.fiscal_year}年度）"),
            (
                "年金額に反映される月数（これまで）",
                f"{self.counted_months:g}か月 / {FULL_MONTHS}か月",
            ),
            ("老齢基礎年金（これまでの記録のみ・年額）", yen(self.basic_annual)),
            ("60歳まで納付した場合の月数", f"{self.projected_months:g}か月"),
            ("老齢基礎年金（60歳まで納付した場合・年額）", yen(self.basic_annual_projected)),
            ("受給資格期間", f"{self.qualifying_months}か月（必要 {QUALIFYING_MONTHS}か月）"),
            (
                "老齢厚生年金 報酬比例部分（概算・年額）",
                yen(self.employee_annual)
                if self.employee_annual is not None
                else "標準報酬のデータがないため計算しません",
            ),
        ]
        return pd.DataFrame(rows, columns=["項目", "値"])

    def explain(self) -> str:
        """The assumptions and the source of the full amount, one per line (printed next to it)."""
        lines = [
            "【推計の前提】",
            *[f"・{a}" for a in self.assumptions],
            f"・満額の出典: {self.source}",
        ]
        if not self.eligible:
            lines.append(
                f"・受給資格期間が{QUALIFYING_MONTHS}か月に足りません（現在{self.qualifying_months}か月）。"
            )
        return "\n".join(lines)


def _round_100(value: Fraction) -> int:
    """Round to the nearest 100 yen, halves up (how the annual amounts are rounded)."""
    return int((value / 100 + Fraction(1, 2)) // 1) * 100


def estimate(
    periods: pd.DataFrame,
    *,
    birth: _dt.date,
    as_of: _dt.date | None = None,
    year: int | None = None,
) -> Estimate:
    """Estimate the annual 老齢基礎年金 from the record, with the assumptions spelled out.

    ``year`` is the fiscal year whose full amount is used (default: the fiscal year of ``as_of``,
    or the latest in the table when that year is not in it yet — said in the assumptions).
    """
    import pandas as pd

    today = as_of or _dt.date.today()
    fy = year if year is not None else fiscal_year(today)
    assumptions: list[str] = []
    if year is None and fy not in FULL_AMOUNTS:
        latest = max(FULL_AMOUNTS)
        assumptions.append(f"{fy}年度の満額が表にないため、{latest}年度の満額を使いました。")
        fy = latest
    fa = full_amount(fy)
    full = _amount_for(fa, birth)

    m = monthly(periods, birth=birth, as_of=today)
    counted = _counted(m)
    basic = _round_100(Fraction(full) * counted / FULL_MONTHS)

    lo, hi = age_month(birth, 20), age_month(birth, 60)
    now = pd.Period(today, freq="M")
    recorded = set(m["month"])
    future = (
        [p for p in pd.period_range(max(lo, now), hi - 1, freq="M") if p not in recorded]
        if now < hi
        else []
    )
    projected = min(counted + len(future), Fraction(FULL_MONTHS))
    basic_projected = _round_100(Fraction(full) * projected / FULL_MONTHS)

    qualifying = _qualifying(m)

    employee = _employee_estimate(periods, birth=birth, as_of=today, assumptions=assumptions)

    assumptions[:0] = [
        f"満額は{fy}年度の{yen(full)}（{'昭和31年4月1日以前' if birth <= _OLDER_COHORT else '昭和31年4月2日以後'}生まれの額）を使い、"
        "将来の年金額改定は見込んでいません。",
        "年金額 = 満額 × 反映月数 ÷ 480（100円未満四捨五入）。免除月は国庫負担分の割合"
        "（2009年4月以降：全額免除1/2・4分の3免除5/8・半額免除3/4・4分の1免除7/8）で数えています。",
        "「60歳まで納付した場合」は、記録のない今月以降の月をすべて納付すると仮定した値です。",
        "付加年金、振替加算、繰上げ・繰下げ受給、合算対象期間（カラ期間）は含めていません。",
        f"記録は{today.isoformat()}時点のデータによります。正確な額はねんきん定期便・ねんきんネットで確認してください。",
    ]
    return Estimate(
        fiscal_year=fy,
        full_amount=full,
        counted_months=float(counted),
        basic_annual=basic,
        projected_months=float(projected),
        basic_annual_projected=basic_projected,
        qualifying_months=qualifying,
        eligible=qualifying >= QUALIFYING_MONTHS,
        employee_annual=employee,
        assumptions=assumptions,
        source=fa.source,
    )


def _employee_estimate(
    periods: pd.DataFrame, *, birth: _dt.date, as_of: _dt.date, assumptions: list[str]
) -> int | None:
    """報酬比例部分 ≈ Σ 標準報酬月額 × 7.125/1000 (before 2003-04) or × 5.481/1000 (from 2003-04).

    Only when every 厚生年金/共済 record has ``monthly_remuneration``; 再評価率 and bonuses are
    ignored, so this is a rough lower estimate and labelled as one.
    """
    import pandas as pd

    if "monthly_remuneration" not in periods.columns:
        return None
    emp = periods[[normalize_scheme(s) in {KOSEI, KYOSAI} for s in periods["scheme"]]]
    if emp.empty or emp["monthly_remuneration"].isna().any():
        if not emp.empty:
            assumptions.append(
                "標準報酬月額がない厚生年金の期間があるため、報酬比例部分は計算していません。"
            )
        return None
    now = pd.Period(as_of, freq="M")
    total = Fraction(0)
    seen: set[pd.Period] = set()
    for row in emp.to_dict("records"):
        pay = int(row["monthly_remuneration"])
        for p in _period_months(row, now):
            if p in seen or p > now:
                continue
            seen.add(p)
            rate = (
                Fraction(7125, 1_000_000)
                if (p.year, p.month) < (2003, 4)
                else Fraction(5481, 1_000_000)
            )
            total += pay * rate
    assumptions.append(
        "報酬比例部分は「標準報酬月額 × 乗率（2003年3月まで7.125/1000、4月以降5.481/1000）× 月数」の"
        "概算です。再評価率・賞与・経過的加算・加給年金を含まないため、実際の額とは異なります。"
    )
    return int(total)


def full_amounts_table() -> pd.DataFrame:
    """The fiscal-year table of the full 老齢基礎年金 with sources (for the notebook)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "年度": f"{fa.fiscal_year}年度",
                "満額（年額）": yen(fa.amount),
                "昭和31年4月1日以前生まれ": yen(fa.amount_older),
                "出典": fa.source,
            }
            for fa in sorted(FULL_AMOUNTS.values(), key=lambda f: f.fiscal_year)
        ]
    )
