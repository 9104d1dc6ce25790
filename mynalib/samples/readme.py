"""The ``README.md`` of the generated ``sample_data/`` folder: what every file is and holds."""

from __future__ import annotations

import re
from typing import Any

from .household import COVERAGES, DEFAULT_SEED, HOUSEHOLD, person
from .iryohi import iryohi_files
from .kenshin import household_checkups, kenshin_path
from .kojo import household_certificates
from .medical import household_claims
from .nenkin import nenkin_files, pension_history

_FORM_TITLES = {
    "TEG800": "生命保険料控除証明書",
    "TEG810": "地震保険料控除証明書",
    "TEG822": "寄附金受領証明書（ふるさと納税, 自治体）",
    "TEG830": "寄附金控除に関する証明書（ポータル年間）",
    "TEG840": "国民年金保険料控除証明書（2年前納）",
    "TEG850": "小規模企業共済等掛金控除証明書（iDeCo）",
}


def _cert_note(cert: dict[str, Any]) -> str:
    s = cert["summary"]
    form = cert["form"]
    if form == "TEG800":
        parts = [
            f"{c['regime']}制度 {c['category']} {c['certified']:,}円 (1–9月; 12月想定 {c['projected']:,}円)"
            for c in s
        ]
        return "; ".join(parts)
    if form == "TEG810":
        return "; ".join(f"{c['kind']} {c['deductible']:,}円" for c in s)
    if form == "TEG822":
        return "; ".join(f"{c['date']:%Y-%m-%d} {c['amount']:,}円" for c in s)
    if form == "TEG830":
        kept = sum(c["amount"] for c in s if not c["cancelled"])
        cancelled = sum(1 for c in s if c["cancelled"])
        note = " (a cancelled donation is listed but excluded)" if cancelled else ""
        return f"{len(s)} donations, annual total {kept:,}円{note}"
    if form == "TEG840":
        split = ", ".join(f"{y}: {v:,}円" for y, v in s["by_year"].items())
        return f"paid {s['paid_on']:%Y-%m-%d} {s['total']:,}円 for 24 months; by year {split}"
    if form == "TEG850":
        return f"paid to Sep {s['paid']:,}円 + planned {s['planned']:,}円 = {s['total']:,}円"
    return ""


