"""高額療養費: an estimate of what is refunded (or never paid) above the monthly limit.

The 医療費通知's 窓口相当負担額 is counted before 高額療養費: of a month in hospital, most of the
30% share is usually paid back by the insurer, or never paid at the counter (限度額適用認定証,
マイナ保険証). What comes back is 補填 and must be subtracted in the 医療費控除. This module
estimates it per insurance household and month from the ``medical_expenses`` frame, with the
自己負担限度額 table of :mod:`mynalib.tax.rules` (厚生労働省):

* the income class (区分ア–オ) comes from the settings; when they are silent
  :data:`~mynalib.tax.rules.KOGAKU_DEFAULT_CLASS` is assumed, and said so;
* the age band per person and month: 70歳以上 from the month after the 70th birthday month is
  reached (:func:`mynalib.jp.age.month_age_counts_from`); unknown birth dates count as under 70;
* 70歳以上: the per-person 外来 limit first (一般・低所得), then the household limit;
* 70歳未満: only claims (one 医療費通知 block = one レセプト) with at least 21,000円 count, added to
  what remains of the 70歳以上 members (世帯合算), against the under-70 limit;
* 世帯合算 joins the people whose claims name the same 保険者 in the month (the data cannot
  tell two insurance households of one insurer apart: an assumption, said so);
* 多数回該当: the lower limit from the 4th month within 12 in which the household reached its
  limit, counting the earlier months in the data only.

Left out (said in :attr:`HighCostEstimate.assumptions`): the yearly 外来 cap of 144,000円
(70歳以上 一般), 付加給付 of 健康保険組合, a 調剤 claim's joining with its prescriber's claim, and
食事療養 standard charges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..jp.age import month_age_counts_from
from ..jp.fmt import jp_month, yen
from .rules import (
    KOGAKU_70_PLUS,
    KOGAKU_DEFAULT_CLASS,
    KOGAKU_TABLE_CHECKED_THROUGH,
    KOGAKU_UNDER_70,
    KOGAKU_UNDER_70_CLAIM_FLOOR,
    SRC_KOGAKU,
    SRC_KOGAKU_AGE,
    HighCostLimit,
)

if TYPE_CHECKING:
    import pandas as pd

#: 診療区分 that are 外来 for the 70歳以上 per-person limit (the rest counts as 入院)
OUTPATIENT = frozenset({"医科外来", "歯科外来", "調剤", "訪問看護"})


@dataclass(frozen=True)
class Claim:
    person: str
    month: date  # first of the month
    category: str
    total_cost: int
    patient_share: int
    insurer: str | None
    provider: str = ""  # 医療機関等名称, as the 医療費集計フォーム rows name it


#: (person, provider): how a refund is attributed to the rows of the 医療費集計フォーム
RowKey = tuple[str, str]


@dataclass(frozen=True)
class HighCostMonth:
    """One insurance household's month: what counted, the limit, the estimated refund."""

    month: date
    persons: tuple[str, ...]
    insurer: str | None
    income_class: str
    class_label: str
    patient_share: int  # every claim of the month
    counted: int  # what the limit was compared with
    counted_cost: int  # 医療費 (総額) of the counted claims
    limit: int
    many_times: bool
    refund: int
    refund_by_person: dict[str, int]
    formula: str
    #: the refund shared out over the counted claims by their share, per (person, provider)
    refund_by_row: dict[RowKey, int] = field(default_factory=dict)

    @property
    def reached(self) -> bool:
        return self.refund > 0


@dataclass(frozen=True)
class HighCostEstimate:
    year: int
    months: tuple[HighCostMonth, ...]  # months of ``year`` with a refund
    assumptions: tuple[str, ...]
    source: str = SRC_KOGAKU
    refund_by_person: dict[str, int] = field(default_factory=dict)

    @property
    def total_refund(self) -> int:
        return sum(m.refund for m in self.months)

    def steps(self) -> list[str]:
        """The arithmetic, one Japanese line per month (then the assumptions)."""
        lines = []
        for m in self.months:
            who = "・".join(sorted(m.refund_by_person) or m.persons)
            many = "（多数回該当）" if m.many_times else ""
            lines.append(
                f"{jp_month(m.month.year, m.month.month)} {who}: 対象の窓口相当負担額 "
                f"{yen(m.counted)}（医療費 {yen(m.counted_cost)}）、限度額 {m.formula}{many}"
                f" → 高額療養費（推計） {yen(m.refund)}"
            )
        return lines


