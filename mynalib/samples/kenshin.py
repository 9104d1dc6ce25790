"""特定健診: the adults' yearly check-up results and the HL7 CDA documents written from them.

taro (June, at his employer's 健診センター), hanako (September) and ume (後期高齢者健診 in
October, at her clinic), 2021–2025. The documents are in the format
:mod:`mynalib.sources.kenshin_cda` reads.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from ._xml import xml_escape
from .household import DEFAULT_SEED, YEARS, coverage, person

#: (code, display name, unit, decimals) of the items written; method variants share the name
_CHECKUP_ITEMS: dict[str, tuple[str, str, int]] = {
    "height": ("身長", "cm", 1),
    "weight": ("体重", "kg", 1),
    "bmi": ("ＢＭＩ", "kg/m2", 1),
    "waist": ("腹囲（実測）", "cm", 1),
    "sbp": ("収縮期血圧", "mmHg", 0),
    "dbp": ("拡張期血圧", "mmHg", 0),
    "tg": ("中性脂肪（トリグリセリド）", "mg/dL", 0),
    "hdl": ("ＨＤＬコレステロール", "mg/dL", 0),
    "ldl": ("ＬＤＬコレステロール", "mg/dL", 0),
    "ast": ("ＧＯＴ（ＡＳＴ）", "U/L", 0),
    "alt": ("ＧＰＴ（ＡＬＴ）", "U/L", 0),
    "ggt": ("γ－ＧＴ（γ－ＧＴＰ）", "U/L", 0),
    "fpg": ("空腹時血糖", "mg/dL", 0),
    "hba1c": ("ＨｂＡ１ｃ（ＮＧＳＰ値）", "%", 1),
}

#: 特定健診項目コード per item: the default and a method-specific variant used in some years
_CODES: dict[str, tuple[str, str]] = {
    "height": ("9N001000000000001", "9N001000000000001"),
    "weight": ("9N006000000000001", "9N006000000000001"),
    "bmi": ("9N011000000000001", "9N011000000000001"),
    "waist": ("9N016160100000001", "9N016160100000001"),
    "tg": ("3F015000002327101", "3F015000002327201"),  # 可視吸光光度法 / 紫外吸光光度法
    "hdl": ("3F070000002327101", "3F070000002327201"),
    "ldl": ("3F077000002327101", "3F077000002327201"),
    "ast": ("3B035000002327201", "3B035000002399901"),  # JSCC 標準化対応法 / その他
    "alt": ("3B045000002327201", "3B045000002399901"),
    "ggt": ("3B090000002327101", "3B090000002399901"),
    "fpg": ("3D010000001926101", "3D010000002227101"),  # 電位差法 / 紫外吸光光度法
    "hba1c": ("3D045000001906202", "3D045000001920402"),  # ラテックス凝集比濁法 / HPLC
}
#: blood pressure: two readings (1回目/2回目) or one "その他" reading
_BP_CODES = {
    "sbp": ("9A751000000000001", "9A752000000000001", "9A755000000000001"),
    "dbp": ("9A761000000000001", "9A762000000000001", "9A765000000000001"),
}

#: per adult: institution, (month, day) of the check-up, base values and yearly trend
_CHECKUP_PLANS: dict[str, dict[str, Any]] = {
    "taro": {
        "institution": ("1399900011", "一般財団法人見本健康管理協会　見本健診センター"),
        "when": (6, 12),
        "variant_years": (2022, 2024, 2025),
        "two_bp_years": (2022, 2024),
        "base": {
            "height": (171.2, 0.0, 0.2),
            "weight": (72.0, 1.0, 0.5),
            "waist": (86.0, 1.1, 0.6),
            "sbp": (126, 4.0, 2.0),
            "dbp": (80, 3.0, 1.5),
            "tg": (140, 12, 10),
            "hdl": (52, -1.0, 1.5),
            "ldl": (132, 4.0, 5.0),
            "ast": (24, 1.5, 2.0),
            "alt": (28, 2.5, 2.0),
            "ggt": (45, 6.0, 4.0),
            "fpg": (98, 5.0, 2.0),
            "hba1c": (5.6, 0.2, 0.03),
        },
        "glucosuria_from": 2025,
    },
    "hanako": {
        "institution": ("1399900011", "一般財団法人見本健康管理協会　見本健診センター"),
        "when": (9, 18),
        "variant_years": (2023,),
        "two_bp_years": (2021, 2023, 2025),
        "base": {
            "height": (158.4, 0.0, 0.2),
            "weight": (53.0, 0.3, 0.4),
            "waist": (74.0, 0.4, 0.5),
            "sbp": (112, 1.0, 3.0),
            "dbp": (70, 0.5, 2.0),
            "tg": (80, 2.0, 8.0),
            "hdl": (68, 0.0, 3.0),
            "ldl": (118, 5.0, 4.0),
            "ast": (20, 0.0, 2.0),
            "alt": (16, 0.3, 2.0),
            "ggt": (18, 0.0, 2.0),
            "fpg": (88, 0.5, 3.0),
            "hba1c": (5.3, 0.03, 0.05),
        },
        "glucosuria_from": None,
    },
    "ume": {
        "institution": ("1399900027", "医療法人社団見本会　見本内科クリニック"),
        "when": (10, 8),
        "variant_years": (2021, 2025),
        "two_bp_years": (),
        "base": {
            "height": (148.0, -0.3, 0.1),
            "weight": (47.0, -0.4, 0.4),
            "waist": (78.0, 0.0, 0.8),
            "sbp": (138, 0.5, 4.0),
            "dbp": (76, 0.0, 2.0),
            "tg": (110, 0.0, 10.0),
            "hdl": (58, 0.0, 2.0),
            "ldl": (112, 0.0, 6.0),
            "ast": (23, 0.0, 2.0),
            "alt": (15, 0.0, 2.0),
            "ggt": (17, 0.0, 2.0),
            "fpg": (102, 0.0, 4.0),
            "hba1c": (5.9, 0.0, 0.08),
        },
        "glucosuria_from": None,
    },
}


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def household_checkups(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The 特定健診 results of taro, hanako and ume, one dict per check-up (2021–2025)::

        {"person_id": "taro", "person": "見本　太郎", "date": datetime.date(2025, 6, 12),
         "institution": "一般財団法人見本健康管理協会　見本健診センター",
         "institution_no": "1399900011",
         "items": [{"key": "hba1c", "code": "3D045000001920402",
                    "item": "ＨｂＡ１ｃ（ＮＧＳＰ値）", "value": "6.4", "unit": "%"},
                   {"key": "sbp", "code": "9A751000000000001", "item": "収縮期血圧（１回目）",
                    "value": "142", "unit": "mmHg"},
                   {"key": "urine_glucose", "code": "1A020000000190111", "item": "尿糖",
                    "value": None, "coded": "1", "unit": None}, ...]}

    ``value`` is the text of the number as written in the CDA (``None`` for coded results,
    which carry ``coded``: 1 −, 2 ±, 3 +). ``key`` names the analyte whatever the method code.
    taro's HbA1c, fasting glucose and blood pressure creep up year by year.
    """
    out = []
    for pid, plan in _CHECKUP_PLANS.items():
        rng = random.Random(f"{seed}:checkup:{pid}")
        for i, year in enumerate(YEARS):
            month, day = plan["when"]
            d = date(year, month, day + rng.randint(0, 6))
            variant = 1 if year in plan["variant_years"] else 0
            values: dict[str, float] = {}
            for key, (base, slope, jitter) in plan["base"].items():
                values[key] = base + slope * i + rng.uniform(-jitter, jitter)
            h = round(values["height"], 1)
            w = round(values["weight"], 1)
            values["height"], values["weight"] = h, w
            values["bmi"] = w / (h / 100) ** 2
            items: list[dict[str, Any]] = []
            for key in ("height", "weight", "bmi", "waist"):
                name, unit, dec = _CHECKUP_ITEMS[key]
                items.append(
                    {
                        "key": key,
                        "code": _CODES[key][variant],
                        "item": name,
                        "value": _fmt(values[key], dec),
                        "unit": unit,
                    }
                )
            for key in ("sbp", "dbp"):
                name, unit, _ = _CHECKUP_ITEMS[key]
                first, second, other = _BP_CODES[key]
                v = round(values[key])
                if year in plan["two_bp_years"]:
                    v2 = v + rng.randint(-6, 2)
                    items.append(
                        {
                            "key": key,
                            "code": first,
                            "item": f"{name}（１回目）",
                            "value": str(v),
                            "unit": unit,
                        }
                    )
                    items.append(
                        {
                            "key": key,
                            "code": second,
                            "item": f"{name}（２回目）",
                            "value": str(v2),
                            "unit": unit,
                        }
                    )
                else:
                    items.append(
                        {
                            "key": key,
                            "code": other,
                            "item": f"{name}（その他）",
                            "value": str(v),
                            "unit": unit,
                        }
                    )
            for key in ("tg", "hdl", "ldl", "ast", "alt", "ggt", "fpg", "hba1c"):
                name, unit, dec = _CHECKUP_ITEMS[key]
                items.append(
                    {
                        "key": key,
                        "code": _CODES[key][variant],
                        "item": name,
                        "value": _fmt(values[key], dec),
                        "unit": unit,
                    }
                )
            glucosuria = plan["glucosuria_from"] is not None and year >= plan["glucosuria_from"]
            items.append(
                {
                    "key": "urine_glucose",
                    "code": "1A020000000190111",
                    "item": "尿糖",
                    "value": None,
                    "coded": "2" if glucosuria else "1",
                    "unit": None,
                }
            )
            items.append(
                {
                    "key": "urine_protein",
                    "code": "1A010000000190111",
                    "item": "尿蛋白",
                    "value": None,
                    "coded": "1",
                    "unit": None,
                }
            )
            inst_no, inst = plan["institution"]
            out.append(
                {
                    "person_id": pid,
                    "person": person(pid).name,
                    "date": d,
                    "institution": inst,
                    "institution_no": inst_no,
                    "items": items,
                }
            )
    return out


