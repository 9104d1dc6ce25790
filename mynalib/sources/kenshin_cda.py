"""特定健診 XML (MHLW standard, HL7 CDA R2) — docs/FORMATS.md §3.

Reads the patient (``recordTarget/patientRole``: insurer number, card symbol/number by their
OIDs, name, sex, birth), the checkup date (``documentationOf/serviceEvent/effectiveTime``), the
institution (``author/assignedAuthor/representedOrganization/name``) and every ``observation``
under ``component/structuredBody/component/section/entry``, including those nested under
``entryRelationship``. Each observation with a value becomes one
:class:`~mynalib.sources.records.CheckupItem`.

Item names: several 17-character 特定健診項目コード per analyte differ only by measuring method
(or by 1st/2nd reading): :data:`ITEM_PREFIXES` maps code prefixes (longest first) to one name.
Unknown codes keep ``displayName`` as the item and give one warning per code. Numeric results
(``xsi:type="PQ"``) fill ``value`` and ``unit``; coded results (``CD``/``CO``/``CV``) keep their
``displayName`` (or code) in ``value_text``; ``ST`` text is kept as is.

``meta``: person, person_kana (unused: CDA carries no kana), sex ("1"/"2"), birth, date,
institution, insurer_number, card_symbol, card_number, items (count).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import MalformedDocument
from .limits import Warnings, check_date, cut
from .records import CheckupItem, ParseResult
from .text import nfkc
from .xml import local, parse_xml

if TYPE_CHECKING:
    from lxml import etree

KIND = "kenshin_cda"
HL7 = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
OID_INSURER = "1.2.392.200119.6.101"
OID_CARD_SYMBOL = "1.2.392.200119.6.204"
OID_CARD_NUMBER = "1.2.392.200119.6.205"

#: code prefix → item name; the longest matching prefix wins
ITEM_PREFIXES: dict[str, str] = {
    "9N001": "身長",
    "9N006": "体重",
    "9N011": "BMI",
    "9N016": "腹囲",
    "9N021": "内臓脂肪面積",
    "9A751": "収縮期血圧",
    "9A752": "収縮期血圧",
    "9A755": "収縮期血圧",
    "9A761": "拡張期血圧",
    "9A762": "拡張期血圧",
    "9A765": "拡張期血圧",
    "3F015": "中性脂肪",
    "3F050": "総コレステロール",
    "3F070": "HDLコレステロール",
    "3F077": "LDLコレステロール",
    "8A201": "Non-HDLコレステロール",
    "3B035": "AST(GOT)",
    "3B045": "ALT(GPT)",
    "3B090": "γ-GT(γ-GTP)",
    "3D010": "血糖",
    "3D0100000019": "空腹時血糖",
    "3D0100000022": "随時血糖",
    "3D045": "HbA1c",
    "3C015": "血清クレアチニン",
    "8A065": "eGFR",
    "3C020": "尿酸",
    "1A020": "尿糖",
    "1A010": "尿蛋白",
    "2A020": "赤血球数",
    "2A030": "血色素量",
    "2A040": "ヘマトクリット値",
    "9A110": "心電図",
    "9N501": "メタボリックシンドローム判定",
    "9N701": "服薬（血圧）",
    "9N706": "服薬（血糖）",
    "9N711": "服薬（脂質）",
    "9N736": "喫煙",
}
_PREFIXES_LONGEST_FIRST = sorted(ITEM_PREFIXES, key=len, reverse=True)


def item_name(code: str, display_name: str | None = None) -> str | None:
    """The one item name for ``code`` (None when the code is not in :data:`ITEM_PREFIXES`)."""
    for prefix in _PREFIXES_LONGEST_FIRST:
        if code.startswith(prefix):
            return ITEM_PREFIXES[prefix]
    return None


def _h(name: str) -> str:
    return f"{{{HL7}}}{name}"


def detect(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<") or b"ClinicalDocument" not in data[:8192]:
        return False
    root = parse_xml(data, what="XML file")
    return root.tag == _h("ClinicalDocument")


def _cda_date(value: str | None) -> date | None:
    if not value:
        return None
    digits = value.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"not a CDA date: {value!r}")
    return check_date(date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])))


def parse(data: bytes, *, strict: bool = False) -> ParseResult:
    """Parse a 特定健診 CDA document; see the module docstring."""
    root = parse_xml(data, what="特定健診 XML")
    if root.tag != _h("ClinicalDocument"):
        raise MalformedDocument(
            f"root element {local(root.tag)!r} is not an HL7 CDA ClinicalDocument ({HL7})"
        )
    warnings = Warnings()

    def problem(message: str, element: str | None = None) -> None:
        if strict:
            raise MalformedDocument(cut(f"特定健診 XML: {message}"), element=element)
        warnings.append(f"{element}: {message}" if element else message)

    meta: dict[str, Any] = {}
    role = root.find(f"{_h('recordTarget')}/{_h('patientRole')}")
    person: str | None = None
    if role is None:
        problem("recordTarget/patientRole missing", "recordTarget")
    else:
        for ident in role.findall(_h("id")):
            key = {
                OID_INSURER: "insurer_number",
                OID_CARD_SYMBOL: "card_symbol",
                OID_CARD_NUMBER: "card_number",
            }.get(ident.get("root", ""))
            if key:
                meta[key] = ident.get("extension")
        patient = role.find(_h("patient"))
        if patient is not None:
            name_el = patient.find(_h("name"))
            if name_el is not None:
                parts = [t.strip() for t in name_el.itertext() if t.strip()]
                person = "\u3000".join(parts) if len(parts) > 1 else (parts[0] if parts else None)
            sex = patient.find(_h("administrativeGenderCode"))
            if sex is not None:
                meta["sex"] = sex.get("code")
            birth = patient.find(_h("birthTime"))
            if birth is not None:
                try:
                    meta["birth"] = _cda_date(birth.get("value"))
                except ValueError as exc:
                    problem(str(exc), "birthTime")
        if person is None:
            problem("patient name missing", "patient")
    meta["person"] = person

    eff = root.find(f"{_h('documentationOf')}/{_h('serviceEvent')}/{_h('effectiveTime')}")
    when: date | None = None
    if eff is not None:
        value = eff.get("value")
        if value is None:
            low = eff.find(_h("low"))
            value = low.get("value") if low is not None else None
        try:
            when = _cda_date(value)
        except ValueError as exc:
            problem(str(exc), "effectiveTime")
    if when is None:
        problem("checkup date (documentationOf/serviceEvent/effectiveTime) missing", "serviceEvent")
    meta["date"] = when

    org = root.find(
        f"{_h('author')}/{_h('assignedAuthor')}/{_h('representedOrganization')}/{_h('name')}"
    )
    institution = org.text.strip() if org is not None and org.text else None
    meta["institution"] = institution

    body = root.find(f"{_h('component')}/{_h('structuredBody')}")
    if body is None:
        problem("component/structuredBody missing", "structuredBody")
        return ParseResult([], warnings.done(), meta)

    records: list[CheckupItem] = []
    unknown_codes: set[str] = set()

    def visit(obs: etree._Element) -> None:
        code_el = obs.find(_h("code"))
        value_el = obs.find(_h("value"))
        if code_el is not None and value_el is not None:
            code = (code_el.get("code") or "").strip()
            display = code_el.get("displayName")
            name = item_name(code, display)
            if not code:
                problem("observation without code/@code", "observation")
            else:
                if name is None:
                    if code not in unknown_codes:
                        unknown_codes.add(code)
                        if not strict:
                            warnings.append(f"unknown 特定健診項目コード {code} ({display or '?'})")
                    name = display or code
                xtype = local(value_el.get(XSI_TYPE, "").split(":")[-1])
                number: float | None = None
                text: str | None = None
                unit: str | None = None
                if value_el.get("value") is not None and xtype in ("PQ", "INT", "REAL", ""):
                    raw = value_el.get("value", "").strip()
                    text = raw
                    unit = value_el.get("unit")
                    try:
                        number = float(nfkc(raw))
                    except ValueError:
                        problem(f"result {raw!r} of {code} is not a number", "value")
                elif value_el.get("code") is not None:
                    text = value_el.get("displayName") or value_el.get("code")
                else:
                    text = "".join(value_el.itertext()).strip() or None
                    if text is None and value_el.get("nullFlavor") is None:
                        problem(f"empty result for {code}", "value")
                records.append(
                    CheckupItem(
                        person=person,
                        date=when,
                        institution=institution,
                        code=code,
                        item=name,
                        value=number,
                        value_text=text,
                        unit=unit,
                        display_name=display,
                    )
                )
        for rel in obs.findall(_h("entryRelationship")):
            for child in rel:
                if child.tag in (_h("observation"), _h("organizer")):
                    visit(child)

    for section in body.iter(_h("section")):
        for entry in section.findall(_h("entry")):
            for child in entry:
                if child.tag == _h("observation"):
                    visit(child)
                elif child.tag == _h("organizer"):
                    for comp in child.findall(_h("component")):
                        for obs in comp.findall(_h("observation")):
                            visit(obs)
    if strict and unknown_codes:
        raise MalformedDocument(
            f"特定健診 XML: unknown item codes {sorted(unknown_codes)}", element="observation"
        )
    meta["items"] = len(records)
    return ParseResult(records, warnings.done(), meta)
