"""Parsers of the portal's JSON documents (``portal_*`` kinds).

Pure functions: bytes in, records out (no network, no vault). The shapes are those of
``mynalib/portal/PROTOCOL.md``:

* わたしの情報 items (``portal_pension``, ``portal_medical``, ``portal_checkups``, ``portal_tax``,
  ``portal_household``, ``portal_childcare``, ``portal_care``, ``portal_employment``,
  ``portal_insurance_card``, ``portal_vaccinations``, ``portal_bank_account``): the envelope
  of the final ``myinfo/get`` answer; ``results`` is a flat list of
  ``{hierarchy, code, name, content}`` where ``hierarchy`` is a dotted path (``"1"`` a record,
  ``"1.2"`` its second field, ``"1.4.1"`` a child of that field);
* ``portal_drugs``: ``drugInfo`` nested by year and by date (``"2026"`` → ``"2026年5月19日"`` →
  list of dispensings with ``prescriber``, ``pharmacy`` and ``drugs`` lines
  ``{drugN, quantity, usageN, times, kbn}``);
* ``portal_notices`` / ``portal_history`` (one page each), ``portal_procedures``,
  ``portal_applications``.

Records are plain dicts whose keys are the frame's columns (plus ``extra`` for anything unknown).
The frames built from them (and how they merge: the newest snapshot per person, お知らせ by
``notice_id``, a file the user imported beats the portal) live in :mod:`mynalib.frames`.
:func:`parser` gives each kind's parse function in the contract every parser of
:mod:`mynalib.sources` follows; :func:`detect` names the kind of a document.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import MalformedDocument
from ..jp.eras import ERA_PATTERN, era_date, era_month
from ..portal.protocol import ITEMS, OPERATIONS, PORTAL_KINDS
from .records import ParseResult

Record = dict[str, Any]

#: わたしの情報 item id → document kind, from the portal's operation table
ITEM_KINDS = {item.item_id: item.kind for item in ITEMS}
#: わたしの情報 kinds whose answer is the flat ``results`` list (薬剤情報 nests ``drugInfo``)
MYINFO_KINDS = tuple(item.kind for item in ITEMS if item.answer == "results")
#: every portal JSON kind this module parses: the operation table's (``PORTAL_KINDS``)
KINDS = PORTAL_KINDS
#: resBody list key → kind, for the operations whose stored answer is a list (detection)
_LIST_KINDS = tuple((op.answer, op.kind) for op in OPERATIONS if op.kind and op.raw and op.answer)


# ------------------------------------------------------------------------------------ dates
_DATE_RE = re.compile(
    rf"^\s*(?:(?P<era>{ERA_PATTERN})\s*(?P<ey>元|\d{{1,2}})|(?P<y>\d{{4}}))"
    r"\s*[年./-]\s*(?P<m>\d{1,2})\s*(?:[月./-]\s*(?P<d>\d{1,2})\s*日?)?\s*(?:月)?\s*$"
)


def parse_date(text: str | None) -> date | None:
    """``2026年5月19日``, ``令和7年4月1日``, ``S55.4.1``, ``2026-05-19``, ``2025年3月`` → date
    (an era date must lie inside its era: :mod:`mynalib.jp.eras`)."""
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if not value:
        return None
    try:
        return (
            date.fromisoformat(value[:10])
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value)
            else _wareki(value)
        )
    except ValueError:
        raise MalformedDocument(f"not a date: {value!r}") from None


def _wareki(value: str) -> date:
    m = _DATE_RE.match(value)
    if not m:
        raise ValueError(value)
    month, day = m.group("m"), m.group("d")
    if m.group("era"):
        era, yy = m.group("era"), m.group("ey")
        return era_month(era, yy, month) if day is None else era_date(era, yy, month, day)
    return date(int(m.group("y")), int(month), int(day or 1))


def _int(text: Any) -> int | None:
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).replace(",", "").replace("円", "").strip()
    if not value:
        return None
    m = re.match(r"^-?\d+", value)
    if not m:
        raise MalformedDocument(f"not a number: {value!r}")
    return int(m.group(0))


def _nfkc(text: Any) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFKC", str(text)).strip()


# ------------------------------------------------------------------------------- envelope
def _load(data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDocument(
            f"not portal JSON: {exc}", line=getattr(exc, "lineno", None)
        ) from None
    if not isinstance(doc, dict) or "resBody" not in doc:
        raise MalformedDocument("not a portal answer (no resBody)", element="resBody")
    if doc.get("resultCode") != "0000":
        raise MalformedDocument(
            f"a portal error answer (resultCode {doc.get('resultCode')})", element="resultCode"
        )
    body = doc["resBody"]
    if not isinstance(body, dict):
        raise MalformedDocument("resBody is not an object", element="resBody")
    return body


def _item(body: dict[str, Any]) -> dict[str, Any]:
    items = body.get("items")
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise MalformedDocument("expected exactly one わたしの情報 item", element="items")
    return items[0]


def _subject_name(obj: dict[str, Any]) -> str | None:
    subject = obj.get("subject")
    return str(subject["name"]) if isinstance(subject, dict) and subject.get("name") else None


@dataclass
class Node:
    code: str
    name: str
    content: str
    children: list[Node] = field(default_factory=list)

    def field_map(self) -> dict[str, Node]:
        return {c.code: c for c in self.children}

    def get(self, code: str) -> str | None:
        node = self.field_map().get(code)
        return node.content if node is not None else None


def tree(results: list[Any]) -> list[Node]:
    """The flat ``{hierarchy, code, name, content}`` list → records (nodes with children)."""
    roots: list[Node] = []
    index: dict[tuple[int, ...], Node] = {}
    for i, row in enumerate(results):
        if not isinstance(row, dict) or "hierarchy" not in row or "code" not in row:
            raise MalformedDocument(f"result row {i} lacks hierarchy/code", element=f"results[{i}]")
        try:
            path = tuple(int(p) for p in str(row["hierarchy"]).split("."))
        except ValueError:
            raise MalformedDocument(
                f"bad hierarchy {row['hierarchy']!r}", element=f"results[{i}]"
            ) from None
        node = Node(str(row["code"]), str(row.get("name", "")), str(row.get("content", "") or ""))
        if len(path) == 1:
            roots.append(node)
        else:
            parent = index.get(path[:-1])
            if parent is None:
                raise MalformedDocument(
                    f"hierarchy {row['hierarchy']} has no parent", element=f"results[{i}]"
                )
            parent.children.append(node)
        index[path] = node
    return roots


# ---------------------------------------------------------------------------- item parsers
def _myinfo_records(data: bytes) -> tuple[list[Node], dict[str, Any]]:
    body = _load(data)
    item = _item(body)
    status = item.get("status")
    meta = {
        "person": _subject_name(item),
        "item_id": item.get("itemId"),
        "status": status,
        "as_of": item.get("asOf"),
    }
    if status == "04":
        return [], meta
    if status != "03":
        raise MalformedDocument(f"item status {status!r} is not a final answer", element="status")
    results = item.get("results")
    if not isinstance(results, list):
        raise MalformedDocument("results missing", element="results")
    return tree(results), meta


def _known(node: Node, codes: set[str], warnings: list[str]) -> dict[str, str]:
    extra = {c.name or c.code: c.content for c in node.children if c.code not in codes}
    if extra:
        warnings.append(f"unknown fields kept in extra: {', '.join(extra)}")
    return extra


def parse_pension(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        start, end = parse_date(n.get("NK0003")), parse_date(n.get("NK0004"))
        out.append(
            {
                "person": meta["person"],
                "scheme": _nfkc(n.get("NK0001")),
                "employer": n.get("NK0002") or None,
                "start": start,
                "end": end,
                "months": _int(n.get("NK0005")),
                "monthly_remuneration": _int(n.get("NK0006")),
                "status": n.get("NK0007") or None,
                "extra": _known(n, {f"NK000{i}" for i in range(1, 8)}, warnings),
            }
        )
    return out, meta


def parse_medical(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        month = parse_date(n.get("IR0001"))
        provider_raw = n.get("IR0002")
        out.append(
            {
                "person": meta["person"],
                "month": month.strftime("%Y-%m") if month else None,
                "category": n.get("IR0003"),
                "provider": _nfkc(provider_raw),
                "provider_raw": provider_raw,
                "days": _int(n.get("IR0004")),
                "total_cost": _int(n.get("IR0005")),
                "insurer_paid": _int(n.get("IR0006")),
                "public_paid": _int(n.get("IR0007")),
                "patient_share": _int(n.get("IR0008")),
                "insurer": n.get("IR0009"),
                "extra": _known(n, {f"IR000{i}" for i in range(1, 10)}, warnings),
            }
        )
    return out, meta


def parse_checkups(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        day = parse_date(n.get("KS0001"))
        institution = n.get("KS0002")
        for child in n.children:
            if child.code.startswith("KS"):
                continue
            unit = next((c.content for c in child.children if c.code == "UNIT"), None)
            text = _nfkc(child.content) or ""
            try:
                value: float | None = float(text)
            except ValueError:
                value = None
            out.append(
                {
                    "person": meta["person"],
                    "date": day,
                    "institution": institution,
                    "code": child.code,
                    "item": child.name,
                    "value": value,
                    "value_text": text,
                    "unit": unit,
                }
            )
    return out, meta


def parse_generic(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """Other わたしの情報 items: one record per group, ``{name: content}`` plus the codes."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        out.append(
            {
                "person": meta["person"],
                "record": n.name,
                "code": n.code,
                "fields": {c.name: c.content for c in n.children},
                "codes": {c.code: c.content for c in n.children},
            }
        )
    return out, meta


