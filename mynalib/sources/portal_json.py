"""Parsers of the portal's JSON documents (``portal_*`` kinds) and their frame builders.

Pure functions: bytes in, records out (no network, no vault). The shapes are those of
``mynalib/portal/PROTOCOL.md``:

* わたしの情報 items (``portal_pension``, ``portal_medical``, ``portal_checkups``, ``portal_tax``,
  ``portal_household``, ``portal_childcare``, ``portal_care``, ``portal_employment``): the envelope
  of the final ``myinfo/get`` answer; ``results`` is a flat list of
  ``{hierarchy, code, name, content}`` where ``hierarchy`` is a dotted path (``"1"`` a record,
  ``"1.2"`` its second field, ``"1.4.1"`` a child of that field);
* ``portal_drugs``: ``drugInfo`` nested by year and by date (``"2026"`` → ``"2026年5月19日"`` →
  list of dispensings with ``prescriber``, ``pharmacy`` and ``drugs`` lines
  ``{drugN, quantity, usageN, times, kbn}``);
* ``portal_notices`` / ``portal_history`` (one page each), ``portal_procedures``,
  ``portal_applications``.

Records are plain dicts whose keys are the frame's columns (plus ``extra`` for anything unknown).
Frames: ``dispensings``, ``notices``, ``history``, ``procedures``, ``applications`` come only from
here; ``medical_expenses``, ``checkups`` and ``pension_periods`` gain the portal's rows.

Each わたしの情報 document is a full snapshot of that item for that person, so a frame uses only the
latest document per (kind, person): fetching again after new data never double counts.
お知らせ are merged by ``notice_id`` (the latest read state wins), やりとり履歴 by identical entry.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import MalformedDocument
from ..frames import register
from ..jp.eras import ERA_PATTERN, era_date, era_month
from ..portal.protocol import ITEMS, OPERATIONS, PORTAL_KINDS
from .limits import check_date
from .text import MAX_DIGITS, MAX_INT, shown

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

Record = dict[str, Any]

#: わたしの情報 item id → document kind, from the portal's operation table
ITEM_KINDS = {item.item_id: item.kind for item in ITEMS}
#: わたしの情報 kinds whose answer is the flat ``results`` list (薬剤情報 nests ``drugInfo``)
MYINFO_KINDS = tuple(item.kind for item in ITEMS if item.answer == "results")
#: every portal JSON kind this module parses: the operation table's (``PORTAL_KINDS``)
KINDS = PORTAL_KINDS
#: resBody list key → kind, for the operations whose stored answer is a list (detection)
_LIST_KINDS = tuple((op.answer, op.kind) for op in OPERATIONS if op.kind and op.raw and op.answer)


@dataclass
class PortalParseResult:
    records: list[Record]
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ dates
# matched after every white space is taken out (:func:`_wareki`): with ``\s*`` between every
# token, text such as "2025年1" + 8,000 spaces + "x" took minutes to refuse (the optional parts
# and the white space around them can be split in cubically many ways)
_DATE_RE = re.compile(
    rf"^(?:(?P<era>{ERA_PATTERN})(?P<ey>元|\d{{1,2}})|(?P<y>\d{{4}}))"
    r"[年./-](?P<m>\d{1,2})(?:[月./-](?P<d>\d{1,2})日?)?月?$"
)
_SPACE = re.compile(r"\s+")


def parse_date(text: str | None) -> date | None:
    """``2026年5月19日``, ``令和7年4月1日``, ``S55.4.1``, ``2026-05-19``, ``2025年3月`` → date
    (an era date must lie inside its era: :mod:`mynalib.jp.eras`)."""
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if not value:
        return None
    try:
        return check_date(
            date.fromisoformat(value[:10])
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value)
            else _wareki(value)
        )
    except ValueError as exc:
        raise MalformedDocument(f"not a date: {shown(value)} ({exc})") from None


def _wareki(value: str) -> date:
    m = _DATE_RE.match(_SPACE.sub("", value))
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
    m = re.match(r"^-?[0-9]+", value)
    if not m:
        raise MalformedDocument(f"not a number: {shown(value)}")
    digits = m.group(0).lstrip("-").lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise MalformedDocument(f"number too large (more than {MAX_DIGITS} digits): {shown(value)}")
    return int(m.group(0))


def _text(value: Any, what: str) -> str | None:
    """A text field: None, or a string (a number is written as text); anything else (an
    object, a list) is refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise MalformedDocument(f"{what} is not text", element=what)


