"""What the vault itself knows about income and the household, for the tax summary.

`myna fetch` stores the portal's 税・所得 (``portal_tax``: 所得金額, 市区町村民税所得割額 per 年分)
and 世帯情報 (``portal_household``: the members with 続柄 and 生年月日); every 医療費通知 carries
the 生年月日 of its person. :func:`read_vault_inputs` reads them, through the parsers' records
(:func:`mynalib.sources.parse`), into :class:`VaultInputs`; :func:`apply_vault_inputs` fills what
the settings leave out, naming where each figure came from (the settings always win).

This module is the one place that reads those documents for the tax summary: when ``income`` and
``household_members`` frames exist, :func:`read_vault_inputs` is the function to swap.

How each field is read:

* 所得金額 → 総所得金額等 (the sum over the 所得の種類 of the 年分);
* 市区町村民税所得割額 is the municipal part only; the ふるさと納税 limit needs the whole
  住民税所得割額, so with no 道府県民税 field the total is derived at the standard rates
  (市町村民税 6% : 道府県民税 4%, so × 10/6; :data:`~mynalib.tax.rules.SRC_RESIDENT_SPLIT`)
  and said so — a 指定都市 (8% : 2%) differs;
  with both fields present they are added; a plain 所得割額 is taken as the total;
* the 所得割額 of 年分 Y is the 住民税 on the income of Y (令和(Y+1)年度): what year Y's
  ふるさと納税 limit rests on;
* 世帯情報: members, 続柄 and 生年月日; in a year whose 生命保険料控除 asks (令和8年分), the
  members other than the filer and the filer's spouse under 23 at the year end count as 扶養親族
  (said so).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..jp.age import age_at_year_end
from ..jp.fmt import yen
from .rules import RULES, floor_fraction
from .settings import Dependant, PersonInputs, TaxSettings

if TYPE_CHECKING:
    from ..document import Document

#: the document kinds read here (the 医療費通知 only through the catalogue: its 生年月日)
PORTAL_TAX = "portal_tax"
PORTAL_HOUSEHOLD = "portal_household"
NOTICE_KIND = "iryohi_csv"

SPOUSES = ("妻", "夫", "配偶者", "未届の妻", "未届の夫")
HEAD = "世帯主"

#: the standard split of 住民税所得割: 市町村民税 6% of the 10%
MUNICIPAL_SHARE = Fraction(6, 10)


def _nfkc(text: Any) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def _yen(text: Any) -> int | None:
    raw = _nfkc(text).replace(",", "").replace("円", "")
    return int(raw) if raw.isdigit() else None


def _year(text: Any) -> int | None:
    """``2025`` / ``2025年分`` / ``令和7年分`` → 2025 (None when it is not a year)."""
    from ..jp.eras import parse_year

    raw = _nfkc(text).removesuffix("分")
    try:
        return parse_year(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Sourced:
    """A figure and where it came from (``マイナポータル（税・所得、2025年分）``)."""

    value: int
    source: str
    note: str = ""


@dataclass(frozen=True)
class Member:
    """A member of the household as 世帯情報 lists it."""

    name: str
    relation: str
    birth: date | None


@dataclass
class VaultInputs:
    """Income per person (for one year), the household, and dates of birth, with sources."""

    year: int
    total_income: dict[str, Sourced] = field(default_factory=dict)
    resident_levy: dict[str, Sourced] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    household_source: str = ""
    #: name → (date of birth, where from)
    births: dict[str, tuple[date, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.total_income or self.resident_levy or self.members or self.births)


def _latest(documents: Iterable[Document], kind: str) -> list[Document]:
    """The newest document of ``kind`` per person: わたしの情報 answers are full snapshots."""
    best: dict[str | None, Document] = {}
    for doc in documents:
        if doc.kind != kind:
            continue
        have = best.get(doc.person)
        if have is None or (doc.fetched_at, doc.id or 0) >= (have.fetched_at, have.id or 0):
            best[doc.person] = doc
    return list(best.values())


def _records(doc: Document, warnings: list[str]) -> list[dict[str, Any]]:
    from ..sources import parse

    try:
        result = parse(doc.kind, doc.data)
    except Exception as exc:  # a damaged document: say so, use the rest
        warnings.append(f"マイナポータルの{doc.kind}を読めませんでした（{type(exc).__name__}）")
        return []
    return [r for r in result.records if isinstance(r, dict)]


def _label(kind: str, year: int) -> str:
    what = {PORTAL_TAX: "税・所得", PORTAL_HOUSEHOLD: "世帯情報"}[kind]
    return (
        f"マイナポータル（{what}、{year}年分）"
        if kind == PORTAL_TAX
        else f"マイナポータル（{what}）"
    )


def income_from_records(
    records: list[dict[str, Any]], year: int
) -> tuple[Sourced | None, Sourced | None]:
    """(総所得金額等, 住民税所得割額) of 年分 ``year`` from 税・所得 records (see the module)."""
    source = _label(PORTAL_TAX, year)
    income = 0
    have_income = False
    municipal: int | None = None
    prefectural: int | None = None
    whole: int | None = None
    for rec in records:
        fields = {_nfkc(k): v for k, v in (rec.get("fields") or {}).items()}
        if _year(fields.get("年分")) != year:
            continue
        amount = _yen(fields.get("所得金額"))
        if amount is not None:
            income += amount
            have_income = True
        for name, value in fields.items():
            levy = _yen(value)
            if levy is None or not name.endswith("所得割額"):
                continue
            if "市区町村民税" in name or "市町村民税" in name or "特別区民税" in name:
                municipal = max(municipal or 0, levy)
            elif any(w in name for w in ("道府県民税", "都民税", "県民税", "府民税", "道民税")):
                prefectural = max(prefectural or 0, levy)
            else:
                whole = max(whole or 0, levy)
    total = Sourced(income, source, "所得金額の合計") if have_income else None
    levy_figure = None
    if municipal is not None and prefectural is not None:
        levy_figure = Sourced(
            municipal + prefectural,
            source,
            f"市区町村民税 {yen(municipal)} + 道府県民税 {yen(prefectural)}",
        )
    elif municipal is not None:
        derived = floor_fraction(Fraction(municipal) / MUNICIPAL_SHARE)
        levy_figure = Sourced(
            derived,
            source,
            f"市区町村民税分 {yen(municipal)} × 10/6: 道府県民税分を標準税率（6% : 4%）で加えた推計"
            "（指定都市では 8% : 2% のため異なります）",
        )
    elif whole is not None:
        levy_figure = Sourced(whole, source, "所得割額")
    return total, levy_figure


def members_from_records(records: list[dict[str, Any]]) -> list[Member]:
    """The members of a 世帯情報 answer (氏名, 続柄, 生年月日)."""
    from ..jp.eras import parse_date

    out = []
    for rec in records:
        fields = {_nfkc(k): v for k, v in (rec.get("fields") or {}).items()}
        name = str(fields.get("氏名") or "").strip()
        if not name:
            continue
        birth = None
        try:
            birth = parse_date(str(fields.get("生年月日") or ""))
        except (ValueError, TypeError):
            birth = None
        out.append(Member(name, _nfkc(fields.get("続柄")), birth))
    return out


def vault_inputs(
    documents: Iterable[Document],
    year: int,
    *,
    notice_births: Mapping[str, date] | None = None,
) -> VaultInputs:
    """What ``documents`` (``portal_tax`` / ``portal_household``) say for tax year ``year``;
    ``notice_births`` are the 生年月日 of the 医療費通知 (by name)."""
    docs = list(documents)
    out = VaultInputs(year)
    for doc in _latest(docs, PORTAL_TAX):
        total, levy = income_from_records(_records(doc, out.warnings), year)
        person = doc.person or ""
        if total is not None:
            out.total_income[person] = total
        if levy is not None:
            out.resident_levy[person] = levy
    households = _latest(docs, PORTAL_HOUSEHOLD)
    if households:
        newest = max(households, key=lambda d: (d.fetched_at, d.id or 0))
        out.members = members_from_records(_records(newest, out.warnings))
        out.household_source = _label(PORTAL_HOUSEHOLD, year)
        for m in out.members:
            if m.birth is not None:
                out.births.setdefault(m.name, (m.birth, out.household_source))
    for name, birth in (notice_births or {}).items():
        out.births.setdefault(name, (birth, "医療費通知"))
    return out


def read_vault_inputs(vault: Any, year: int) -> VaultInputs:
    """:func:`vault_inputs` of a vault (anything with ``documents`` and ``catalogue``; a
    vault without them gives empty inputs)."""
    documents = getattr(vault, "documents", None)
    catalogue = getattr(vault, "catalogue", None)
    docs: list[Document] = []
    births: dict[str, date] = {}
    if documents is not None:
        docs = list(documents(kind=[PORTAL_TAX, PORTAL_HOUSEHOLD]))
    if catalogue is not None:
        for info in catalogue(kind=NOTICE_KIND):
            birth = info.meta.get("birth")
            if info.person and birth and info.person not in births:
                births[info.person] = (
                    birth if isinstance(birth, date) else date.fromisoformat(str(birth)[:10])
                )
    return vault_inputs(docs, year, notice_births=births)


# ------------------------------------------------------------------------------ applying
def _key(name: str | None) -> str:
    return _nfkc(name)


def _find(mapping: Mapping[str, Any], name: str | None) -> Any:
    key = _key(name)
    for k, v in mapping.items():
        if _key(k) == key:
            return v
    return None


def apply_inputs(
    inputs: PersonInputs, person: str | None, found: VaultInputs, *, filer: str | None
) -> PersonInputs:
    """``inputs`` with what the settings leave out filled from ``found`` (and said so)."""
    changes: dict[str, Any] = {}
    sources = dict(inputs.sources)
    notes = dict(inputs.notes)
    if inputs.total_income is None and (f := _find(found.total_income, person)) is not None:
        changes["total_income"] = f.value
        sources["total_income"], notes["total_income"] = f.source, f.note
    if inputs.resident_levy is None and (f := _find(found.resident_levy, person)) is not None:
        changes["resident_levy"] = f.value
        sources["resident_levy"], notes["resident_levy"] = f.source, f.note
    if inputs.birth is None and (b := _find(found.births, person)) is not None:
        changes["birth"] = b[0]
        sources["birth"] = b[1]
    if (
        person is not None
        and _key(person) == _key(filer)
        and _asks_for_dependants(found.year)
        and inputs.dependants_under_23 is None
        and not inputs.dependants
        and found.members
    ):
        young = [
            m
            for m in dependant_candidates(found.members, person)
            if m.birth is not None and age_at_year_end(m.birth, found.year) < 23
        ]
        changes["dependants"] = [Dependant(m.name, m.birth) for m in young if m.birth]
        changes["dependants_under_23"] = len(young)
        sources["dependants_under_23"] = found.household_source
        notes["dependants_under_23"] = (
            "、".join(m.name for m in young) + " を23歳未満の扶養親族とみなしました"
            if young
            else "23歳未満の世帯員はいません"
        ) + "（扶養親族は合計所得金額が一定以下の親族に限られます）"
    if not changes:
        return inputs
    return replace(inputs, sources=sources, notes=notes, **changes)


def _asks_for_dependants(year: int) -> bool:
    """Whether the year's 生命保険料控除 has a rule for a dependant under 23 (令和8年分)."""
    rules = RULES.get(year)
    return rules is not None and rules.life.new_general_dependant_it is not None


