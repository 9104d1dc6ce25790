"""年金記録 CSV template: Western and 和暦 dates, months, remuneration; the shipped template."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import MalformedDocument
from mynalib.sources import detect_kind, parse
from mynalib.sources.nenkin_csv import months_between

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "sample_data" / "templates" / "nenkin_template.csv"


def test_shipped_template_parses_strictly():
    data = TEMPLATE.read_bytes()
    assert detect_kind(data, "whatever.txt") == "nenkin_csv"
    res = parse("nenkin_csv", data, strict=True)
    assert res.meta["person"] == "見本\u3000太郎"
    assert [r.scheme for r in res.records] == ["国民年金", "厚生年金", "国民年金", "厚生年金"]
    assert res.records[1].monthly_remuneration == 300000
    assert res.records[0].start == date(1990, 4, 1) and res.records[0].months == 36
    assert res.records[3].end is None and res.records[3].months is None


def test_english_header_any_order_cp932():
    text = (
        "start,end,scheme,employer,months,monthly_remuneration,person\r\n"
        'R1.5.1,R2.5.1,厚生年金,見本株式会社,,"280,000",見本　花子\r\n'
        "令和元年5月1日,令和2年5月1日,国民年金,,,,見本　花子\r\n"
    )
    res = parse("nenkin_csv", text.encode("cp932"), strict=True)
    assert [r.start for r in res.records] == [date(2019, 5, 1)] * 2
    assert res.records[0].months == 12 and res.records[0].monthly_remuneration == 280000
    assert res.meta["person"] == "見本\u3000花子"


def test_months_counting():
    assert months_between(date(1993, 4, 1), date(2008, 10, 1)) == 186
    assert months_between(date(2019, 5, 1), date(2019, 5, 31)) == 0
    assert months_between(date(2019, 5, 15), date(2019, 6, 1)) == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("国民年金,,S65.4.1,,,,", "資格取得日"),
        ("国民年金,,H2.4.1,H1.4.1,,,", "before"),
        (",,H2.4.1,,,,", "制度"),
        ("厚生年金,x,H2.4.1,,,abc,", "標準報酬月額"),
    ],
)
def test_bad_rows(row, message):
    data = f"制度,事業所,資格取得日,資格喪失日,月数,標準報酬月額,種別\n{row}\n".encode()
    with pytest.raises(MalformedDocument, match=message) as info:
        parse("nenkin_csv", data, strict=True)
    assert info.value.line == 2
    assert parse("nenkin_csv", data).warnings


def test_missing_required_columns():
    with pytest.raises(MalformedDocument, match="header lacks"):
        parse("nenkin_csv", b"scheme,employer\n")


def test_pension_frame():
    df = frames.build("pension_periods", [Document(TEMPLATE.read_bytes(), "nenkin_csv", id=4)])
    spec = frames.SCHEMAS["pension_periods"]
    assert {c: str(t) for c, t in df.dtypes.items()} == spec.columns
    assert int(df.months.sum()) == 36 + 186 + 6