# ------------------------------------------------------- 税・所得, 世帯, 子育て, 介護, 雇用保険, …
#: 所得の種類 → the column prefix of the ``income`` frame (``salary_income``, …); any other kind
#: (不動産, 配当, 譲渡, 一時, …) is added to ``other_*`` and named in ``other_kinds``
INCOME_KINDS: dict[str, str] = {
    "給与": "salary",
    "事業": "business",
    "事業(営業等)": "business",
    "事業(農業)": "business",
    "営業等": "business",
    "公的年金等": "pension",
    "雑": "misc",
    "雑(その他)": "misc",
    "雑(業務)": "misc",
}
INCOME_COLUMNS = tuple(
    f"{prefix}_{what}"
    for prefix in ("salary", "business", "pension", "misc", "other")
    for what in ("revenue", "income")
)
#: what each 所得割額 field is: 市区町村民税 (6% of the standard 10%), 道府県民税 (4%) or the whole
_LEVY_CODES = {"ZE0005": "municipal", "ZE0007": "prefectural"}


def levy_kind(name: str) -> str | None:
    """``municipal`` / ``prefectural`` / ``whole`` for a field named ``…所得割額`` (None for any
    other field): 市区町村民税・市町村民税・特別区民税 are municipal, 道府県民税・都民税・県民税・
    府民税・道民税 prefectural, a plain 所得割額 is the whole."""
    name = unicodedata.normalize("NFKC", name).strip()
    if not name.endswith("所得割額"):
        return None
    if any(w in name for w in ("市区町村民税", "市町村民税", "特別区民税")):
        return "municipal"
    if any(w in name for w in ("道府県民税", "都民税", "県民税", "府民税", "道民税")):
        return "prefectural"
    return "whole"


