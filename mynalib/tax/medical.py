"""医療費控除 (household pooling, user-added expenses, 補填 per row) and セルフメディケーション税制.

The 医療費通知 gives 窓口相当負担額 per claim: a proxy for what was paid. The user adds receipts
the notice lacks (通院交通費, OTC medicine bought for treatment, …) and 補填 (高額療養費,
出産育児一時金, insurance payouts) as :class:`MedicalExtra` rows. Rows are aggregated by person ×
provider (× month on request) exactly as the 医療費集計フォーム lists them
(:func:`medical_form_rows`), and 補填 is subtracted per row, never beyond that row's amount
(the excess of a reimbursement does not reduce other expenses).

The 窓口相当負担額 is counted before 高額療養費: :func:`high_cost_plan` estimates the refund of
each month above the 自己負担限度額 (:mod:`mynalib.tax.kogaku`), warns about it, and — unless the
settings say ``subtract_kogaku_estimate = false`` or a 補填 was entered for the row — adds it as an
estimated 補填 row (:attr:`MedicalExtra.estimated`), which the form export carries too.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TaxError
from ..jp.fmt import jp_date, jp_month, yen
from .calculator import Deduction, HouseholdYear, PersonYear
from .kogaku import HighCostEstimate, claims_from_frame, estimate_high_cost
from .result import DeductionResult, Step
from .rules import TaxYearRules, floor_fraction, rules_for
from .saving import percent, tax_saved

if TYPE_CHECKING:
    import pandas as pd

#: the four category columns of the 医療費集計フォーム (D, E, F, G)
FORM_CATEGORIES = ("診療・治療", "医薬品購入", "介護保険サービス", "その他の医療費")
TREATMENT, MEDICINE, CARE, OTHER = FORM_CATEGORIES

#: 診療区分 of the 医療費通知 → form category. Anything else goes to その他の医療費 with a warning.
SHINRYO_CATEGORY: dict[str, str] = {
    "医科外来": TREATMENT,
    "医科入院": TREATMENT,
    "歯科外来": TREATMENT,
    "歯科入院": TREATMENT,
    "訪問看護": TREATMENT,  # 医療保険の訪問看護: 診療・治療
    "食事療養": TREATMENT,
    "生活療養": TREATMENT,
    "調剤": MEDICINE,
    "介護": CARE,
}

#: words a user may write in the ``category`` of an added expense
CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in FORM_CATEGORIES},
    **SHINRYO_CATEGORY,
    "診療": TREATMENT,
    "治療": TREATMENT,
    "医薬品": MEDICINE,
    "薬": MEDICINE,
    "介護保険": CARE,
    "その他": OTHER,
    "通院交通費": OTHER,
    "交通費": OTHER,
    "treatment": TREATMENT,
    "medicine": MEDICINE,
    "care": CARE,
    "other": OTHER,
    "transport": OTHER,
}


def form_category(value: str) -> str:
    """Map a 診療区分 or a user category word to one of :data:`FORM_CATEGORIES`."""
    key = unicodedata.normalize("NFKC", str(value)).strip()
    if key in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[key]
    if key.lower() in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[key.lower()]
    raise TaxError(
        f"Unknown medical expense category {value!r}",
        hint="use 診療・治療, 医薬品購入, 介護保険サービス, その他の医療費 (or 通院交通費)",
        ja=f"医療費の区分「{value}」が分かりません。",
    )


@dataclass(frozen=True)
class MedicalExtra:
    """An expense or a reimbursement (補填) the user adds to the notice data.

    ``amount`` is what was paid (0 for a pure 補填 row), ``reimbursed`` the 補填 for it. A 補填
    row with the same person and provider as notice rows is subtracted from that provider's row.
    """

    person: str
    provider: str
    amount: int = 0
    reimbursed: int = 0
    date: date | None = None
    category: str = OTHER
    note: str = ""
    #: an estimated 補填 (高額療養費［推計］), not something the user entered
    estimated: bool = False

    def __post_init__(self) -> None:
        for name in ("amount", "reimbursed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise TaxError(
                    f"Added medical expense {self.provider!r}: {name} must be a whole number of "
                    f"yen ≥ 0, got {value!r}",
                    ja=f"追加した医療費（{self.provider}）の金額が正しくありません。",
                )
        object.__setattr__(self, "category", form_category(self.category))


@dataclass
class FormRow:
    """One row of the 医療費集計フォーム (columns B–J) and where it came from."""

    person: str
    provider: str
    month: str | None  # "YYYY-MM" when aggregated by month
    categories: set[str] = field(default_factory=set)
    amount: int = 0  # H 支払った医療費の金額
    reimbursed: int = 0  # I 左のうち、補填される金額
    payment_date: str = ""  # J 支払年月日 (optional text)
    claims: int = 0  # notice rows aggregated
    extras: int = 0  # user rows aggregated
    dates: list[date] = field(default_factory=list, repr=False)  # dates of the user rows
    estimated: int = 0  # the part of ``reimbursed`` that is an estimate (高額療養費［推計］)

    @property
    def net(self) -> int:
        return self.amount - self.reimbursed


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def _person(text: Any) -> str:
    """A person's name as on the source (only surrounding blanks removed; 氏名 keep their spaces)."""
    return "" if text is None else str(text).strip()


