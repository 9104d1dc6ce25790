"""The per-year settings file: what the data cannot tell (income, dependants, receipts).

TOML (``.toml``) or JSON (``.json``), one file per tax year. Every key is optional::

    year = 2025                    # checked against --year when given
    filer = "見本　太郎"            # who files (医療費・セルフメディケーションはこの人に合算)
    household = ["見本　太郎", "見本　花子", "見本　そら", "見本　うめ"]  # 生計を一にする家族
    total_income = 5_200_000       # 総所得金額等 of the filer
    taxable_income = 3_400_000     # 課税総所得金額 (所得税) of the filer
    resident_levy = 230_000        # 住民税所得割額 (市区町村民税 + 道府県民税, 住民税決定通知書)
    dependants_under_23 = 1        # 23歳未満の扶養親族の数 (or list [[dependants]] below)
    birth = "1970-04-12"           # the filer's date of birth (高額療養費: 70歳以上の区分)
    kogaku_income_class = "ウ"     # 高額療養費の所得区分 ア–オ of the household (default: ウ, said so)
    subtract_kogaku_estimate = true  # subtract the estimated 高額療養費 as 補填 (default true)
    health_check = true            # 健康診断・予防接種など (セルフメディケーションの要件)
    prepaid = "paid_year"          # 前納の国民年金保険料: "paid_year" (全額) or "split" (年分割)
    otc_purchases = "otc.csv"      # OTC purchase list (relative to this file)

    [[dependants]]
    name = "見本　そら"
    birth = "2012-06-20"

    [[medical_extra]]              # receipts not in the 医療費通知, 通院交通費, 補填
    person = "見本　花子"
    provider = "見本バス"
    amount = 1_480
    category = "通院交通費"         # 診療・治療 / 医薬品購入 / 介護保険サービス / その他の医療費
    date = "2025-03-04"
    note = "通院（往復）"

    [[medical_extra]]
    person = "見本　うめ"
    provider = "見本総合病院"
    reimbursed = 40_000            # 補填 (高額療養費 etc.) against that provider's row
    note = "高額療養費"

    [people."見本　花子"]           # inputs for another person who files separately
    total_income = 1_000_000
    taxable_income = 0
    birth = "1973-09-03"
    kogaku_income_class = "エ"     # when this person's insurance puts them in another class

    [people."見本　うめ"]           # a date of birth is enough (70歳以上 for 高額療養費)
    birth = "1943-01-15"

Unknown keys are an error (a typo must not silently drop an input). What the settings leave out
is taken from the vault where it can be (:mod:`mynalib.tax.portal`: マイナポータルの税・所得 and
世帯情報, the 医療費通知's dates of birth), and every figure says where it came from; the settings
always win.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import TaxError
from ..jp.age import age_at_year_end
from .medical import MedicalExtra, parse_date
from .rules import KOGAKU_UNDER_70

PERSON_KEYS = {
    "total_income",
    "taxable_income",
    "resident_levy",
    "dependants_under_23",
    "dependants",
    "birth",
    "kogaku_income_class",
}
TOP_KEYS = PERSON_KEYS | {
    "subtract_kogaku_estimate",
    "year",
    "filer",
    "household",
    "health_check",
    "prepaid",
    "otc_purchases",
    "medical_extra",
    "people",
}


@dataclass(frozen=True)
class Dependant:
    name: str
    birth: date

    def age_at_year_end(self, year: int) -> int:
        """The age on 12月31日 of ``year``, as the law counts it (:mod:`mynalib.jp.age`)."""
        return age_at_year_end(self.birth, year)


#: where a figure of the settings file is said to come from
FROM_SETTINGS = "設定"


@dataclass
class PersonInputs:
    """Income inputs of one person (all optional; missing → estimates or lower bounds)."""

    total_income: int | None = None  # 総所得金額等
    taxable_income: int | None = None  # 課税総所得金額 (所得税)
    resident_levy: int | None = None  # 住民税所得割額 (市区町村民税 + 道府県民税)
    dependants_under_23: int | None = None
    dependants: list[Dependant] = field(default_factory=list)
    birth: date | None = None
    kogaku_income_class: str | None = None  # 高額療養費の所得区分 ア–オ
    #: field name → where its value came from, for values not from the settings file
    sources: dict[str, str] = field(default_factory=dict)
    #: field name → how it was read (e.g. the ×10/6 of a 市区町村民税 part)
    notes: dict[str, str] = field(default_factory=dict)

    def source_of(self, name: str) -> str:
        """Where the value of ``name`` came from: ``設定`` unless said otherwise."""
        return self.sources.get(name, FROM_SETTINGS)

    def has_dependant_under_23(self, year: int) -> bool | None:
        if self.dependants_under_23 is not None:
            return self.dependants_under_23 > 0
        if self.dependants:
            return any(d.age_at_year_end(year) < 23 for d in self.dependants)
        return None


@dataclass
class TaxSettings:
    year: int | None = None
    filer: str | None = None
    household: list[str] | None = None
    health_check: bool | None = None
    prepaid: str = "paid_year"
    otc_purchases: Path | None = None
    #: subtract the estimated 高額療養費 as 補填 in the 医療費控除 (shown either way)
    subtract_kogaku_estimate: bool = True
    medical_extra: list[MedicalExtra] = field(default_factory=list)
    people: dict[str, PersonInputs] = field(default_factory=dict)
    filer_inputs: PersonInputs = field(default_factory=PersonInputs)

    def inputs_for(self, person: str | None) -> PersonInputs:
        """The inputs of ``person`` (the top-level ones for the filer)."""
        if person is not None and person in self.people:
            return self.people[person]
        if person is None or person == self.filer:
            return self.filer_inputs
        return PersonInputs()


def _int(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.replace(",", "").strip().isdigit():
            return int(value.replace(",", ""))
        raise TaxError(
            f"settings: {key} must be a whole number of yen, got {value!r}",
            ja=f"設定ファイル: {key} は整数（円）で入力してください。",
        )
    if value < 0 and key != "taxable_income":
        raise TaxError(f"settings: {key} must not be negative, got {value}")
    return value


def _person(data: dict[str, Any], where: str) -> PersonInputs:
    unknown = set(data) - PERSON_KEYS
    if unknown:
        raise TaxError(f"settings: unknown key(s) {sorted(unknown)} in {where}")
    deps = []
    for i, d in enumerate(data.get("dependants") or [], 1):
        if not isinstance(d, dict) or "birth" not in d:
            raise TaxError(f"settings: {where} dependants[{i}] needs name and birth (YYYY-MM-DD)")
        deps.append(
            Dependant(
                str(d.get("name", "")), parse_date(d["birth"], where=f"{where} dependants[{i}]: ")
            )
        )
    birth = data.get("birth")
    return PersonInputs(
        total_income=_int(data.get("total_income"), "total_income"),
        taxable_income=_int(data.get("taxable_income"), "taxable_income"),
        resident_levy=_int(data.get("resident_levy"), "resident_levy"),
        dependants_under_23=_int(data.get("dependants_under_23"), "dependants_under_23"),
        dependants=deps,
        birth=parse_date(birth, where=f"{where} birth: ") if birth else None,
        kogaku_income_class=kogaku_class(data.get("kogaku_income_class"), where),
    )


def kogaku_class(value: Any, where: str = "") -> str | None:
    """A 高額療養費 income class as written (``ウ``, ``区分ウ``, ``ｳ``) → ア–オ; None stays None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().removeprefix("区分")
    if text not in KOGAKU_UNDER_70:
        raise TaxError(
            f"settings: kogaku_income_class in {where} must be one of ア, イ, ウ, エ, オ, "
            f"got {value!r}",
            ja=f"設定ファイル: kogaku_income_class（高額療養費の所得区分）は ア・イ・ウ・エ・オ の"
            f"いずれかで入力してください（{value}）。",
        )
    return text