def _year_of(text: str | None) -> int | None:
    from ..jp.eras import parse_year

    value = (_nfkc(text) or "").removesuffix("分")
    if not value:
        return None
    try:
        return parse_year(value)
    except ValueError:
        raise MalformedDocument(f"not a year: {text!r}") from None


def _add(row: Record, column: str, value: int | None) -> None:
    if value is not None:
        row[column] = (row.get(column) or 0) + value


def parse_tax(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """税・所得: one record per 年分 with the 所得 by kind (``salary_revenue``, ``salary_income``,
    …), ``total_income`` (総所得金額等: the answer's, else the kinds' sum), ``taxable_standard``
    (課税標準額), the 所得割額 as given (``municipal_levy``, ``prefectural_levy``, or
    ``resident_levy`` for a plain 所得割額) and ``tax_status``. Several records of one 年分 (the
    older shape: one per 所得の種類) are put together."""
    nodes, meta = _myinfo_records(data)
    years: dict[int, Record] = {}
    known = {"ZE0001", "ZE0002", "ZE0003", "ZE0004", "ZE0005", "ZE0006", "ZE0007", "ZE0008"}
    for n in nodes:
        year = _year_of(n.get("ZE0001"))
        if year is None:
            raise MalformedDocument("税・所得 record without 年分", element="ZE0001")
        row = years.setdefault(year, {"person": meta["person"], "year": year, "extra": {}})
        kinds: list[tuple[str, int | None, int | None]] = []
        for child in n.children:
            if child.code == "ZE0002" and child.children:
                fields = child.field_map()
                kinds.append(
                    (
                        child.content,
                        _int(fields["ZE0003"].content) if "ZE0003" in fields else None,
                        _int(fields["ZE0004"].content) if "ZE0004" in fields else None,
                    )
                )
        if n.get("ZE0002") is not None and not any(c.children for c in n.children):
            kinds.append((n.get("ZE0002") or "", _int(n.get("ZE0003")), _int(n.get("ZE0004"))))
        for kind, revenue, income in kinds:
            label = _nfkc(kind) or ""
            prefix = INCOME_KINDS.get(label, "other")
            if prefix == "other":
                row["other_kinds"] = "、".join(
                    dict.fromkeys(
                        [*filter(None, (row.get("other_kinds") or "").split("、")), label]
                    )
                )
            _add(row, f"{prefix}_revenue", revenue)
            _add(row, f"{prefix}_income", income)
            _add(row, "_kinds_income", income)
        for child in n.children:
            if child.code == "ZE0002":
                continue
            levy = _LEVY_CODES.get(child.code) or levy_kind(child.name)
            if levy is not None:
                column = {"whole": "resident_levy"}.get(levy, f"{levy}_levy")
                value = _int(child.content)
                if value is not None:
                    row[column] = max(row.get(column) or 0, value)
            elif child.code == "ZE0008":
                row["total_income"] = _int(child.content)
            elif child.code == "ZE0009":
                row["taxable_standard"] = _int(child.content)
            elif child.code == "ZE0006":
                row["tax_status"] = child.content or None
            elif child.code not in known:
                row["extra"][child.name or child.code] = child.content
    out = []
    for year in sorted(years):
        row = years[year]
        kinds_total = row.pop("_kinds_income", None)
        if row.get("total_income") is None:
            row["total_income"] = kinds_total
        if row["extra"]:
            warnings.append(f"unknown fields kept in extra: {', '.join(row['extra'])}")
        out.append(row)
    return out, meta


def parse_household(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """世帯情報: one record per 世帯員 (``name``, ``relation`` 続柄, ``birth_date``, ``sex``,
    ``head`` whether they are the 世帯主, ``address``)."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        relation = _nfkc(n.get("SE0002"))
        out.append(
            {
                "person": meta["person"],
                "name": n.get("SE0001") or None,
                "relation": relation or None,
                "birth_date": parse_date(n.get("SE0003")),
                "sex": _nfkc(n.get("SE0005")) or None,
                "head": relation == "世帯主",
                "address": n.get("SE0004") or None,
                "extra": _known(n, {f"SE000{i}" for i in range(1, 6)}, warnings),
            }
        )
    return out, meta


def _month(text: str | None) -> str | None:
    day = parse_date(text)
    return day.strftime("%Y-%m") if day else None


def parse_childcare(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """子育て（児童手当）: one record per 対象児童."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        out.append(
            {
                "person": meta["person"],
                "recipient": n.get("KO0001") or None,
                "child": n.get("KO0002") or None,
                "monthly_amount": _int(n.get("KO0003")),
                "certified_on": parse_date(n.get("KO0004")),
                "status": _nfkc(n.get("KO0005")) or None,
                "first_month": _month(n.get("KO0006")),
                "last_month": _month(n.get("KO0007")),
                "extra": _known(n, {f"KO000{i}" for i in range(1, 8)}, warnings),
            }
        )
    return out, meta


def parse_care(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """介護・福祉（介護保険）: the 認定 (状況, 年月日, 要介護状態区分, 有効期間), 負担割合 and
    保険料."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        out.append(
            {
                "person": meta["person"],
                "insured_number": _nfkc(n.get("KA0001")) or None,
                "certification": _nfkc(n.get("KA0007")) or None,
                "certified_on": parse_date(n.get("KA0006")),
                "care_level": _nfkc(n.get("KA0002")) or None,
                "start": parse_date(n.get("KA0003")),
                "end": parse_date(n.get("KA0004")),
                "copay": _nfkc(n.get("KA0005")) or None,
                "annual_premium": _int(n.get("KA0008")),
                "premium_stage": _nfkc(n.get("KA0009")) or None,
                "collection": n.get("KA0010") or None,
                "extra": _known(n, {f"KA{i:04d}" for i in range(1, 11)}, warnings),
            }
        )
    return out, meta


def parse_employment(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """雇用保険: one record per 被保険者資格 (事業所, 資格取得, 離職 and why)."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        left = parse_date(n.get("KY0005"))
        out.append(
            {
                "person": meta["person"],
                "insured_number": _nfkc(n.get("KY0004")) or None,
                "employer": _nfkc(n.get("KY0001")) or None,
                "acquired_on": parse_date(n.get("KY0002")),
                "left_on": left,
                "category": n.get("KY0003") or None,
                "loss_reason": n.get("KY0006") or None,
                "insured": left is None,
                "extra": _known(n, {f"KY000{i}" for i in range(1, 7)}, warnings),
            }
        )
    return out, meta


def parse_insurance_card(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """健康保険証（資格情報）: one record per enrolment (保険者, 記号・番号・枝番, 本人/家族,
    資格取得・喪失, 一部負担金の割合)."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        lost = parse_date(n.get("HK0008"))
        out.append(
            {
                "person": meta["person"],
                "insurer": n.get("HK0001") or None,
                "insurer_number": _nfkc(n.get("HK0002")) or None,
                "symbol": n.get("HK0003") or None,
                "number": n.get("HK0004") or None,
                "branch": n.get("HK0005") or None,
                "relation": _nfkc(n.get("HK0006")) or None,
                "acquired_on": parse_date(n.get("HK0007")),
                "lost_on": lost,
                "copay": _nfkc(n.get("HK0009")) or None,
                "valid": lost is None,
                "extra": _known(n, {f"HK000{i}" for i in range(1, 10)}, warnings),
            }
        )
    return out, meta


def parse_vaccinations(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """予防接種: one record per dose (``vaccine``, ``dose``, ``date``, ``category`` 定期/任意/臨時,
    ``place``)."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        out.append(
            {
                "person": meta["person"],
                "date": parse_date(n.get("YS0003")),
                "vaccine": (n.get("YS0001") or "").strip() or None,
                "dose": _nfkc(n.get("YS0002")) or None,
                "category": n.get("YS0004") or None,
                "place": _nfkc(n.get("YS0005")) or None,
                "extra": _known(n, {f"YS000{i}" for i in range(1, 6)}, warnings),
            }
        )
    return out, meta


def parse_bank_account(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    """公金受取口座: whether one is registered and which (the number as the portal masks it)."""
    nodes, meta = _myinfo_records(data)
    out = []
    for n in nodes:
        status = _nfkc(n.get("KK0001")) or ""
        out.append(
            {
                "person": meta["person"],
                "registered": status == "登録済",
                "bank_name": n.get("KK0002") or None,
                "branch_name": n.get("KK0003") or None,
                "account_type": _nfkc(n.get("KK0004")) or None,
                "account_number": _nfkc(n.get("KK0005")) or None,
                "account_holder": n.get("KK0006") or None,
                "registered_on": parse_date(n.get("KK0007")),
                "extra": _known(n, {f"KK000{i}" for i in range(1, 8)}, warnings),
            }
        )
    return out, meta


def answer_status(data: bytes) -> dict[str, Any]:
    """What a stored わたしの情報 answer is, without reading its records: ``item_id``,
    ``status`` (``03`` results / ``04`` nothing on record), ``person`` and ``as_of``."""
    item = _item(_load(data))
    return {
        "item_id": item.get("itemId"),
        "status": item.get("status"),
        "person": _subject_name(item),
        "as_of": item.get("asOf"),
    }


def parse_drugs(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    item = _item(body)
    meta = {
        "person": _subject_name(item),
        "item_id": item.get("itemId"),
        "status": item.get("status"),
    }
    if item.get("status") == "04":
        return [], meta
    info = item.get("drugInfo")
    if not isinstance(info, dict):
        raise MalformedDocument("drugInfo missing", element="drugInfo")
    out = []
    for year, days in info.items():
        if not isinstance(days, dict):
            raise MalformedDocument(
                f"drugInfo[{year}] is not an object", element=f"drugInfo.{year}"
            )
        for day_text, dispensings in days.items():
            day = parse_date(day_text)
            if day is not None and str(day.year) != str(year):
                warnings.append(f"{day_text} filed under year {year}")
            for disp in dispensings if isinstance(dispensings, list) else [dispensings]:
                for line in disp.get("drugs", []):
                    times = _int(line.get("times"))
                    known = {"drugN", "quantity", "usageN", "times", "kbn"}
                    extra = {k: v for k, v in line.items() if k not in known}
                    if extra:
                        warnings.append(f"unknown drug fields kept in extra: {', '.join(extra)}")
                    out.append(
                        {
                            "person": meta["person"],
                            "date": day,
                            "prescriber": _nfkc(disp.get("prescriber")),
                            "pharmacy": _nfkc(disp.get("pharmacy")),
                            "drug": _nfkc(line.get("drugN")),
                            "drug_raw": line.get("drugN"),
                            "quantity": _nfkc(line.get("quantity")),
                            "usage": line.get("usageN"),
                            "days": times if line.get("kbn") == "内服" else None,
                            "route": line.get("kbn"),
                            "extra": extra,
                        }
                    )
    return out, meta


def parse_notices(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    person = _subject_name(body)
    out = [
        {
            "notice_id": n["noticeId"],
            "date": parse_date(n.get("date")),
            "sender": n.get("sender"),
            "category": n.get("category"),
            "title": n.get("title"),
            "body": n.get("body"),
            "read": bool(n.get("read")),
            "person": person,
        }
        for n in _list(body, "notices")
    ]
    return out, {"person": person, "page": body.get("page"), "total": body.get("total")}


def parse_history(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    person = _subject_name(body)
    out = [
        {
            "date": parse_date(e.get("date")),
            "requester": e.get("requester"),
            "provider": e.get("provider"),
            "item": e.get("item"),
            "purpose": e.get("purpose"),
            "person": person,
        }
        for e in _list(body, "entries")
    ]
    return out, {"person": person, "page": body.get("page"), "total": body.get("total")}


def parse_procedures(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    out = []
    for p in _list(body, "procedures"):
        out.append(
            {
                "procedure_id": p["procedureId"],
                "name": p.get("name"),
                "category": p.get("category"),
                "life_event": p.get("lifeEvent"),
                "audience": p.get("audience"),
                "deadline_rule": p.get("deadlineRule"),
                "deadline_days": p.get("deadlineDays"),
                "online": p.get("online"),
                "signature_required": p.get("signatureRequired"),
                "extra": {
                    k: p.get(k)
                    for k in ("attachments", "legalBasis", "whoCanApply", "description")
                    if k in p
                },
            }
        )
    return out, {"total": body.get("total")}


def parse_applications(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    person = _subject_name(body)
    out = [
        {
            "application_id": a["applicationId"],
            "procedure_id": a.get("procedureId"),
            "submitted": parse_date(a.get("submitted")),
            "status": a.get("status"),
            "updated": parse_date(a.get("updated")),
            "reason": a.get("reason") or None,  # 差戻し: why (電子申請, portal/PROTOCOL.md §9)
            "person": person,
        }
        for a in _list(body, "applications")
    ]
    return out, {"person": person}


def _list(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedDocument(f"{key} is not a list of objects", element=key)
    return value


_Parser = Callable[[bytes, list[str]], tuple[list[Record], dict[str, Any]]]
#: the parse function of each kind that has its own; any other わたしの情報 kind with ``results``
#: rows is read by :func:`parse_generic`
_OWN_PARSERS: dict[str, _Parser] = {
    "portal_pension": parse_pension,
    "portal_medical": parse_medical,
    "portal_checkups": parse_checkups,
    "portal_drugs": parse_drugs,
    "portal_tax": parse_tax,
    "portal_household": parse_household,
    "portal_childcare": parse_childcare,
    "portal_care": parse_care,
    "portal_employment": parse_employment,
    "portal_insurance_card": parse_insurance_card,
    "portal_vaccinations": parse_vaccinations,
    "portal_bank_account": parse_bank_account,
    "portal_notices": parse_notices,
    "portal_history": parse_history,
    "portal_procedures": parse_procedures,
    "portal_applications": parse_applications,
}
#: kind → parse function, for every kind of the operation table
PARSERS: dict[str, _Parser] = {
    kind: _OWN_PARSERS.get(kind, parse_generic)
    for kind in KINDS
    if kind in _OWN_PARSERS or kind in MYINFO_KINDS
}


def parse(kind: str, data: bytes, *, strict: bool = False) -> ParseResult:
    """Parse one portal document. ``strict``: unknown fields raise instead of warning."""
    if kind not in PARSERS:
        raise KeyError(f"not a portal kind: {kind!r}")
    warnings: list[str] = []
    try:
        records, meta = PARSERS[kind](data, warnings)
    except MalformedDocument:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise MalformedDocument(
            f"{kind}: unexpected structure ({type(exc).__name__}: {exc})"
        ) from None
    if strict and warnings:
        raise MalformedDocument(f"{kind}: {'; '.join(warnings)}")
    return ParseResult(records, warnings, meta)


def parser(kind: str) -> Callable[..., ParseResult]:
    """The parse function of ``kind`` as every parser of :mod:`mynalib.sources` is:
    ``parse(data, *, strict=False) -> ParseResult``."""
    if kind not in PARSERS:
        raise KeyError(f"not a portal kind: {kind!r}")

    def parse_kind(data: bytes, *, strict: bool = False) -> ParseResult:
        return parse(kind, data, strict=strict)

    parse_kind.__qualname__ = parse_kind.__name__ = f"parse_{kind}"
    return parse_kind


def detect(data: bytes) -> str | None:
    """The portal kind of a JSON document, by content (None if it is not one)."""
    try:
        body = _load(data)
    except MalformedDocument:
        return None
    items = body.get("items")
    if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
        kind = ITEM_KINDS.get(str(items[0].get("itemId")))
        if kind and items[0].get("status") in ("03", "04"):
            return kind
    for key, kind in _LIST_KINDS:
        if isinstance(body.get(key), list):
            return kind
    return None
