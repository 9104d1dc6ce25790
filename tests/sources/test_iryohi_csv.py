"""医療費通知情報 CSV: encodings, quoting, the section state machine, arithmetic and totals checks."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import MalformedDocument
from mynalib.sources import detect_kind, parse

BASIC = (
    Path(__file__).resolve().parent.parent / "golden" / "iryohi_csv" / "basic.csv"
).read_bytes()
KEYS = (
    "診療年月",
    "診療区分",
    "日数",
    "医療機関等名称",
    "医療費の総額（円）",
    "保険者の負担額（円）",
    "その他の公費の負担額（円）",
    "窓口相当負担額（円）",
)


def q(n: int) -> str:
    return f'"{n:,}"' if n >= 1000 else str(n)


def make_csv(
    blocks,
    *,
    name="見本　花子",
    period=("2025年1月", "2025年12月"),
    totals=None,
    annual=None,
    insurer="見本健康保険組合",
    extra_rows=(),
) -> bytes:
    """Build a CSV exactly in the portal's layout (CRLF, quoted amounts >= 1,000)."""
    sums = [sum(b[i] for b in blocks) for i in range(4, 8)]
    totals = totals or sums
    annual = annual or totals
    rows = ["わたしの情報", "医療費通知情報", "", "項目名,内容", "作成日,2026年2月23日", "資格情報"]
    rows += ["氏名カナ,ミホン　ハナコ", f"氏名,{name}", "生年月日,1973年9月3日", "性別,女"]
    rows += [
        "年齢,52歳",
        "保険者等番号,XXXXX123",
        "被保険者証等記号,1",
        "被保険者証等番号,2",
        "枝番,01",
    ]
    rows += ["医療費明細一覧の概要", "一覧表示の範囲,2025年12月まで"]
    for title, vals in (("医療費の合計", totals), ("年間の合計", annual)):
        rows += [title, f"期間,{period[0]}～{period[1]}"]
        rows += [f"{k},{q(v)}" for k, v in zip(KEYS[4:], vals, strict=True)]
    rows += list(extra_rows)
    rows.append("医療費情報明細")
    for b in blocks:
        vals = [b[0], b[1], str(b[2]), b[3], *(q(v) for v in b[4:])]
        rows += [f"{k},{v}" for k, v in zip(KEYS, vals, strict=True)]
    rows += [
        "保険者情報",
        f"保険者の名称,{insurer}",
        f"医療費情報明細の範囲,{period[0]}～{period[1]}",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


B1 = ("2025年3月", "医科外来", 2, "見本内科", 5950, 4165, 0, 1785)
B2 = ("2025年3月", "医科外来", 1, "見本内科", 5950, 4165, 0, 1785)  # same month+provider: 2 claims
B3 = ("2025年4月", "調剤", 1, "ﾐﾎﾝ薬局", 1230, 861, 0, 369)


def test_basic_values():
    res = parse("iryohi_csv", BASIC, strict=True)
    assert res.warnings == []
    assert len(res.records) == 5
    r = res.records[2]
    assert (r.month, r.category, r.days) == (date(2025, 1, 1), "調剤", 1)
    assert r.provider_raw == "ﾐﾎﾝ薬局\u3000本店"
    assert r.provider == "ミホン薬局 本店"  # NFKC
    assert (r.total_cost, r.insurer_paid, r.public_paid, r.patient_share) == (3210, 2247, 0, 963)
    hosp = res.records[3]
    assert (hosp.total_cost, hosp.public_paid, hosp.patient_share) == (412300, 20000, 103690)
    assert r.person == "見本\u3000太郎" and r.insurer == "見本健康保険組合"
    assert res.meta["period"] == (date(2025, 1, 1), date(2025, 12, 1))
    assert res.meta["created"] == date(2026, 2, 23)
    assert res.meta["birth"] == date(1970, 4, 12)
    assert res.meta["totals"]["医療費の合計"]["patient_share"] == sum(
        x.patient_share for x in res.records
    )


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("cp932"),
    ],
    ids=["utf8", "utf8-bom", "cp932"],
)
def test_encodings(encode):
    data = encode(BASIC.decode("utf-8"))
    assert detect_kind(data) == "iryohi_csv"
    assert len(parse("iryohi_csv", data, strict=True).records) == 5


def test_medical_frame_schema():
    df = frames.build("medical_expenses", [Document(BASIC, "iryohi_csv", id=7)])
    spec = frames.SCHEMAS["medical_expenses"]
    assert list(df.columns) == list(spec.columns)
    assert {c: str(t) for c, t in df.dtypes.items()} == spec.columns
    assert str(df.month.iloc[0]) == "2025-01"
    assert int(df.patient_share.sum()) == 109279


def test_lf_line_ends_and_two_claims_kept_apart():
    data = make_csv([B1, B2, B3]).replace(b"\r\n", b"\n")
    res = parse("iryohi_csv", data, strict=True)
    assert [r.row for r in res.records] == sorted(r.row for r in res.records)
    assert len(res.records) == 3
    df = frames.build("medical_expenses", [Document(data, "iryohi_csv", id=1)])
    assert len(df[(df.provider == "見本内科")]) == 2  # never merged


def test_block_arithmetic_error_names_the_row():
    bad = ("2025年4月", "調剤", 1, "見本薬局", 1230, 861, 0, 368)
    data = make_csv([B1, bad])
    with pytest.raises(MalformedDocument) as info:
        parse("iryohi_csv", data, strict=True)
    # the 医療費の総額 row of the second block
    lines = data.decode().split("\r\n")
    expected_line = [i for i, ln in enumerate(lines, 1) if ln.startswith("医療費の総額")][-1]
    assert info.value.line == expected_line
    assert "総額" in str(info.value) and f"line {expected_line}" in str(info.value)
    lenient = parse("iryohi_csv", data)
    assert len(lenient.records) == 2
    assert any(w.startswith(f"line {expected_line}:") for w in lenient.warnings)