def sample_readme(seed: int = DEFAULT_SEED) -> str:
    """The ``README.md`` of the generated folder: what every file is (generated, not hand-edited)."""
    claims = household_claims(seed)
    lines = [
        "# The sample household (見本家) — generated, fictional",
        "",
        "Every file here is written by `myna samples generate` (`mynalib.samples.generate`, seed "
        f"{seed}), including this README: do not edit by hand, regenerate. A test "
        "(`tests/samples/test_generator.py`) regenerates the folder and compares it byte for byte. "
        "Nobody here is a real person; insurers, clinics, municipalities and numbers are invented. "
        "`templates/` is not generated (the importers' templates, documented in "
        "`mynalib/sources/nenkin_csv.py`).",
        "",
        "Import everything into a vault with `myna import sample_data/iryohi sample_data/kojo "
        "sample_data/kenshin sample_data/nenkin` (or `vault.import_files([...])`).",
        "",
        "## The household",
        "",
        "| id | 氏名 | born | role | 健康保険 (2021–2025) |",
        "|---|---|---|---|---|",
    ]
    for p in HOUSEHOLD:
        covs = "; ".join(
            f"{c.insurer_name} {c.start[0]}-{c.start[1]:02d}–{c.end[0]}-{c.end[1]:02d}"
            for c in COVERAGES
            if c.person_id == p.id
        )
        lines.append(f"| {p.id} | {p.name} | {p.birth.isoformat()} | {p.role} | {covs} |")
    pooled: dict[int, int] = {}
    for c in claims:
        pooled[c["year"]] = pooled.get(c["year"], 0) + c["patient_share"]
    lines += [
        "",
        "- **taro** (b. 1970): employee; 厚生年金 at 見本電機 (1993–2003) and 見本商事 (2005–), a "
        "国民年金 stretch 2003–2005 with 9 months 未納, 12 months 未加入 as a student (1990). Colds, "
        "dental check-ups, hypertension from May 2023 (アムロジピン), metformin from March 2025; "
        "gallstone surgery in June 2024 (10 days in hospital over June/July: 医科入院). 特定健診 "
        "values creep up (HbA1c, blood pressure, γ-GT). Life insurance (新制度 一般 + 介護医療, "
        "旧制度 一般 + 個人年金), earthquake + old long-term insurance, ふるさと納税 (direct and "
        "through a portal), iDeCo 23,000 yen a month.",
        "- **hanako** (b. 1973): 第3号 in three stretches; freelance from April 2023, so 国民健康保険 "
        "(two 2023 CSVs, one per insurer) and 国民年金 第1号 paid by 2年前納 (TEG840 split by year). "
        "Pollen allergy every spring, dental care, eczema in 2022; her own 個人年金 contract.",
        "- **sora** (b. 2012): colds with children's medicines, dental check-ups, eye checks in 2023.",
        "- **ume** (b. 1943, 後期高齢者, 10% share): monthly visits (hypertension, constipation, "
        "osteoporosis from 2022), knee rehabilitation in 2021/2023/2025, dentures in 2022. In "
        "October–November 2023 she gets ロキソプロフェン from both her 内科 and her 整形外科 "
        "(overlapping periods: the drugs notebook's duplicate case).",
        "",
        "Household 窓口相当負担額 by year (the 医療費控除 threshold is 100,000 yen for most incomes):",
        "",
        "| year | pooled 窓口相当負担額 |",
        "|---|---|",
        *[f"| {y} | {v:,} |" for y, v in sorted(pooled.items())],
        "",
        "## iryohi/ — 医療費通知情報 CSV (read by `mynalib/sources/iryohi_csv.py`)",
        "",
        "One file per person, year and insurer, exactly as マイナポータル writes them (UTF-8, CRLF, "
        "amounts from 1,000 quoted with separators; totals sections = sums of the 8-row blocks).",
        "",
        "| file | person | period | insurer | blocks | 窓口相当負担額 |",
        "|---|---|---|---|---|---|",
    ]
    for rel, data in iryohi_files(seed):
        text = data.decode("utf-8")
        name = re.search(r"\r\n氏名,(.+?)\r\n", text)
        period = re.search(r"\r\n期間,(.+?)\r\n", text)
        insurer = re.search(r"\r\n保険者の名称,(.+?)\r\n", text)
        share = re.search(r"\r\n窓口相当負担額（円）,\"?([\d,]+)\"?\r\n", text)
        lines.append(
            f"| `{rel}` | {name.group(1) if name else ''} | {period.group(1) if period else ''} | "
            f"{insurer.group(1) if insurer else ''} | {text.count('診療年月,')} | "
            f"{share.group(1) if share else ''} |"
        )
    lines += [
        "",
        "## kojo/ — 控除証明書 XML (read by `mynalib/sources/kojo_xml.py`)",
        "",
        "NTA schema forms (element codes as in the XSDs, both date styles, zero-padded amounts in "
        "TEG810), each with one enveloped XML signature (RSA-SHA256, inclusive C14N) by the SAMPLE "
        "issuer in `mynalib/data/sample_keys/` (TEST ONLY; the TEG810 files use RSA-SHA1 like "
        "older issuer systems). They verify as `untrusted` by default "
        "and as `valid` when `mynalib.samples.sample_root_certificate()` is trusted. Like real "
        "ねんきんネット files, the TEG840 Signature/@Id starts with a digit (not an xs:ID). "
        "Certificates are dated in October (amounts paid January–September plus the 12月期想定 "
        "projection), TEG830 in January of the next year, TEG840 on 2 November.",
        "",
        "| file | form | person | issuer | content |",
        "|---|---|---|---|---|",
    ]
    for cert in sorted(household_certificates(seed), key=lambda c: c["file"]):
        lines.append(
            f"| `{cert['file']}` | {cert['form']} {_FORM_TITLES[cert['form']]} | {cert['person']} | "
            f"{cert['issuer']} | {_cert_note(cert)} |"
        )
    lines += [
        "",
        "## kenshin/ — 特定健診 HL7 CDA XML (read by `mynalib/sources/kenshin_cda.py`)",
        "",
        "One check-up per adult and year (taro in June at his employer's 健診センター, hanako in "
        "September, ume's 後期高齢者健診 in October at her clinic). Results use the 17-character "
        "特定健診項目コード; in some years a method-specific variant code is used (e.g. HbA1c "
        "3D045000001906202 / 3D045000001920402, 中性脂肪 3F015000002327101 / 3F015000002327201), "
        "blood pressure comes as two readings (9A751/9A752, 9A761/9A762) or one (9A755, 9A765), "
        "urine results are coded (value/@code). Grouped items nest under entryRelationship.",
        "",
        "| file | person | date | institution | items |",
        "|---|---|---|---|---|",
    ]
    for c in household_checkups(seed):
        lines.append(
            f"| `{kenshin_path(c)}` | {c['person']} | {c['date'].isoformat()} | {c['institution']} | "
            f"{len(c['items'])} |"
        )
    lines += [
        "",
        "## nenkin/ — pension record CSV (read by `mynalib/sources/nenkin_csv.py`; the template is "
        "in `templates/`)",
        "",
        "One row per period, copied from a fictional 被保険者記録照会回答票: 制度 (with the 号 for "
        "国民年金), 事業所, 資格取得日, 資格喪失日 (the day after the last day; empty = still enrolled), "
        "月数 (sometimes left empty), 標準報酬月額, 種別 (納付済 / 未納 / 未加入 / 加入中). Dates rotate "
        "through `H5.4.1`, `平成5年4月1日`, `1993-04-01` and `1993/4/1`.",
        "",
        "| file | person | periods |",
        "|---|---|---|",
    ]
    history = pension_history()
    for rel, _ in nenkin_files():
        pid = rel.split("_")[1].removesuffix(".csv")
        n = sum(1 for h in history if h["person_id"] == pid)
        lines.append(f"| `{rel}` | {person(pid).name} | {n} |")
    lines += [
        "",
        "## The same household in Python",
        "",
        "`mynalib.samples.household_claims()`, `household_dispensings()` (薬剤情報, consistent with "
        "the 調剤 claims), `household_visits()`, `household_checkups()`, `household_certificates()` "
        "and `pension_history()` return the data behind these files (the portal sandbox serves "
        "the same household).",
        "",
    ]
    return "\n".join(lines)