_GROUPS = (
    ("身体計測", ("height", "weight", "bmi", "waist")),
    ("血圧", ("sbp", "dbp")),
    ("脂質検査", ("tg", "hdl", "ldl")),
    ("肝機能検査", ("ast", "alt", "ggt")),
    ("血糖検査", ("fpg", "hba1c")),
    ("尿検査", ("urine_glucose", "urine_protein")),
)


def kenshin_cda(checkup: dict[str, Any]) -> bytes:
    """One 特定健診 CDA document for a :func:`household_checkups` entry."""
    p = person(checkup["person_id"])
    d: date = checkup["date"]
    cov = coverage(p.id, d.year, d.month)
    ymd = f"{d:%Y%m%d}"
    t = "\t"

    def obs(item: dict[str, Any], depth: int) -> list[str]:
        ind = t * depth
        lines = [
            f'{ind}<observation classCode="OBS" moodCode="EVN">',
            f'{ind}{t}<code code="{item["code"]}" codeSystem="1.2.392.200119.6.1005" '
            f'displayName="{xml_escape(item["item"])}"/>',
        ]
        if item["value"] is None:
            lines.append(
                f'{ind}{t}<value xsi:type="CO" code="{item["coded"]}" '
                'codeSystem="1.2.392.200119.6.2101"/>'
            )
        else:
            lines.append(
                f'{ind}{t}<value xsi:type="PQ" value="{item["value"]}" unit="{xml_escape(item["unit"])}"/>'
            )
        lines.append(f"{ind}</observation>")
        return lines

    entries: list[str] = []
    by_key: dict[str, list[dict[str, Any]]] = {}
    for item in checkup["items"]:
        by_key.setdefault(item["key"], []).append(item)
    for n, (group, keys) in enumerate(_GROUPS):
        members = [it for k in keys for it in by_key.get(k, [])]
        if group in ("身体計測", "尿検査"):
            for it in members:  # flat entries
                entries += [f"{t * 5}<entry>", *obs(it, 6), f"{t * 5}</entry>"]
            continue
        entries += [  # grouped items nest under entryRelationship
            f"{t * 5}<entry>",
            f'{t * 6}<observation classCode="OBS" moodCode="EVN">',
            f'{t * 7}<code code="0{n + 1}000" codeSystem="1.2.392.200119.6.1010" '
            f'displayName="{group}"/>',
        ]
        for it in members:
            entries += [
                f'{t * 7}<entryRelationship typeCode="COMP">',
                *obs(it, 8),
                f"{t * 7}</entryRelationship>",
            ]
        entries += [f"{t * 6}</observation>", f"{t * 5}</entry>"]

    doc_id = f"{checkup['institution_no']}{ymd}{p.id.upper()}"
    # プログラム種別 (1.2.392.200119.6.1002): 010 特定健診; 020 広域連合の保健事業 (後期高齢者健診)
    program, program_name = (
        ("020", "広域連合の保健事業") if p.role == "parent" else ("010", "特定健診")
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ClinicalDocument xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        f'{t}<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
        f'{t}<id root="1.2.392.200119.6.102.1{checkup["institution_no"]}" extension="{doc_id}"/>',
        f'{t}<code code="10" codeSystem="1.2.392.200119.6.1001" displayName="特定健診情報"/>',
        f"{t}<title>特定健康診査結果</title>",
        f'{t}<effectiveTime value="{ymd}"/>',
        f'{t}<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>',
        f"{t}<recordTarget>",
        f"{t * 2}<patientRole>",
        f'{t * 3}<id extension="{cov.insurer_no}" root="1.2.392.200119.6.101"/>',
        f'{t * 3}<id extension="{cov.symbol}" root="1.2.392.200119.6.204"/>',
        f'{t * 3}<id extension="{cov.number}" root="1.2.392.200119.6.205"/>',
        f"{t * 3}<addr>{p.address}</addr>",
        f"{t * 3}<patient>",
        f'{t * 4}<name use="IDE">{p.name}</name>',
        f'{t * 4}<name use="SYL">{p.kana}</name>',
        f'{t * 4}<administrativeGenderCode code="{p.sex}" codeSystem="1.2.392.200119.6.1104"/>',
        f'{t * 4}<birthTime value="{p.birth:%Y%m%d}"/>',
        f"{t * 3}</patient>",
        f"{t * 2}</patientRole>",
        f"{t}</recordTarget>",
        f"{t}<author>",
        f'{t * 2}<time value="{ymd}"/>',
        f"{t * 2}<assignedAuthor>",
        f'{t * 3}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 3}<representedOrganization>",
        f'{t * 4}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 4}<name>{checkup['institution']}</name>",
        f"{t * 3}</representedOrganization>",
        f"{t * 2}</assignedAuthor>",
        f"{t}</author>",
        f"{t}<custodian>",
        f"{t * 2}<assignedCustodian>",
        f"{t * 3}<representedCustodianOrganization>",
        f'{t * 4}<id nullFlavor="NI"/>',
        f"{t * 3}</representedCustodianOrganization>",
        f"{t * 2}</assignedCustodian>",
        f"{t}</custodian>",
        f"{t}<documentationOf>",
        f"{t * 2}<serviceEvent>",
        f'{t * 3}<code code="{program}" codeSystem="1.2.392.200119.6.1002" '
        f'displayName="{program_name}"/>',
        f'{t * 3}<effectiveTime value="{ymd}"/>',
        f'{t * 3}<performer typeCode="PRF">',
        f"{t * 4}<assignedEntity>",
        f'{t * 5}<id nullFlavor="NI"/>',
        f"{t * 5}<representedOrganization>",
        f'{t * 6}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 6}<name>{checkup['institution']}</name>",
        f"{t * 5}</representedOrganization>",
        f"{t * 4}</assignedEntity>",
        f"{t * 3}</performer>",
        f"{t * 2}</serviceEvent>",
        f"{t}</documentationOf>",
        f"{t}<component>",
        f"{t * 2}<structuredBody>",
        f"{t * 3}<component>",
        f"{t * 4}<section>",
        f'{t * 5}<code code="01010" codeSystem="1.2.392.200119.6.1010" '
        'displayName="検査・問診結果セクション"/>',
        f"{t * 5}<title>検査・問診結果セクション</title>",
        f"{t * 5}<text/>",
        *entries,
        f"{t * 4}</section>",
        f"{t * 3}</component>",
        f"{t * 2}</structuredBody>",
        f"{t}</component>",
        "</ClinicalDocument>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def kenshin_path(checkup: dict[str, Any]) -> str:
    """Where the CDA of a :func:`household_checkups` entry goes, relative to ``sample_data/``."""
    pid = checkup["person_id"]
    return f"kenshin/{pid}/kenshin_{pid}_{checkup['date']:%Y%m%d}.xml"


def kenshin_files(seed: int) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every 特定健診 CDA document."""
    return [(kenshin_path(c), kenshin_cda(c)) for c in household_checkups(seed)]