def _month_start(value: object) -> date:
    start = getattr(value, "start_time", None)  # a pandas Period
    if start is not None:
        return date(start.year, start.month, 1)
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    raise TypeError(f"not a month: {value!r}")


def claims_from_frame(expenses: pd.DataFrame) -> list[Claim]:
    """The ``medical_expenses`` frame's rows as claims (rows without a share are skipped)."""
    out = []
    for row in expenses.itertuples(index=False):
        share = row.patient_share
        if share is None or share != share:  # NA
            continue
        cost = row.total_cost if row.total_cost == row.total_cost else None
        insurer = getattr(row, "insurer", None)
        provider = getattr(row, "provider", None)
        out.append(
            Claim(
                person=str(row.person),
                month=_month_start(row.month),
                category=str(row.category),
                total_cost=int(cost) if cost is not None else int(share),
                patient_share=int(share),
                insurer=str(insurer) if isinstance(insurer, str) and insurer else None,
                provider=str(provider).strip() if isinstance(provider, str) else "",
            )
        )
    return out


def _limit(rule: HighCostLimit, cost: int, many: bool) -> tuple[int, str]:
    if many and rule.many_times is not None:
        return rule.many_times, f"{yen(rule.many_times)}（多数回）"
    if rule.threshold is None:
        return rule.base, yen(rule.base)
    over = max(0, cost - rule.threshold)
    extra = (over + 50) // 100  # 1% of the excess, 1円未満四捨五入
    return (
        rule.base + extra,
        f"{rule.base:,} + ({cost:,} − {rule.threshold:,}) × 1% = {yen(rule.base + extra)}",
    )