def _is_na(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def medical_form_rows(
    expenses: pd.DataFrame | None,
    extras: Iterable[MedicalExtra] = (),
    *,
    year: int,
    household: Iterable[str] | None = None,
    by_month: bool = False,
) -> tuple[list[FormRow], list[str]]:
    """Aggregate notice rows + added rows into form rows (person × provider [× month]).

    Returns the rows (sorted by person, provider, month) and warnings (unknown 診療区分, rows
    outside the year, 補填 larger than the row's amount — clipped to it, rows of 0円 — left out).
    With ``by_month`` an undated 補填 row (amount 0) is placed in the latest month of the same
    person × provider; other undated added rows form a row without a month.
    """
    warnings: list[str] = []
    household = list(household) if household is not None else None
    members = {_norm(p) for p in household} if household is not None else None
    rows: dict[tuple[str, str, str | None], FormRow] = {}
    order: dict[str, int] = {}

    names: dict[str, str] = {}  # NFKC key -> the name as first seen (notice rows come first)
    if household is not None:
        for p in household:
            order.setdefault(_norm(p), len(order))

    def row_for(person: str, provider: str, month: str | None) -> FormRow:
        # match on the NFKC form (a typed "見本 太郎" or "ﾐﾎﾝ薬局" meets the notice's text), show
        # the text as first seen
        key = (_norm(person), _norm(provider), month)
        order.setdefault(key[0], len(order))
        names.setdefault(key[0], person)
        if key not in rows:
            rows[key] = FormRow(names[key[0]], provider, month)
        return rows[key]

    if expenses is not None and len(expenses):
        unknown: dict[str, int] = {}
        for rec in expenses.itertuples(index=False):
            person = _person(rec.person)
            if members is not None and _norm(person) not in members:
                continue
            period = rec.month
            if _is_na(period):
                warnings.append(
                    f"{person}: 診療年月のない医療費通知の行を除外しました（{rec.provider}）"
                )
                continue
            if int(period.year) != year:
                continue
            provider = _person(rec.provider)
            month = f"{int(period.year):04d}-{int(period.month):02d}" if by_month else None
            shinryo = _norm(rec.category)
            category = SHINRYO_CATEGORY.get(shinryo)
            if category is None:
                category = OTHER
                unknown[shinryo] = unknown.get(shinryo, 0) + 1
            share = rec.patient_share
            if _is_na(share):
                warnings.append(
                    f"{person} / {provider}{' ' + month if month else ''}: 窓口相当負担額がないため"
                    "0円として数えました"
                )
                share = 0
            row = row_for(person, provider, month)
            row.categories.add(category)
            row.amount += int(share)
            row.claims += 1
        for name, count in sorted(unknown.items()):
            warnings.append(f"診療区分「{name}」（{count}件）はその他の医療費として扱いました")

    for extra in extras:
        person = _person(extra.person)
        if members is not None and _norm(person) not in members:
            warnings.append(
                f"{person}: 追加入力の医療費（{extra.provider}）は医療費を合算する世帯"
                "（household）にいない人のため除外しました"
            )
            continue
        if extra.date is not None and extra.date.year != year:
            warnings.append(
                f"{person}: 追加入力の医療費（{extra.provider}、{jp_date(extra.date)}）は"
                f"{year}年分ではないため除外しました"
            )
            continue
        month = None
        if by_month and extra.date is not None:
            month = f"{extra.date.year:04d}-{extra.date.month:02d}"
        elif by_month and extra.amount == 0:
            # an undated 補填 goes to the latest month of the same person × provider
            same = [
                k[2]
                for k in rows
                if k[0] == _norm(person) and k[1] == _norm(extra.provider) and k[2] is not None
            ]
            month = max(same) if same else None
        row = row_for(person, _person(extra.provider), month)
        if extra.amount > 0 or not row.categories:
            row.categories.add(extra.category)
        row.amount += extra.amount
        row.reimbursed += extra.reimbursed
        if extra.estimated:
            row.estimated += extra.reimbursed
            continue
        row.extras += 1
        if extra.date is not None:
            row.dates.append(extra.date)

    out = sorted(
        rows.values(),
        key=lambda r: (order[_norm(r.person)], _norm(r.person), _norm(r.provider), r.month or ""),
    )
    for row in out:
        if row.month is not None:
            y, m = row.month.split("-")
            row.payment_date = jp_month(int(y), int(m))
        elif row.claims == 0 and len(set(row.dates)) == 1:
            d = row.dates[0]
            row.payment_date = f"{d.year}/{d.month:02d}/{d.day:02d}"
        if row.reimbursed > row.amount:
            warnings.append(
                f"{row.person} / {row.provider}{' ' + row.month if row.month else ''}: 補填 "
                f"{yen(row.reimbursed)} が支払った医療費 {yen(row.amount)} を超えています。差し引くのは"
                f" {yen(row.amount)} までです（補填が支払額を超える分は他の医療費から差し引きません）"
            )
            row.reimbursed = row.amount
            row.estimated = min(row.estimated, row.amount)
    empty = [r for r in out if r.amount == 0]
    for row in empty:
        warnings.append(
            f"{row.person} / {row.provider}{' ' + row.month if row.month else ''}: 支払った医療費が"
            "0円のため、この行は医療費集計フォームに出力しません"
        )
    return [r for r in out if r.amount > 0], warnings


def medical_deduction(
    expenses: pd.DataFrame | None,
    extras: Iterable[MedicalExtra] = (),
    *,
    year: int,
    total_income: int | None = None,
    household: Iterable[str] | None = None,
    filer: str | None = None,
    rules: TaxYearRules | None = None,
    high_cost: HighCostPlan | None = None,
) -> DeductionResult:
    """医療費控除 for the household pooled under ``filer`` (figures: :mod:`mynalib.tax.rules`).

    ``total_income`` is the filer's 総所得金額等; unknown → the 100,000円 threshold is used (a lower
    bound of the deduction) and the result is marked as an estimate. ``high_cost`` (from
    :func:`high_cost_plan`) adds the estimated 高額療養費 as 補填 rows when it subtracts them, and
    its arithmetic and warnings either way.
    """
    rules = rules or rules_for(year)
    med = rules.medical
    household_list = list(household) if household is not None else None
    extras = list(extras)
    if high_cost is not None:
        extras += high_cost.extras
    rows, warnings = medical_form_rows(expenses, extras, year=year, household=household_list)
    paid = sum(r.amount for r in rows)
    reimbursed = sum(r.reimbursed for r in rows)
    estimated = sum(r.estimated for r in rows)
    claims = sum(r.claims for r in rows)
    added = sum(r.extras for r in rows)
    persons = list(dict.fromkeys(r.person for r in rows))
    net = paid - reimbursed
    steps = [
        Step(
            "支払った医療費",
            f"医療費通知の窓口相当負担額 {claims}件 + 追加入力 {added}件"
            f"（{len(persons)}人分を合算: {', '.join(persons) or 'なし'}）",
            paid,
        ),
    ]
    if high_cost is not None:
        steps += high_cost.steps()
    steps += [
        Step(
            "補填される金額" + ("［推計を含む］" if estimated else ""),
            "行ごとに支払額を限度として合計"
            + (f"（うち高額療養費［推計］ {yen(estimated)}）" if estimated else ""),
            reimbursed,
        ),
        Step("差引医療費", f"{paid:,} − {reimbursed:,}", net),
    ]
    if high_cost is not None:
        warnings += high_cost.warnings
    estimate = bool(estimated)
    if total_income is None:
        threshold = med.threshold
        estimate = True
        warnings.append(
            "総所得金額等が未入力のため足切り額を10万円としました（所得が200万円未満なら控除額は"
            "これより大きくなります）"
        )
        steps.append(Step("足切り額", f"{med.threshold:,}（総所得金額等 未入力）", threshold))
    else:
        five = floor_fraction(total_income * med.threshold_rate)
        threshold = min(med.threshold, five)
        steps.append(
            Step(
                "足切り額",
                f"min({med.threshold:,}, {total_income:,} × {percent(med.threshold_rate)}"
                f" = {five:,}（円未満切捨て）)",
                threshold,
            )
        )
    raw = max(0, net - threshold)
    amount = min(med.cap, raw)
    steps.append(
        Step(
            "医療費控除額",
            f"min({med.cap:,}, max(0, {net:,} − {threshold:,}))",
            amount,
        )
    )
    by_person: dict[str, int] = {}
    for r in rows:
        by_person[r.person] = by_person.get(r.person, 0) + r.net
    sources = [med.source]
    if high_cost is not None and high_cost.estimate is not None and high_cost.estimate.months:
        sources.append(high_cost.estimate.source)
    return DeductionResult(
        key="medical",
        label="医療費控除",
        year=year,
        person=filer,
        income_tax=amount,
        resident_tax=amount,
        steps=steps,
        warnings=warnings,
        estimate=estimate,
        sources=sources,
        details={
            "paid": paid,
            "reimbursed": reimbursed,
            "kogaku_estimate": high_cost.total if high_cost is not None else 0,
            "kogaku_subtracted": estimated,
            "net": net,
            "threshold": threshold,
            "by_person": by_person,
            "rows": len(rows),
        },
    )


# ------------------------------------------------------------------------------ 高額療養費
@dataclass
class HighCostPlan:
    """The estimated 高額療養費 of a year and what the 医療費控除 does with it.

    ``extras`` are the estimated 補填 rows (:attr:`MedicalExtra.estimated`) to subtract: empty
    when the settings say not to, and without the rows the user entered a 補填 for.
    """

    estimate: HighCostEstimate | None
    subtract: bool
    extras: list[MedicalExtra] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.estimate.total_refund if self.estimate is not None else 0

    def steps(self) -> list[Step]:
        """The months above the limit and the assumptions (nothing when no month reached it)."""
        if self.estimate is None or not self.estimate.months:
            return []
        out = [Step("高額療養費［推計］", line) for line in self.estimate.steps()]
        subtracted = sum(e.reimbursed for e in self.extras)
        out.append(
            Step(
                "高額療養費［推計］の扱い",
                "補填として差し引く（設定 subtract_kogaku_estimate で変更できます）"
                if self.subtract
                else "差し引かない（設定 subtract_kogaku_estimate = false）",
                subtracted,
            )
        )
        out += [Step("高額療養費の推計の前提", a) for a in self.estimate.assumptions]
        return out


def _same_month(d: date | None, month: date) -> bool:
    return d is None or (d.year, d.month) == (month.year, month.month)


def high_cost_plan(
    expenses: pd.DataFrame | None,
    *,
    year: int,
    household: Iterable[str] | None = None,
    births: Mapping[str, date | None] | None = None,
    classes: Mapping[str, str] | None = None,
    default_class: str | None = None,
    subtract: bool = True,
    entered: Iterable[MedicalExtra] = (),
) -> HighCostPlan:
    """Estimate the 高額療養費 of ``year`` (:func:`mynalib.tax.kogaku.estimate_high_cost`) for the
    ``household``'s claims (earlier months count for 多数回該当), warn about each month above the
    limit, and make the 補填 rows to subtract (not for a row with a 補填 in ``entered``).

    ``classes`` are the income classes (ア–オ) by person, ``default_class`` the household's; with
    neither, 区分ウ is assumed and said so.
    """
    if expenses is None or not len(expenses):
        return HighCostPlan(None, subtract)
    claims = claims_from_frame(expenses)
    if household is not None:
        members = {_norm(p) for p in household}
        claims = [c for c in claims if _norm(c.person) in members]
    people = sorted({c.person for c in claims})
    named = {p: c for p in people if (c := _lookup(classes or {}, p) or default_class)}
    income_class: str | Mapping[str, str] | None = named if len(named) == len(people) else None
    if income_class is None and named:
        income_class = named  # the others: the default class, said in the assumptions
    births = {p: _lookup(births or {}, p) for p in people}
    estimate = estimate_high_cost(claims, year, births=births, income_class=income_class)
    plan = HighCostPlan(estimate, subtract)
    entered = [e for e in entered if e.reimbursed > 0 and not e.estimated]
    for m in estimate.months:
        own = [
            key
            for key in m.refund_by_row
            if any(
                _norm(e.person) == _norm(key[0])
                and _norm(e.provider) == _norm(key[1])
                and _same_month(e.date, m.month)
                for e in entered
            )
        ]
        if subtract:
            for (person, provider), refund in sorted(m.refund_by_row.items()):
                if (person, provider) in own:
                    continue
                plan.extras.append(
                    MedicalExtra(
                        person=person,
                        provider=provider,
                        reimbursed=refund,
                        date=m.month,
                        category=TREATMENT,
                        note="高額療養費（推計）",
                        estimated=True,
                    )
                )
        who = "・".join(sorted({p for p, _ in m.refund_by_row}))
        text = (
            f"{jp_month(m.month.year, m.month.month)} {who}: 医療費 {yen(m.counted_cost)}・"
            f"窓口相当負担額 {yen(m.counted)} は、高額療養費の自己負担限度額（推計 {yen(m.limit)}、"
            f"{m.class_label}{'・多数回該当' if m.many_times else ''}）を超えています。超えた分"
            f"（推計 {yen(m.refund)}）は高額療養費として払い戻されるか、限度額適用認定証・"
            "マイナ保険証により窓口で支払っていないことが多く、医療費控除では補填として差し引きます。"
        )
        if own:
            text += "入力済みの補填（medical_extra）がある行は、推計額を差し引いていません。"
        if subtract:
            text += (
                "推計額を補填として差し引きました。支給決定通知書などで実際の額が分かれば "
                "medical_extra の reimbursed に入力してください（入力した補填が優先されます）。"
            )
        else:
            text += (
                "設定（subtract_kogaku_estimate = false）により差し引いていません。実際に支給された"
                "額を medical_extra の reimbursed に入力してください。"
            )
        plan.warnings.append(text)
    return plan


def _lookup(mapping: Mapping[str, Any], name: str) -> Any:
    """``mapping[name]``, names compared in NFKC (a typed "見本 太郎" is "見本　太郎")."""
    if name in mapping:
        return mapping[name]
    key = _norm(name)
    return next((v for k, v in mapping.items() if _norm(k) == key), None)


# ------------------------------------------------------------------------ セルフメディケーション
_OTC_ALIASES = {
    "date": ("date", "日付", "購入日", "購入年月日"),
    "store": ("store", "店舗", "店舗名", "購入先"),
    "product": ("product", "商品", "商品名", "品名"),
    "amount": ("amount", "金額", "購入金額", "支払金額"),
    "person": ("person", "対象者", "氏名", "使用者"),
}


@dataclass(frozen=True)
class OtcPurchase:
    """One 特定一般用医薬品等 purchase (the OTC template row)."""

    date: date
    store: str
    product: str
    amount: int
    person: str


def parse_yen(text: Any, *, where: str = "") -> int:
    """``"1,980"``, ``"1980円"``, ``"¥1,980"`` → 1980; anything else is an error."""
    raw = _norm(text).replace(",", "").replace("円", "").replace("¥", "").replace("\\", "")
    if not re.fullmatch(r"\d+", raw):
        raise TaxError(
            f"{where}amount {text!r} is not a whole number of yen",
            ja=f"{where}金額「{text}」が整数の円ではありません。",
        )
    return int(raw)


def parse_date(text: Any, *, where: str = "") -> date:
    raw = _norm(text)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise TaxError(
        f"{where}date {text!r} is not a date (use YYYY-MM-DD)",
        ja=f"{where}日付「{text}」を読めません（YYYY-MM-DD 形式で入力してください）。",
    )


def read_otc_purchases(source: str | Path | bytes) -> list[OtcPurchase]:
    """Read the OTC purchase CSV (template ``sample_data/templates/otc_purchases_template.csv``).

    Header ``date,store,product,amount,person`` (Japanese headers 日付/店舗/商品名/金額/対象者 also
    accepted); UTF-8 (with or without BOM) or CP932; lines starting with ``#`` are comments. An
    unreadable row raises :class:`TaxError` naming its line.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)]
    content = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        return []
    reader = csv.reader(io.StringIO("\n".join(line for _, line in content)))
    records = list(reader)
    header = [_norm(h).lower() for h in records[0]]
    index: dict[str, int] = {}
    for key, aliases in _OTC_ALIASES.items():
        for alias in aliases:
            if alias.lower() in header:
                index[key] = header.index(alias.lower())
                break
        else:
            raise TaxError(
                f"OTC purchase list: column {key!r} missing (header line {content[0][0]})",
                hint="the header must be: date,store,product,amount,person",
                ja="購入記録の見出し行に必要な列がありません（date,store,product,amount,person）。",
            )
    out = []
    for (line_no, _), rec in zip(content[1:], records[1:], strict=True):
        where = f"OTC purchase list line {line_no}: "
        if len(rec) < len(header):
            raise TaxError(f"{where}expected {len(header)} columns, got {len(rec)}")
        out.append(
            OtcPurchase(
                date=parse_date(rec[index["date"]], where=where),
                store=_norm(rec[index["store"]]),
                product=_norm(rec[index["product"]]),
                amount=parse_yen(rec[index["amount"]], where=where),
                person=_person(rec[index["person"]]),
            )
        )
    return out


def self_medication_deduction(
    purchases: Sequence[OtcPurchase],
    *,
    year: int,
    household: Iterable[str] | None = None,
    health_check: bool | None = None,
    health_evidence: str | None = None,
    filer: str | None = None,
    rules: TaxYearRules | None = None,
) -> DeductionResult:
    """セルフメディケーション税制: purchases − 12,000, at most 88,000 (:mod:`mynalib.tax.rules`).

    ``health_check``: the filer had a health check or vaccination in the year (the requirement);
    False → 0, None → computed with a warning. ``health_evidence`` describes how it was known.
    """
    rules = rules or rules_for(year)
    sm = rules.self_medication
    members = {_norm(p) for p in household} if household is not None else None
    warnings: list[str] = []
    selected = [
        p
        for p in purchases
        if p.date.year == year and (members is None or _norm(p.person) in members)
    ]
    skipped = len(purchases) - len(selected)
    if skipped:
        warnings.append(f"{skipped}件の購入は{year}年以外か世帯外のため除外しました")
    total = sum(p.amount for p in selected)
    steps = [Step("特定一般用医薬品等購入費", f"{len(selected)}件の合計", total)]
    if not sm.available:
        warnings.append(f"{rules.era_label}はセルフメディケーション税制の対象外です")
        amount = 0
        steps.append(Step("控除額", "対象外の年分", 0))
    else:
        raw = max(0, total - sm.floor)
        amount = min(sm.cap, raw)
        steps.append(Step("控除額", f"min({sm.cap:,}, max(0, {total:,} − {sm.floor:,}))", amount))
        if health_check is False:
            warnings.append("健康診断・予防接種などの取組がない年は適用できません（控除額 0円）")
            amount = 0
            steps.append(Step("取組の要件", "健康診断等の取組なし → 適用不可", 0))
        elif health_check is True:
            steps.append(
                Step(
                    "取組の要件",
                    health_evidence or "健康診断・予防接種などの取組あり（入力による）",
                )
            )
        elif health_check is None:
            warnings.append("適用には健康診断・予防接種などの取組が必要です（取組の有無が未確認）")
    return DeductionResult(
        key="self_medication",
        label="セルフメディケーション税制（医療費控除の特例）",
        year=year,
        person=filer,
        income_tax=amount,
        resident_tax=amount,
        steps=steps,
        warnings=warnings,
        sources=[sm.source],
        details={"purchases": len(selected), "total": total, "health_check": health_check},
    )


@dataclass
class MedicalComparison:
    """Which of 医療費控除 and セルフメディケーション saves more tax (an estimate)."""

    year: int
    medical: DeductionResult
    self_medication: DeductionResult
    medical_saved: int
    self_medication_saved: int
    best: str  # "medical" | "self_medication"
    difference: int
    steps: list[Step]
    estimate: bool = True

    @property
    def chosen(self) -> DeductionResult:
        return self.medical if self.best == "medical" else self.self_medication

    def explain(self) -> str:
        lines = ["■ 医療費控除とセルフメディケーション税制の比較［推計］"]
        lines += [f"  {s.text()}" for s in self.steps]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "medical_saved": self.medical_saved,
            "self_medication_saved": self.self_medication_saved,
            "best": self.best,
            "difference": self.difference,
            "estimate": self.estimate,
            "steps": [s.__dict__ for s in self.steps],
        }


def compare_medical(
    medical: DeductionResult,
    self_medication: DeductionResult,
    *,
    before_it: int | None,
    before_rt: int | None = None,
    rules: TaxYearRules | None = None,
    estimated_it: bool = False,
) -> MedicalComparison:
    """The tax each saves — tax without it minus tax with it (:mod:`mynalib.tax.saving`), 所得税
    (with 復興特別所得税) and 住民税所得割 — on ``before_*``, the taxable incomes without either of
    them. The larger deduction never saves less, so it wins (ties: 医療費控除); with no taxable
    income known the savings are not worked out.
    """
    rules = rules or rules_for(medical.year)
    a = tax_saved(
        medical.income_tax,
        medical.resident_tax,
        before_it=before_it,
        before_rt=before_rt,
        rules=rules,
        label="医療費控除",
        estimated_it=estimated_it,
    )
    b = tax_saved(
        self_medication.income_tax,
        self_medication.resident_tax,
        before_it=before_it,
        before_rt=before_rt,
        rules=rules,
        label="セルフメディケーション",
        estimated_it=estimated_it,
    )
    larger = (medical.income_tax, medical.resident_tax) >= (
        self_medication.income_tax,
        self_medication.resident_tax,
    )
    best = "medical" if a.total > b.total or (a.total == b.total and larger) else "self_medication"
    diff = abs(a.total - b.total)
    steps = [
        *a.steps,
        Step("医療費控除による軽減額", f"{a.income_tax:,} + {a.resident_tax:,}", a.total),
        *b.steps,
        Step(
            "セルフメディケーションによる軽減額", f"{b.income_tax:,} + {b.resident_tax:,}", b.total
        ),
        Step(
            "有利な方",
            ("医療費控除" if best == "medical" else "セルフメディケーション税制")
            + f"（差 {yen(diff)}、どちらか一方のみ適用可）",
            diff,
        ),
    ]
    return MedicalComparison(
        medical.year, medical, self_medication, a.total, b.total, best, diff, steps
    )


def had_checkup(checkups: pd.DataFrame | None, person: str, year: int) -> bool:
    """Whether the ``checkups`` frame has a 特定健診 of ``person`` in ``year``."""
    if checkups is None or not len(checkups):
        return False
    for rec in checkups.itertuples(index=False):
        try:
            if _norm(rec.person) == _norm(person) and int(rec.date.year) == year:
                return True
        except (AttributeError, TypeError, ValueError):
            continue
    return False


def high_cost_for(h: HouseholdYear) -> HighCostPlan:
    """:func:`high_cost_plan` with the household's settings: income classes (``kogaku_income_class``
    per person, the filer's for the household), dates of birth, ``subtract_kogaku_estimate``."""
    settings = h.settings
    classes = {
        name: inputs.kogaku_income_class
        for name, inputs in settings.people.items()
        if inputs.kogaku_income_class is not None
    }
    return high_cost_plan(
        h.medical_expenses,
        year=h.year,
        household=h.household,
        births={name: birth for name, (birth, _) in h.births.items()},
        classes=classes,
        default_class=settings.filer_inputs.kogaku_income_class,
        subtract=settings.subtract_kogaku_estimate,
        entered=settings.medical_extra,
    )


class MedicalChoice(Deduction):
    """医療費控除, or セルフメディケーション税制 when OTC purchases are given and it saves more tax.

    Both are worked out once for the household, pooled under the filer, and apply to the filer
    only; the 医療費控除 subtracts the estimated 高額療養費 (:func:`high_cost_for`). The tax each
    saves needs the taxable income, so the choice is made when it is settled; :attr:`comparison`
    then holds it. Without a known taxable income the larger deduction is taken (it never saves
    less), with a warning.
    """

    key = "medical"
    label = "医療費控除・セルフメディケーション税制"

    def __init__(self, household: HouseholdYear) -> None:
        super().__init__(household)
        h = household
        self.high_cost = high_cost_for(h)
        self.medical = medical_deduction(
            h.medical_expenses,
            h.settings.medical_extra,
            year=h.year,
            total_income=h.filer_inputs.total_income,
            household=h.household,
            filer=h.filer,
            rules=h.rules,
            high_cost=self.high_cost,
        )
        self.self_medication: DeductionResult | None = None
        self.comparison: MedicalComparison | None = None
        if h.otc_purchases is not None:
            health = h.settings.health_check
            evidence = None
            if health is None and h.filer is not None and had_checkup(h.checkups, h.filer, h.year):
                health = True
                evidence = f"{h.year}年の特定健診の記録（{h.filer}）で確認"
            self.self_medication = self_medication_deduction(
                h.otc_purchases,
                year=h.year,
                household=h.household,
                health_check=health,
                health_evidence=evidence,
                filer=h.filer,
                rules=h.rules,
            )

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return self.medical

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return ctx.person == self.household.filer

    def settle(self, result: DeductionResult, ctx: PersonYear) -> DeductionResult:
        if self.self_medication is None:
            return result
        if ctx.taxable_income is None:
            warning = (
                "総所得金額等・課税所得金額が未入力のため、軽減される税額は計算できません"
                "（控除額の大きい方を選びました）"
            )
            if warning not in self.household.warnings:
                self.household.warnings.append(warning)
        # the taxable incomes are worked out with ``result`` deducted: add it back
        before_it, before_rt = ctx.before(result.income_tax, result.resident_tax)
        self.comparison = compare_medical(
            self.medical,
            self.self_medication,
            before_it=before_it,
            before_rt=before_rt,
            rules=ctx.rules,
            estimated_it=ctx.taxable_income_estimated,
        )
        return self.comparison.chosen
