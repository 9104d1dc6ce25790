"""特定健診 CDA and pension CSVs of the sample household."""

from __future__ import annotations

import csv
import io
import itertools
import re

from lxml import etree

from mynalib import samples

from .conftest import SAMPLE_DATA

HL7 = {"h": "urn:hl7-org:v3"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def test_one_cda_per_adult_and_year() -> None:
    files = sorted(SAMPLE_DATA.glob("kenshin/*/kenshin_*.xml"))
    got = {(f.parent.name, f.name.split("_")[2][:4]) for f in files}
    assert got == {(p, str(y)) for p in ("taro", "hanako", "ume") for y in samples.YEARS}


def test_cda_structure_matches_python_structures() -> None:
    checkups = samples.household_checkups()
    assert len(checkups) == 15
    for c in checkups:
        path = (
            SAMPLE_DATA
            / "kenshin"
            / c["person_id"]
            / f"kenshin_{c['person_id']}_{c['date']:%Y%m%d}.xml"
        )
        doc = etree.fromstring(path.read_bytes(), _parser())
        assert etree.QName(doc).localname == "ClinicalDocument"
        assert (
            doc.xpath(
                "string(h:documentationOf/h:serviceEvent/h:effectiveTime/@value)", namespaces=HL7
            )
            == f"{c['date']:%Y%m%d}"
        )
        role = doc.xpath("h:recordTarget/h:patientRole", namespaces=HL7)[0]
        roots = role.xpath("h:id/@root", namespaces=HL7)
        assert roots == ["1.2.392.200119.6.101", "1.2.392.200119.6.204", "1.2.392.200119.6.205"]
        p = samples.person(c["person_id"])
        assert role.xpath("string(h:patient/h:name[@use='IDE'])", namespaces=HL7) == p.name
        assert (
            role.xpath("string(h:patient/h:birthTime/@value)", namespaces=HL7)
            == f"{p.birth:%Y%m%d}"
        )
        assert (
            role.xpath("string(h:patient/h:administrativeGenderCode/@code)", namespaces=HL7)
            == p.sex
        )
        org = doc.xpath(
            "string(h:author/h:assignedAuthor/h:representedOrganization/h:name)", namespaces=HL7
        )
        assert org == c["institution"]
        written = []
        for obs in doc.xpath("//h:observation[h:value]", namespaces=HL7):
            code = obs.xpath("string(h:code/@code)", namespaces=HL7)
            assert re.fullmatch(r"[0-9A-Z]{17}", code), code
            value = obs.find("h:value", HL7)
            written.append((code, value.get("value") or value.get("code")))
        assert written == [(i["code"], i["value"] or i["coded"]) for i in c["items"]]
        # grouped items nest under entryRelationship
        assert doc.xpath("//h:entryRelationship/h:observation/h:value", namespaces=HL7)


def test_trends_and_method_variants() -> None:
    def series(pid: str, key: str) -> list[float]:
        out = []
        for c in samples.household_checkups():
            if c["person_id"] == pid:
                vals = [float(i["value"]) for i in c["items"] if i["key"] == key]
                out.append(vals[0])
        return out

    hba1c = series("taro", "hba1c")
    assert hba1c == sorted(hba1c) and hba1c[-1] - hba1c[0] >= 0.6
    sbp = series("taro", "sbp")
    assert sbp[-1] - sbp[0] >= 10
    codes: dict[str, set[str]] = {}
    bp_codes = set()
    for c in samples.household_checkups():
        for i in c["items"]:
            codes.setdefault(i["key"], set()).add(i["code"])
            if i["key"] == "sbp":
                bp_codes.add(i["code"][:5])
    for key in ("hba1c", "tg", "hdl", "ldl"):
        assert len(codes[key]) == 2, key  # method-specific variants in some years
        assert len({c[:5] for c in codes[key]}) == 1
    assert bp_codes == {"9A751", "9A752", "9A755"}


def test_pension_csvs() -> None:
    history = samples.pension_history()
    for pid in ("taro", "hanako"):
        raw = (SAMPLE_DATA / "nenkin" / f"nenkin_{pid}.csv").read_bytes()
        text = raw.decode("utf-8")
        assert "\r\n" in text and text.endswith("\r\n")
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert f"# 氏名: {samples.person(pid).name}" in text
        rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
        mine = [h for h in history if h["person_id"] == pid]
        assert len(rows) == len(mine)
        assert any(re.fullmatch(r"[SHR]\d+\.\d+\.\d+", r["資格取得日"]) for r in rows)
        assert any(
            re.fullmatch(r"(昭和|平成|令和)(元|\d+)年\d+月\d+日", r["資格取得日"]) for r in rows
        )
        assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", r["資格取得日"]) for r in rows)
        for row, h in zip(rows, mine, strict=True):
            if row["月数"]:
                assert int(row["月数"]) == h["months"]
            if row["標準報酬月額"]:
                assert int(row["標準報酬月額"].replace(",", "")) == h["monthly_remuneration"]
            assert row["種別"] == h["status"]
    taro = [h for h in history if h["person_id"] == "taro"]
    assert {h["employer"] for h in taro if h["scheme"] == "厚生年金"} == {
        "見本電機株式会社",
        "見本商事株式会社",
    }
    assert sum(h["months"] for h in taro if h["status"] == "未納") == 9
    hanako = [h for h in history if h["person_id"] == "hanako"]
    assert len([h for h in hanako if h["category"] == "第3号"]) == 3
    # periods are contiguous (資格喪失日 = next 資格取得日)
    for rows in (taro, hanako):
        for a, b in itertools.pairwise(rows):
            assert a["end"] == b["start"]
    # 第3号 only while taro is an employee (第2号)
    for h in hanako:
        if h["category"] == "第3号":
            assert all(
                t["category"] == "第2号"
                for t in taro
                if t["start"] < h["end"] and h["start"] < (t["end"] or h["end"])
            )