def _share_out(total: int, weights: Mapping[RowKey, int]) -> dict[RowKey, int]:
    """``total`` split by ``weights`` in whole yen (largest remainders)."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return {}
    parts = {k: total * w // whole for k, w in weights.items()}
    rest = total - sum(parts.values())
    order = sorted(weights, key=lambda k: (-(total * weights[k] % whole), k))
    for k in order[:rest]:
        parts[k] += 1
    return {k: v for k, v in parts.items() if v}


def _seventy_plus(birth: date | None, month: date) -> bool:
    return birth is not None and month >= month_age_counts_from(birth, 70)


def estimate_high_cost(
    claims: list[Claim],
    year: int,
    *,
    births: Mapping[str, date | None],
    income_class: str | Mapping[str, str] | None = None,
) -> HighCostEstimate:
    """Estimate the 高額療養費 of ``year``'s months (earlier months only count for 多数回)."""
    assumptions: list[str] = []
    classes = income_class if isinstance(income_class, Mapping) else {}
    default = income_class if isinstance(income_class, str) else KOGAKU_DEFAULT_CLASS
    if default not in KOGAKU_UNDER_70:
        raise ValueError(f"unknown 高額療養費 income class {default!r} (ア, イ, ウ, エ or オ)")
    people = sorted({c.person for c in claims})
    if any(p not in classes for p in people) and not isinstance(income_class, str):
        assumptions.append(
            f"所得区分は設定がないため「{KOGAKU_UNDER_70[default].label}」と仮定しました"
        )
    unknown_birth = [p for p in people if births.get(p) is None]
    if unknown_birth:
        assumptions.append(f"生年月日が不明な人（{'・'.join(unknown_birth)}）は70歳未満として計算")
    if date(year, 12, 1) > KOGAKU_TABLE_CHECKED_THROUGH:
        assumptions.append(
            f"{jp_month(KOGAKU_TABLE_CHECKED_THROUGH.year, KOGAKU_TABLE_CHECKED_THROUGH.month)}"
            "より後の診療分も同じ限度額表で推計しています（限度額の見直しは確認できていません）"
        )
    assumptions += [
        "世帯合算は同じ保険者名の医療費通知をまとめて推計（同じ保険者でも別世帯の場合があります）",
        "多数回該当はデータにある過去12か月のみで判定",
        "70歳以上一般の外来年間上限（144,000円）・付加給付・院外処方の調剤との合算・食事療養費は含みません",
        SRC_KOGAKU_AGE,
    ]

    by_group_month: dict[tuple[str, date], list[Claim]] = defaultdict(list)
    for c in claims:
        key = c.insurer if c.insurer is not None else f"\0{c.person}"
        if date(year - 1, 2, 1) <= c.month <= date(year, 12, 1):
            by_group_month[(key, c.month)].append(c)

    reached: dict[str, list[date]] = defaultdict(list)  # household → months its limit was hit
    months: list[HighCostMonth] = []
    for (group, month), rows in sorted(by_group_month.items(), key=lambda kv: kv[0][1]):
        window = [m for m in reached[group] if _months_between(m, month) <= 11]
        many = len(window) >= 3
        persons = tuple(sorted({c.person for c in rows}))
        cls = classes.get(persons[0], default)
        result = _household_month(rows, month, births, cls, many)
        if result is None:
            continue
        refund, by_row, counted, cost, limit, formula, hit = result
        by_person: dict[str, int] = defaultdict(int)
        for (person, _), v in by_row.items():
            by_person[person] += v
        if hit:
            reached[group].append(month)
        if month.year == year and refund > 0:
            rule = KOGAKU_UNDER_70[cls]
            months.append(
                HighCostMonth(
                    month=month,
                    persons=persons,
                    insurer=rows[0].insurer,
                    income_class=cls,
                    class_label=rule.label,
                    patient_share=sum(c.patient_share for c in rows),
                    counted=counted,
                    counted_cost=cost,
                    limit=limit,
                    many_times=many,
                    refund=refund,
                    refund_by_person=dict(by_person),
                    formula=formula,
                    refund_by_row=by_row,
                )
            )
    total_by_person: dict[str, int] = defaultdict(int)
    for m in months:
        for p, v in m.refund_by_person.items():
            total_by_person[p] += v
    return HighCostEstimate(
        year, tuple(months), tuple(assumptions), SRC_KOGAKU, dict(total_by_person)
    )


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _household_month(
    rows: list[Claim],
    month: date,
    births: Mapping[str, date | None],
    cls: str,
    many: bool,
) -> tuple[int, dict[RowKey, int], int, int, int, str, bool] | None:
    """(refund, refund by (person, provider), counted, counted cost, limit, formula, limit
    reached)."""
    old = [c for c in rows if _seventy_plus(births.get(c.person), month)]
    young = [c for c in rows if not _seventy_plus(births.get(c.person), month)]
    refunds: dict[RowKey, int] = defaultdict(int)
    remaining: dict[RowKey, int] = defaultdict(int)  # 70歳以上: still paid after step A
    old_cost = sum(c.total_cost for c in old)
    limit = 0
    formula = ""
    hit = False
    if old:
        rule = KOGAKU_70_PLUS[cls]
        for person in sorted({c.person for c in old}):
            mine = [c for c in old if c.person == person]
            outpatient: dict[RowKey, int] = defaultdict(int)
            for c in mine:
                key = (c.person, c.provider)
                if c.category in OUTPATIENT:
                    outpatient[key] += c.patient_share
                remaining[key] += c.patient_share
            paid_out = sum(outpatient.values())
            if rule.outpatient is not None and paid_out > rule.outpatient:
                for key, v in _share_out(paid_out - rule.outpatient, outpatient).items():
                    refunds[key] += v
                    remaining[key] -= v
        limit, formula = _limit(rule, old_cost, many)
        paid = sum(remaining.values())
        if paid > limit:
            hit = True
            for key, v in _share_out(paid - limit, remaining).items():
                refunds[key] += v
                remaining[key] -= v
    counted_young = [c for c in young if c.patient_share >= KOGAKU_UNDER_70_CLAIM_FLOOR]
    counted = sum(remaining.values()) + sum(c.patient_share for c in counted_young)
    cost = old_cost + sum(c.total_cost for c in counted_young)
    if counted_young:
        rule = KOGAKU_UNDER_70[cls]
        limit, formula = _limit(rule, cost, many)
        if counted > limit:
            hit = True
            weights: dict[RowKey, int] = defaultdict(int)
            for key, v in remaining.items():
                weights[key] += v
            for c in counted_young:
                weights[(c.person, c.provider)] += c.patient_share
            for key, v in _share_out(counted - limit, weights).items():
                refunds[key] += v
    elif not old:
        return None
    refund = sum(refunds.values())
    return refund, {k: v for k, v in refunds.items() if v}, counted, cost, limit, formula, hit


__all__ = [
    "Claim",
    "HighCostEstimate",
    "HighCostMonth",
    "claims_from_frame",
    "estimate_high_cost",
]