def dependant_candidates(members: list[Member], filer: str) -> list[Member]:
    """The members other than the filer and the filer's spouse."""
    me = next((m for m in members if _key(m.name) == _key(filer)), None)
    out = []
    for m in members:
        if m is me:
            continue
        if me is not None and me.relation == HEAD and m.relation in SPOUSES:
            continue
        if me is not None and me.relation in SPOUSES and m.relation == HEAD:
            continue
        out.append(m)
    return out


def household_from(found: VaultInputs) -> list[str] | None:
    """The 世帯情報's members (the people whose medical expenses are pooled), or None."""
    return [m.name for m in found.members] or None


def births_for(
    settings: TaxSettings, people: Iterable[str], found: VaultInputs | None
) -> dict[str, tuple[date, str]]:
    """Dates of birth by name: the settings (``birth``, ``[[dependants]]``), then the vault."""
    out: dict[str, tuple[date, str]] = {}
    for name, inputs in [(settings.filer, settings.filer_inputs), *settings.people.items()]:
        if name and inputs.birth is not None:
            out[name] = (inputs.birth, "設定")
        for d in inputs.dependants:
            out.setdefault(d.name, (d.birth, "設定"))
    for person in people:
        if _find(out, person) is None and found is not None:
            b = _find(found.births, person)
            if b is not None:
                out[person] = b
    return out


def describe(inputs: PersonInputs) -> list[str]:
    """Japanese lines saying where each income figure came from."""
    lines = []
    labels = {
        "total_income": "総所得金額等",
        "taxable_income": "課税総所得金額",
        "resident_levy": "住民税所得割額",
    }
    for name, label in labels.items():
        value = getattr(inputs, name)
        if value is None:
            continue
        note = inputs.notes.get(name)
        lines.append(
            f"{label} {yen(value)}（{inputs.source_of(name)}" + (f": {note}" if note else "") + "）"
        )
    if "dependants_under_23" in inputs.sources:
        lines.append(
            f"23歳未満の扶養親族 {inputs.dependants_under_23}人（{inputs.sources['dependants_under_23']}"
            f": {inputs.notes.get('dependants_under_23', '')}）"
        )
    return lines


__all__ = [
    "Member",
    "Sourced",
    "VaultInputs",
    "apply_inputs",
    "births_for",
    "describe",
    "household_from",
    "income_from_records",
    "members_from_records",
    "read_vault_inputs",
    "vault_inputs",
]