def test_totals_mismatch():
    data = make_csv([B1, B3], totals=[7180, 5026, 0, 2155])
    with pytest.raises(MalformedDocument, match=r"窓口相当負担額.*2,155.*2,154"):
        parse("iryohi_csv", data, strict=True)
    lines = data.decode().split("\r\n")
    line = next(i for i, ln in enumerate(lines, 1) if ln.startswith("窓口相当負担額"))
    with pytest.raises(MalformedDocument) as info:
        parse("iryohi_csv", data, strict=True)
    assert info.value.line == line


def test_annual_totals_checked_too():
    data = make_csv([B1, B3], annual=[7180, 5026, 0, 2100])
    with pytest.raises(MalformedDocument, match="年間の合計"):
        parse("iryohi_csv", data, strict=True)


def test_block_outside_period():
    data = make_csv([B1, ("2026年1月", "調剤", 1, "見本薬局", 100, 70, 0, 30)])
    with pytest.raises(MalformedDocument, match="outside the period"):
        parse("iryohi_csv", data, strict=True)


def test_block_out_of_order_or_cut_short():
    data = make_csv([B1, B3])
    broken = data.replace(
        "日数,1\r\n医療機関等名称,ﾐﾎﾝ薬局".encode(), "医療機関等名称,ﾐﾎﾝ薬局".encode()
    )
    assert broken != data
    with pytest.raises(MalformedDocument, match=r"detail block|expected"):
        parse("iryohi_csv", broken, strict=True)
    res = parse("iryohi_csv", broken)
    assert res.warnings
    assert len(res.records) >= 1  # nothing valid is lost


def test_unknown_section_and_item_warn_in_lenient_mode():
    data = make_csv([B1], extra_rows=["新しい区分", "なにか,1"])
    with pytest.raises(MalformedDocument, match="unknown section"):
        parse("iryohi_csv", data, strict=True)
    res = parse("iryohi_csv", data)
    assert any("unknown section" in w for w in res.warnings)
    assert len(res.records) == 1
    assert res.meta["extra"] == {"新しい区分": {"なにか": "1"}}


def test_bad_amount():
    data = make_csv([B1]).replace(b'"5,950"', b'"5,95O"', 1)
    with pytest.raises(MalformedDocument):
        parse("iryohi_csv", data, strict=True)


def test_missing_header_is_malformed_and_not_detected():
    data = make_csv([B1]).replace("項目名,内容\r\n".encode(), b"")
    with pytest.raises(MalformedDocument, match="項目名"):
        parse("iryohi_csv", data)


def test_other_category_and_empty_days_accepted():
    data = make_csv(
        [("2025年5月", "訪問看護", "", "見本訪問看護ステーション", 9000, 6300, 0, 2700)]
    )
    res = parse("iryohi_csv", data, strict=True)
    assert res.records[0].category == "訪問看護"
    assert res.records[0].days is None


def _doc(data, id_, when):
    return Document(data, "iryohi_csv", id=id_, fetched_at=datetime(*when, tzinfo=timezone.utc))


def test_builder_keeps_newest_export_per_person_and_period():
    old = make_csv([B1, B3])
    changed = make_csv([B1, B2, B3])  # the re-export found a second claim in March
    other_year = make_csv(
        [("2024年6月", "歯科外来", 1, "見本歯科", 2000, 1400, 0, 600)],
        period=("2024年1月", "2024年12月"),
    )
    someone_else = make_csv([B3], name="見本　太郎")
    docs = [
        _doc(changed, 2, (2026, 3, 1)),
        _doc(old, 1, (2026, 2, 1)),
        _doc(other_year, 3, (2026, 1, 1)),
        _doc(someone_else, 4, (2026, 1, 1)),
    ]
    df = frames.build("medical_expenses", docs)
    hanako = df[df.person == "見本\u3000花子"]
    assert set(hanako.source_id) == {2, 3}
    assert len(hanako[hanako.month.dt.year == 2025]) == 3
    assert int(hanako.patient_share.sum()) == 1785 * 2 + 369 + 600
    assert len(df[df.person == "見本\u3000太郎"]) == 1
    # the older export alone still gives its own rows
    only_old = frames.build("medical_expenses", [_doc(old, 1, (2026, 2, 1))])
    assert len(only_old) == 2
    # year / person filters work on the built frame
    assert len(frames.build("medical_expenses", docs, year=2024)) == 1
    assert len(frames.build("medical_expenses", docs, person="見本\u3000太郎")) == 1


def test_resaved_by_spreadsheet():
    """Trailing commas on every row, quoted everything, a full date for the month."""
    text = make_csv([B1, B3]).decode()
    rows = []
    for line in text.split("\r\n"):
        if not line:
            continue
        cells = line.split(",", 1) if not line.startswith(tuple("0123456789")) else [line]
        cells = [c if c.startswith('"') else f'"{c}"' for c in cells]
        rows.append(",".join(cells + ['""'] * (3 - len(cells))))
    resaved = ("\r\n".join(rows) + "\r\n").replace("2025年4月", "2025/4/1").encode("cp932")
    res = parse("iryohi_csv", resaved, strict=True)
    assert [(r.month, r.patient_share) for r in res.records] == [
        (date(2025, 3, 1), 1785),
        (date(2025, 4, 1), 369),
    ]
    assert detect_kind(resaved) == "iryohi_csv"