def settings_from_dict(data: dict[str, Any], *, base_dir: Path | None = None) -> TaxSettings:
    """Build :class:`TaxSettings` from a parsed TOML/JSON mapping (see the module docstring)."""
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise TaxError(
            f"settings: unknown key(s) {sorted(unknown)}",
            hint=f"known keys: {', '.join(sorted(TOP_KEYS))}",
            ja=f"設定ファイルに不明な項目があります: {', '.join(sorted(unknown))}",
        )
    filer_inputs = _person({k: v for k, v in data.items() if k in PERSON_KEYS}, "top level")
    people = {
        str(name): _person(dict(values), f"people.{name}")
        for name, values in (data.get("people") or {}).items()
    }
    extras = []
    for i, row in enumerate(data.get("medical_extra") or [], 1):
        if not isinstance(row, dict):
            raise TaxError(f"settings: medical_extra[{i}] must be a table")
        allowed = {"person", "provider", "amount", "reimbursed", "date", "category", "note"}
        bad = set(row) - allowed
        if bad:
            raise TaxError(f"settings: unknown key(s) {sorted(bad)} in medical_extra[{i}]")
        if not row.get("person") or not row.get("provider"):
            raise TaxError(f"settings: medical_extra[{i}] needs person and provider")
        extras.append(
            MedicalExtra(
                person=str(row["person"]),
                provider=str(row["provider"]),
                amount=_int(row.get("amount", 0), f"medical_extra[{i}].amount") or 0,
                reimbursed=_int(row.get("reimbursed", 0), f"medical_extra[{i}].reimbursed") or 0,
                date=parse_date(row["date"], where=f"medical_extra[{i}]: ")
                if row.get("date")
                else None,
                category=str(row.get("category", "その他の医療費")),
                note=str(row.get("note", "")),
            )
        )
    prepaid = str(data.get("prepaid", "paid_year"))
    if prepaid not in ("paid_year", "split"):
        raise TaxError(f"settings: prepaid must be 'paid_year' or 'split', not {prepaid!r}")
    otc = data.get("otc_purchases")
    otc_path = None
    if otc:
        otc_path = Path(otc)
        if not otc_path.is_absolute() and base_dir is not None:
            otc_path = base_dir / otc_path
    health = data.get("health_check")
    if health is not None and not isinstance(health, bool):
        raise TaxError("settings: health_check must be true or false")
    household = data.get("household")
    subtract = data.get("subtract_kogaku_estimate", True)
    if not isinstance(subtract, bool):
        raise TaxError("settings: subtract_kogaku_estimate must be true or false")
    return TaxSettings(
        year=_int(data.get("year"), "year"),
        filer=str(data["filer"]) if data.get("filer") else None,
        household=[str(p) for p in household] if household is not None else None,
        health_check=health,
        prepaid=prepaid,
        otc_purchases=otc_path,
        subtract_kogaku_estimate=subtract,
        medical_extra=extras,
        people=people,
        filer_inputs=filer_inputs,
    )


def load_settings(path: str | Path) -> TaxSettings:
    """Read a settings file (``.toml`` or ``.json``)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise TaxError(
            f"Cannot read the settings file {p}: {exc.strerror}",
            ja=f"設定ファイル {p} を読めません。",
        ) from exc
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(raw.decode("utf-8-sig"))
        else:
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                try:
                    import tomli as tomllib  # type: ignore[no-redef]
                except ModuleNotFoundError:
                    raise TaxError(
                        "Reading TOML needs Python 3.11+ (or the tomli package)",
                        hint="install tomli, or write the settings as JSON (.json)",
                        ja="TOML形式の設定には Python 3.11 以上が必要です。JSON形式でも書けます。",
                    ) from None

            data = tomllib.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaxError(
            f"The settings file {p} is not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'}: {exc}",
            ja=f"設定ファイル {p} の書式が正しくありません。",
        ) from exc
    if not isinstance(data, dict):
        raise TaxError(f"The settings file {p} must hold a table/object at the top level")
    return settings_from_dict(data, base_dir=p.parent)