def _required_text(value: Any, what: str) -> str:
    text = _text(value, what)
    if not text:
        raise MalformedDocument(f"{what} is missing", element=what)
    return text


def _flag(value: Any, what: str) -> bool | None:
    """A true/false field: None or a JSON boolean."""
    if value is None or isinstance(value, bool):
        return value
    raise MalformedDocument(f"{what} is not true or false", element=what)


def _count(value: Any, what: str) -> int | None:
    """A whole-number field: None or a JSON integer of at most MAX_DIGITS digits."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
        raise MalformedDocument(f"{what} is not a number of days", element=what)
    return value


def _required_date(value: Any, what: str) -> date:
    day = parse_date(value)
    if day is None:
        raise MalformedDocument(f"{what} has no date", element=what)
    return day


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
    except ValueError as exc:  # e.g. a number beyond int()'s digit limit
        raise MalformedDocument(f"not portal JSON: {shown(str(exc), 120)}") from None
    except RecursionError:
        raise MalformedDocument("not portal JSON: nested too deeply") from None
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
            "notice_id": _required_text(n.get("noticeId"), f"notices[{i}].noticeId"),
            "date": _required_date(n.get("date"), f"notices[{i}].date"),
            "sender": _text(n.get("sender"), f"notices[{i}].sender"),
            "category": _text(n.get("category"), f"notices[{i}].category"),
            "title": _text(n.get("title"), f"notices[{i}].title"),
            "body": _text(n.get("body"), f"notices[{i}].body"),
            "read": bool(n.get("read")),
            "person": person,
        }
        for i, n in enumerate(_list(body, "notices"))
    ]
    return out, {"person": person, "page": body.get("page"), "total": body.get("total")}


def parse_history(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    person = _subject_name(body)
    out = [
        {
            "date": _required_date(e.get("date"), f"entries[{i}].date"),
            "requester": _text(e.get("requester"), f"entries[{i}].requester"),
            "provider": _text(e.get("provider"), f"entries[{i}].provider"),
            "item": _text(e.get("item"), f"entries[{i}].item"),
            "purpose": _text(e.get("purpose"), f"entries[{i}].purpose"),
            "person": person,
        }
        for i, e in enumerate(_list(body, "entries"))
    ]
    return out, {"person": person, "page": body.get("page"), "total": body.get("total")}


def parse_procedures(data: bytes, warnings: list[str]) -> tuple[list[Record], dict[str, Any]]:
    body = _load(data)
    out = []
    for i, p in enumerate(_list(body, "procedures")):
        at = f"procedures[{i}]"
        out.append(
            {
                "procedure_id": _required_text(p.get("procedureId"), f"{at}.procedureId"),
                "name": _text(p.get("name"), f"{at}.name"),
                "category": _text(p.get("category"), f"{at}.category"),
                "life_event": _text(p.get("lifeEvent"), f"{at}.lifeEvent"),
                "audience": _text(p.get("audience"), f"{at}.audience"),
                "deadline_rule": _text(p.get("deadlineRule"), f"{at}.deadlineRule"),
                "deadline_days": _count(p.get("deadlineDays"), f"{at}.deadlineDays"),
                "online": _flag(p.get("online"), f"{at}.online"),
                "signature_required": _flag(p.get("signatureRequired"), f"{at}.signatureRequired"),
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
            "application_id": _required_text(a.get("applicationId"), f"applications[{i}].id"),
            "procedure_id": _text(a.get("procedureId"), f"applications[{i}].procedureId"),
            "submitted": parse_date(a.get("submitted")),
            "status": _text(a.get("status"), f"applications[{i}].status"),
            "updated": parse_date(a.get("updated")),
            "person": person,
        }
        for i, a in enumerate(_list(body, "applications"))
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


def parse(kind: str, data: bytes, *, strict: bool = False) -> PortalParseResult:
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
    return PortalParseResult(records, warnings, meta)


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


# -------------------------------------------------------------------------------- frames
def _order(doc: Document) -> tuple[datetime, int]:
    return (doc.fetched_at, doc.id or 0)


def latest_per_person(docs: Sequence[Document]) -> list[Document]:
    """The newest document per (kind, person): わたしの情報 answers are full snapshots."""
    best: dict[tuple[str, str | None], Document] = {}
    for doc in docs:
        key = (doc.kind, doc.person)
        if key not in best or _order(doc) > _order(best[key]):
            best[key] = doc
    return sorted(best.values(), key=_order)


def _rows(docs: Sequence[Document], *, snapshot: bool = True) -> list[Record]:
    rows = []
    for doc in latest_per_person(docs) if snapshot else sorted(docs, key=_order):
        result = parse(doc.kind, doc.data)
        for rec in result.records:
            rec = {k: v for k, v in rec.items() if k != "extra"}
            rec["source_id"] = doc.id
            if rec.get("person") is None and "person" in rec:
                rec["person"] = doc.person
            rows.append(rec)
    return rows


def _frame(rows: list[Record]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows)


@register("dispensings", ["portal_drugs"])
def build_dispensings(docs: Sequence[Document]) -> pd.DataFrame:
    return _frame(_rows(docs))


# The same facts may also come from files the user imported (医療費通知 CSV, 特定健診 XML, the
# pension template). The imported file wins where both cover the same ground, so nothing is
# counted twice: these builders also receive those kinds, only to learn what they cover.
def _covered(docs: Sequence[Document], kind: str) -> tuple[set[tuple[Any, ...]], list[Document]]:
    from . import parse as parse_any

    covered: set[tuple[Any, ...]] = set()
    portal = [d for d in docs if d.kind.startswith("portal_")]
    if not portal:  # nothing to de-duplicate: don't parse the imported files a second time
        return covered, portal
    for doc in docs:
        if doc.kind != kind:
            continue
        try:
            meta = parse_any(kind, doc.data).meta
        except Exception:  # noqa: S112 - a broken file covers nothing; its own builder reports it
            continue
        who = meta.get("person") or doc.person
        if kind == "iryohi_csv" and meta.get("period"):
            start, end = meta["period"]
            y, m = start.year, start.month
            while (y, m) <= (end.year, end.month):
                covered.add((who, f"{y:04d}-{m:02d}"))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        elif kind == "kenshin_cda" and meta.get("date"):
            covered.add((who, meta["date"]))
        elif kind == "nenkin_csv":
            covered.add((who,))
    return covered, portal


@register("medical_expenses", ["portal_medical", "iryohi_csv"])
def build_medical(docs: Sequence[Document]) -> pd.DataFrame:
    covered, portal = _covered(docs, "iryohi_csv")
    return _frame([r for r in _rows(portal) if (r["person"], r["month"]) not in covered])


@register("checkups", ["portal_checkups", "kenshin_cda"])
def build_checkups(docs: Sequence[Document]) -> pd.DataFrame:
    covered, portal = _covered(docs, "kenshin_cda")
    return _frame([r for r in _rows(portal) if (r["person"], r["date"]) not in covered])


@register("pension_periods", ["portal_pension", "nenkin_csv"])
def build_pension(docs: Sequence[Document]) -> pd.DataFrame:
    covered, portal = _covered(docs, "nenkin_csv")
    return _frame([r for r in _rows(portal) if (r["person"],) not in covered])


@register("procedures", ["portal_procedures"])
def build_procedures(docs: Sequence[Document]) -> pd.DataFrame:
    rows = _rows(docs)
    return _frame([{k: v for k, v in r.items() if k != "source_id"} for r in rows])


@register("applications", ["portal_applications"])
def build_applications(docs: Sequence[Document]) -> pd.DataFrame:
    return _frame(_rows(docs))


@register("notices", ["portal_notices"])
def build_notices(docs: Sequence[Document]) -> pd.DataFrame:
    merged: dict[tuple[str | None, str], Record] = {}
    for rec in _rows(docs, snapshot=False):  # oldest first: the latest read state wins
        merged[(rec.get("person"), rec["notice_id"])] = rec
    rows = sorted(merged.values(), key=lambda r: (r["date"], r["notice_id"]), reverse=True)
    return _frame([{k: v for k, v in r.items() if k != "source_id"} for r in rows])


@register("history", ["portal_history"])
def build_history(docs: Sequence[Document]) -> pd.DataFrame:
    seen: dict[tuple[Any, ...], Record] = {}
    for rec in _rows(docs, snapshot=False):
        key = tuple(
            rec.get(k) for k in ("person", "date", "requester", "provider", "item", "purpose")
        )
        seen[key] = rec
    rows = sorted(seen.values(), key=lambda r: r["date"], reverse=True)
    return _frame([{k: v for k, v in r.items() if k != "source_id"} for r in rows])
