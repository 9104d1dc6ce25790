"""特定健診 CDA: patient, date, institution, nested observations, method codes → one item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import MalformedDocument
from mynalib.sources import detect_kind, parse
from mynalib.sources.kenshin_cda import item_name

DATA = (
    Path(__file__).resolve().parent.parent / "golden" / "kenshin_cda" / "checkup.xml"
).read_bytes()


def test_header_fields():
    res = parse("kenshin_cda", DATA, strict=True)
    assert res.meta["person"] == "見本\u3000太郎"
    assert res.meta["date"] == date(2025, 6, 12)  # serviceEvent, not the document date
    assert res.meta["institution"] == "医療法人\u3000見本健診クリニック"
    assert res.meta["insurer_number"] == "06139990"
    assert res.meta["sex"] == "1" and res.meta["birth"] == date(1970, 4, 12)


def test_nested_entry_relationships_and_method_mapping():
    recs = parse("kenshin_cda", DATA, strict=True).records
    systolic = [r for r in recs if r.item == "収縮期血圧"]
    assert sorted(r.value for r in systolic) == [126.0, 128.0, 130.0]
    assert {r.code[:5] for r in systolic} == {"9A751", "9A752", "9A755"}
    tg = next(r for r in recs if r.item == "中性脂肪")
    assert tg.code == "3F015000002327201" and tg.value == 142.0 and tg.unit == "mg/dl"
    assert item_name("3F015000002327101") == item_name("3F015000002399901") == "中性脂肪"
    assert item_name("3D010000001926101") == "空腹時血糖"
    assert item_name("3D010000002227101") == "随時血糖"
    assert item_name("9N016160200000001") == "腹囲"
    coded = next(r for r in recs if r.item == "メタボリックシンドローム判定")
    assert coded.value is None and coded.value_text == "予備群該当"
    assert next(r for r in recs if r.item == "尿糖").value_text == "－"


def test_unknown_code_lenient_and_strict():
    data = DATA.replace(b"9N001000000000001", b"9Z999000000000001")
    res = parse("kenshin_cda", data)
    item = next(r for r in res.records if r.code == "9Z999000000000001")
    assert item.item == "身長"  # falls back to displayName
    assert any("9Z999000000000001" in w for w in res.warnings)
    with pytest.raises(MalformedDocument, match="9Z999"):
        parse("kenshin_cda", data, strict=True)


def test_non_numeric_pq_and_missing_patient():
    bad = DATA.replace(b'value="171.2"', b'value="abc"')
    with pytest.raises(MalformedDocument, match="not a number"):
        parse("kenshin_cda", bad, strict=True)
    assert any("not a number" in w for w in parse("kenshin_cda", bad).warnings)
    with pytest.raises(MalformedDocument):
        parse("kenshin_cda", b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>', strict=True)


def test_wrong_root():
    with pytest.raises(MalformedDocument, match="ClinicalDocument"):
        parse("kenshin_cda", b'<Other xmlns="urn:hl7-org:v3"/>')


def test_checkups_frame():
    assert detect_kind(DATA) == "kenshin_cda"
    df = frames.build("checkups", [Document(DATA, "kenshin_cda", id=9)])
    spec = frames.SCHEMAS["checkups"]
    assert {c: str(t) for c, t in df.dtypes.items()} == spec.columns
    assert len(df) == 18 and set(df.source_id) == {9}
    assert len(frames.build("checkups", [Document(DATA, "kenshin_cda", id=9)], year=2025)) == 18
