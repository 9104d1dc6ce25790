"""What the vault itself knows about income and the household, for the tax summary.

`myna fetch` stores the portal's 税・所得 (``portal_tax``) and 世帯情報 (``portal_household``);
their frames are ``income`` (per person and 年分: 所得金額 by kind, 総所得金額等, 課税標準額, the
市区町村民税 and 道府県民税 所得割額) and ``household_members`` (the members with 続柄 and 生年月日);
every 医療費通知 carries the 生年月日 of its person. :func:`read_vault_inputs` reads those frames
into :class:`VaultInputs`; :func:`apply_vault_inputs` fills what the settings leave out, naming
where each figure came from (the settings always win). This module is the one place the tax
summary learns them.

How each field is read:

* 総所得金額等 → the answer's own figure, else the sum of the 所得金額 over the 所得の種類;
* 住民税所得割額: with both the 市区町村民税 and the 道府県民税 所得割額 they are added; with only
  the municipal part (an older answer) the total is derived at the standard rates
  (市町村民税 6% : 道府県民税 4%, so × 10/6; :data:`~mynalib.tax.rules.SRC_RESIDENT_SPLIT`)
  and said so — a 指定都市 (8% : 2%) differs; a plain 所得割額 is taken as the total;
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


def _label(kind: str, year: int) -> str:
    what = {PORTAL_TAX: "税・所得", PORTAL_HOUSEHOLD: "世帯情報"}[kind]
    return (
        f"マイナポータル（{what}、{year}年分）"
        if kind == PORTAL_TAX
        else f"マイナポータル（{what}）"
    )


def _levy(
    municipal: int | None, prefectural: int | None, whole: int | None, source: str
) -> Sourced | None:
    """The whole 住民税所得割額 from what an answer gives (see the module)."""
    if municipal is not None and prefectural is not None:
        return Sourced(
            municipal + prefectural,
            source,
            f"市区町村民税 {yen(municipal)} + 道府県民税 {yen(prefectural)}",
        )
    if municipal is not None:
        derived = floor_fraction(Fraction(municipal) / MUNICIPAL_SHARE)
        return Sourced(
            derived,
            source,
            f"市区町村民税分 {yen(municipal)} × 10/6: 道府県民税分を標準税率（6% : 4%）で加えた推計"
            "（指定都市では 8% : 2% のため異なります）",
        )
    if whole is not None:
        return Sourced(whole, source, "所得割額")
    if prefectural is not None:
        return Sourced(prefectural, source, "道府県民税所得割額のみ")
    return None


def income_from_records(
    records: list[dict[str, Any]], year: int
) -> tuple[Sourced | None, Sourced | None]:
    """(総所得金額等, 住民税所得割額) of 年分 ``year`` from records of named fields
    (``{"fields": {"年分": …, "所得金額": …, "市区町村民税所得割額": …}}``, see the module)."""
    from ..sources.portal_json import levy_kind

    source = _label(PORTAL_TAX, year)
    income = 0
    have_income = False
    levies: dict[str, int] = {}
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
            what = levy_kind(name)
            if levy is not None and what is not None:
                levies[what] = max(levies.get(what, 0), levy)
    total = Sourced(income, source, "所得金額の合計") if have_income else None
    return total, _levy(
        levies.get("municipal"), levies.get("prefectural"), levies.get("whole"), source
    )


def _cell(row: Mapping[str, Any], column: str) -> int | None:
    value = row.get(column)
    try:
        import pandas as pd

        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return int(value)


def income_from_frame(income: Any, person: str, year: int) -> tuple[Sourced | None, Sourced | None]:
    """(総所得金額等, 住民税所得割額) of ``person`` for 年分 ``year`` from the ``income`` frame."""
    if income is None or not len(income):
        return None, None
    mine = income[(income["year"] == year) & (income["person"].map(_key) == _key(person))]
    if not len(mine):
        return None, None
    row = mine.iloc[-1].to_dict()
    source = _label(PORTAL_TAX, year)
    total_income = _cell(row, "total_income")
    note = "総所得金額等" if total_income is not None else ""
    total = Sourced(total_income, source, note) if total_income is not None else None
    levy = _levy(
        _cell(row, "municipal_levy"),
        _cell(row, "prefectural_levy"),
        _cell(row, "resident_levy"),
        source,
    )
    return total, levy


def members_from_frame(household: Any) -> list[Member]:
    """The members of the ``household_members`` frame (氏名, 続柄, 生年月日)."""
    out: list[Member] = []
    if household is None or not len(household):
        return out
    for row in household.to_dict("records"):
        name = str(row.get("name") or "").strip()
        if not name or name == "<NA>":
            continue
        birth = row.get("birth_date")
        try:
            birth_date = None if birth is None or birth != birth else birth.date()
        except AttributeError:
            birth_date = birth if isinstance(birth, date) else None
        relation = row.get("relation")
        out.append(Member(name, _nfkc(relation if isinstance(relation, str) else ""), birth_date))
    return out


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


def inputs_from_frames(
    income: Any,
    household: Any,
    year: int,
    *,
    notice_births: Mapping[str, date] | None = None,
) -> VaultInputs:
    """What the ``income`` and ``household_members`` frames say for tax year ``year``;
    ``notice_births`` are the 生年月日 of the 医療費通知 (by name)."""
    out = VaultInputs(year)
    if income is not None and len(income):
        for person in dict.fromkeys(str(p) for p in income["person"].dropna()):
            total, levy = income_from_frame(income, person, year)
            if total is not None:
                out.total_income[person] = total
            if levy is not None:
                out.resident_levy[person] = levy
    out.members = members_from_frame(household)
    if out.members:
        out.household_source = _label(PORTAL_HOUSEHOLD, year)
        for m in out.members:
            if m.birth is not None:
                out.births.setdefault(m.name, (m.birth, out.household_source))
    for name, birth in (notice_births or {}).items():
        out.births.setdefault(name, (birth, "医療費通知"))
    return out


def vault_inputs(
    documents: Iterable[Document],
    year: int,
    *,
    notice_births: Mapping[str, date] | None = None,
) -> VaultInputs:
    """What ``documents`` (``portal_tax`` / ``portal_household``) say for tax year ``year``,
    through the frames they make (:func:`inputs_from_frames`)."""
    from .. import frames

    docs = list(documents)
    return inputs_from_frames(
        frames.build("income", docs),
        frames.build("household_members", docs),
        year,
        notice_births=notice_births,
    )


def read_vault_inputs(vault: Any, year: int) -> VaultInputs:
    """:func:`inputs_from_frames` of a vault's ``income`` and ``household_members`` frames and
    the 生年月日 its 医療費通知 carry (anything with ``frame`` and ``catalogue``; a vault without
    them gives empty inputs)."""
    frame = getattr(vault, "frame", None)
    catalogue = getattr(vault, "catalogue", None)
    income = household = None
    births: dict[str, date] = {}
    if frame is not None:
        income = frame("income")
        household = frame("household_members")
    if catalogue is not None:
        for info in catalogue(kind=NOTICE_KIND):
            birth = info.meta.get("birth")
            if info.person and birth and info.person not in births:
                births[info.person] = (
                    birth if isinstance(birth, date) else date.fromisoformat(str(birth)[:10])
                )
    return inputs_from_frames(income, household, year, notice_births=births)


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
    "income_from_frame",
    "income_from_records",
    "inputs_from_frames",
    "members_from_frame",
    "members_from_records",
    "read_vault_inputs",
    "vault_inputs",
]
