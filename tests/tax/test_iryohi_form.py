"""医療費集計フォーム: CSV columns/aggregation/categories, encodings (CP932 round trip and errors),
the shortening rule, the row-limit split, and XLSX template filling (cell-by-cell comparison)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from mynalib.errors import ExportError
from mynalib.export.iryohi_form import (
    HEADER,
    export_iryohi_form,
    form_table,
    shorten,
    write_iryohi_csv,
    write_iryohi_xlsx,
)
from mynalib.tax import FormRow, MedicalExtra, medical_form_rows

from .factories import HANAKO, TARO, UME, medical

FRAME_ROWS = [
    (TARO, "2025-01", "医科外来", "見本内科クリニック", 3_000),
    (
        TARO,
        "2025-01",
        "医科外来",
        "見本内科クリニック",
        1_500,
    ),  # same month+provider: another claim
    (TARO, "2025-02", "医科外来", "見本内科クリニック", 2_000),
    (TARO, "2025-02", "調剤", "見本薬局", 1_200),
    (HANAKO, "2025-03", "歯科外来", "見本歯科", 8_000),
    (UME, "2025-04", "医科入院", "見本総合病院", 90_000),
    (UME, "2025-04", "訪問看護", "見本訪問看護ステーション", 4_000),
    (UME, "2025-05", "その他", "見本整体", 700),
    (UME, "2024-12", "医科入院", "見本総合病院", 50_000),  # other year
]


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def test_csv_columns_aggregation_and_categories(tmp_path: Path) -> None:
    extras = [MedicalExtra(UME, "見本総合病院", reimbursed=40_000, note="高額療養費")]
    out = tmp_path / "form.csv"
    result = export_iryohi_form(medical(FRAME_ROWS), extras, year=2025, out=out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert b"\r\n" in raw
    rows = read_csv(out)
    assert tuple(rows[0]) == HEADER
    assert rows[1:] == [
        [TARO, "見本内科クリニック", "該当する", "", "", "", "6500", "0", ""],
        [TARO, "見本薬局", "", "該当する", "", "", "1200", "0", ""],
        [HANAKO, "見本歯科", "該当する", "", "", "", "8000", "0", ""],
        [UME, "見本整体", "", "", "", "該当する", "700", "0", ""],
        [UME, "見本総合病院", "該当する", "", "", "", "90000", "40000", ""],
        [UME, "見本訪問看護ステーション", "該当する", "", "", "", "4000", "0", ""],
    ]
    assert result.rows == 6 and result.files == [out]
    assert any("その他" in w for w in result.warnings)  # unknown 診療区分 reported


def test_by_month(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    export_iryohi_form(medical(FRAME_ROWS[:4]), year=2025, out=out, by_month=True)
    rows = read_csv(out)[1:]
    assert [r[1] for r in rows] == ["見本内科クリニック", "見本内科クリニック", "見本薬局"]
    assert [r[6] for r in rows] == ["4500", "2000", "1200"]
    assert [r[8] for r in rows] == ["2025年1月", "2025年2月", "2025年2月"]


def test_multiple_categories_marked(tmp_path: Path) -> None:
    frame = medical(
        [
            (TARO, "2025-01", "医科外来", "見本病院", 1_000),
            (TARO, "2025-01", "調剤", "見本病院", 500),
        ]
    )
    rows, _ = medical_form_rows(frame, year=2025)
    table, _ = form_table(rows)
    assert table == [[TARO, "見本病院", "該当する", "該当する", "", "", 1_500, 0, ""]]


def test_cp932_round_trip(tmp_path: Path) -> None:
    extras = [
        MedicalExtra(
            TARO, "髙橋整形外科①", amount=3_000, date=date(2025, 7, 1), category="診療・治療"
        ),
        MedicalExtra(HANAKO, "見本バス～駅前", amount=420, category="通院交通費"),
    ]
    frame = medical(FRAME_ROWS)
    utf8 = tmp_path / "u.csv"
    sjis = tmp_path / "s.csv"
    export_iryohi_form(frame, extras, year=2025, out=utf8)
    export_iryohi_form(frame, extras, year=2025, out=sjis, encoding="cp932")
    assert not sjis.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        sjis.read_bytes().decode("utf-8")
    assert read_csv(sjis, "cp932") == read_csv(utf8)
    assert any(r[1] == "髙橋整形外科①" for r in read_csv(sjis, "cp932"))


def test_cp932_unrepresentable_is_an_error_with_its_row(tmp_path: Path) -> None:
    extras = [
        MedicalExtra(TARO, "見本内科", amount=100),
        MedicalExtra(TARO, "𠮷野クリニック", amount=3_000),
        MedicalExtra(TARO, "駅前整骨院", amount=1_000),
        MedicalExtra(TARO, "Clinique Étoile", amount=2_000),  # É (U+00C9) is not in CP932
    ]
    out = tmp_path / "bad.csv"
    with pytest.raises(ExportError) as info:
        export_iryohi_form(None, extras, year=2025, out=out, encoding="cp932")
    message = str(info.value)
    # rows sorted by provider: Clinique Étoile, 見本内科, 駅前整骨院, 𠮷野クリニック
    assert "row 1 column C" in message and "row 4 column C" in message
    assert "U+00C9" in message and "U+20BB7" in message
    assert not out.exists()  # nothing written, nothing silently replaced
    export_iryohi_form(None, extras, year=2025, out=out)  # UTF-8 holds it
    assert read_csv(out)[4][1] == "𠮷野クリニック"


def test_shortening_rule_and_warnings() -> None:
    assert shorten("見本　太郎", 10) == "見本　太郎"
    assert shorten("ミホン　ハナコ　ジュニア", 10) == "ミホンハナコジュニア"  # spaces removed, fits
    assert shorten("医療法人社団見本会見本記念総合病院附属クリニック", 20, provider=True) == (
        "見本会見本記念総合病院附属クリニック"
    )
    assert shorten("見本県立見本中央総合医療センター附属病院東棟", 20, provider=True) == (
        "見本県立見本中央総合医療センター附属病院"
    )
    rows = [
        FormRow(
            "ミホン　ジュゲムジュゲム　ゴコウノスリキレ",
            "医療法人社団見本会見本記念総合病院附属クリニック",
            None,
            {"診療・治療"},
            1_000,
        ),
        FormRow(TARO, "見本県立見本中央総合医療センター附属病院東棟", None, {"診療・治療"}, 2_000),
        FormRow(TARO, "見本県立見本中央総合医療センター附属病院西棟", None, {"診療・治療"}, 3_000),
    ]
    table, changes = form_table(rows)
    assert table[0][0] == "ミホンジュゲムジュゲ"
    assert table[1][1] == "見本県立見本中央総合医療センター附属病院"
    assert table[2][1] == "見本県立見本中央総合医療センター附属病2"  # collision → digit
    assert len({r[1] for r in table}) == 3
    assert [(i, col) for i, col, _, _ in changes] == [(1, "B"), (1, "C"), (2, "C"), (3, "C")]
    assert all(len(r[0]) <= 10 and len(r[1]) <= 20 for r in table)


def test_shortening_is_listed_in_the_export_warnings(tmp_path: Path) -> None:
    extras = [MedicalExtra("ミホン　ジュゲムジュゲム　ゴコウノスリキレ", "見本", amount=1)]
    result = export_iryohi_form(None, extras, year=2025, out=tmp_path / "x.csv")
    assert any(
        "「ミホン　ジュゲムジュゲム　ゴコウノスリキレ」→「ミホンジュゲムジュゲ」" in w
        for w in result.warnings
    )


def many(n: int) -> list[FormRow]:
    return [FormRow(TARO, f"見本医院{i:04d}", None, {"診療・治療"}, i + 1) for i in range(n)]


@pytest.mark.parametrize(
    ("n", "smartphone", "sizes"),
    [
        (995, False, [995]),
        (996, False, [995, 1]),
        (1_990, False, [995, 995]),
        (2_000, False, [995, 995, 10]),
        (500, True, [500]),
        (501, True, [500, 1]),
        (0, False, [0]),
    ],
)
def test_row_limit_split(tmp_path: Path, n: int, smartphone: bool, sizes: list[int]) -> None:
    out = tmp_path / "form.csv"
    result = write_iryohi_csv(many(n), out, smartphone=smartphone)
    if len(sizes) == 1:
        assert result.files == [out]
    else:
        assert result.files == [tmp_path / f"form_{k}.csv" for k in range(1, len(sizes) + 1)]
        assert not out.exists()
    got = [read_csv(p) for p in result.files]
    assert [len(g) - 1 for g in got] == sizes
    assert all(tuple(g[0]) == HEADER for g in got)
    flat = [row[1] for g in got for row in g[1:]]
    assert flat == [f"見本医院{i:04d}" for i in range(n)]  # order kept across files


def test_amount_out_of_range() -> None:
    with pytest.raises(ExportError):
        form_table([FormRow(TARO, "x", None, set(), 1_000_000_000)])


# ------------------------------------------------------------------------------------- XLSX
def build_template(path: Path) -> None:
    """A template in the layout of the official form (sheet 医療費集計フォーム, headers in row 8,
    data rows 9–1003 with styles and a data validation, plus a second sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "医療費集計フォーム"
    ws["B2"] = "医療費集計フォーム"
    ws["B2"].font = Font(bold=True, size=16)
    ws["B4"] = "※ 1行に1件を入力してください。"
    ws["H5"] = "Ver3.1"
    ws.merge_cells("B6:J6")
    ws["B6"] = "入力欄"
    ws["B6"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for col, text in zip("BCDEFGHIJ", HEADER, strict=True):
        cell = ws[f"{col}8"]
        cell.value = text
        cell.fill = PatternFill("solid", fgColor="FFDDEEFF")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for r in range(9, 1004):
        for col in "BCDEFGHIJ":
            ws[f"{col}{r}"].border = Border(bottom=thin)
        ws[f"H{r}"].number_format = "#,##0"
        ws[f"I{r}"].number_format = "#,##0"
    dv = DataValidation(type="list", formula1='"該当する"', allow_blank=True)
    dv.add("D9:G1003")
    ws.add_data_validation(dv)
    ws.column_dimensions["C"].width = 30
    ws.freeze_panes = "B9"
    other = wb.create_sheet("記載例")
    other["A1"] = "記載例のシート"
    other["B3"] = 12345
    wb.save(path)


def snapshot(path: Path) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows(min_row=1, max_row=max(ws.max_row, 1003), max_col=12):
            for c in row:
                cells[c.coordinate] = (
                    c.value,
                    c.font.b,
                    c.font.sz,
                    c.fill.fgColor.rgb,
                    c.border.bottom.style if c.border.bottom else None,
                    c.border.top.style if c.border.top else None,
                    c.number_format,
                    c.alignment.horizontal,
                )
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted(
                (dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation
            ),
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes,
        }
    return out


def test_xlsx_fill_changes_only_the_data_cells(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    build_template(template)
    before_bytes = template.read_bytes()
    extras = [MedicalExtra(UME, "見本総合病院", reimbursed=40_000)]
    rows, _ = medical_form_rows(medical(FRAME_ROWS), extras, year=2025)
    out = tmp_path / "filled.xlsx"
    result = write_iryohi_xlsx(rows, out, template)
    assert result.files == [out]
    assert template.read_bytes() == before_bytes  # the user's template is not touched
    before, after = snapshot(template), snapshot(out)
    assert before["sheets"] == after["sheets"] == ["医療費集計フォーム", "記載例"]
    assert before["記載例"] == after["記載例"]
    b, a = before["医療費集計フォーム"], after["医療費集計フォーム"]
    for key in ("merged", "validations", "widths", "freeze"):
        assert b[key] == a[key], key
    table, _ = form_table(rows)
    expected_values = {}
    for offset, values in enumerate(table):
        for col, value in zip("BCDEFGHIJ", values, strict=True):
            expected_values[f"{col}{9 + offset}"] = None if value == "" else value
    changed = set()
    for coord, old in b["cells"].items():
        new = a["cells"][coord]
        assert new[1:] == old[1:], coord  # every style kept
        if coord in expected_values:
            assert new[0] == expected_values[coord], coord
            if new[0] != old[0]:
                changed.add(coord)
        else:
            assert new[0] == old[0], coord  # nothing else changed
    assert changed == {c for c, v in expected_values.items() if v is not None}
    assert a["cells"]["H13"][0] == 90_000 and a["cells"]["I13"][0] == 40_000


def test_xlsx_split_and_template_checks(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    build_template(template)
    result = write_iryohi_xlsx(many(996), tmp_path / "f.xlsx", template)
    assert [p.name for p in result.files] == ["f_1.xlsx", "f_2.xlsx"]
    from openpyxl import load_workbook

    second = load_workbook(result.files[1])["医療費集計フォーム"]
    assert second["C9"].value == "見本医院0995" and second["C10"].value is None
    first = load_workbook(result.files[0])["医療費集計フォーム"]
    assert first["C1003"].value == "見本医院0994"

    with pytest.raises(ExportError, match="not found"):
        write_iryohi_xlsx(many(1), tmp_path / "x.xlsx", tmp_path / "missing.xlsx")
    from openpyxl import Workbook

    wrong = tmp_path / "wrong.xlsx"
    Workbook().save(wrong)
    with pytest.raises(ExportError, match="医療費集計フォーム"):
        write_iryohi_xlsx(many(1), tmp_path / "x.xlsx", wrong)
    used = tmp_path / "used.xlsx"
    wb = load_workbook(template)
    wb["医療費集計フォーム"]["C20"] = "前のデータ"
    wb.save(used)
    with pytest.raises(ExportError, match="C20"):
        write_iryohi_xlsx(many(1), tmp_path / "x.xlsx", used)


def test_by_month_undated_reimbursement_and_empty_rows() -> None:
    frame = medical(
        [
            (UME, "2025-04", "医科入院", "見本総合病院", 90_000),
            (UME, "2025-06", "医科入院", "見本総合病院", 60_000),
        ]
    )
    extras = [
        MedicalExtra(UME, "見本総合病院", reimbursed=30_000),  # undated 補填: latest month
        MedicalExtra(UME, "見本存在しない病院", reimbursed=5_000),  # matches nothing
    ]
    rows, warnings = medical_form_rows(frame, extras, year=2025, by_month=True)
    assert [(r.month, r.amount, r.reimbursed) for r in rows] == [
        ("2025-04", 90_000, 0),
        ("2025-06", 60_000, 30_000),
    ]
    assert any("見本存在しない病院" in w and "0円" in w for w in warnings)


def test_xlsx_output_name_must_be_xlsx(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    build_template(template)
    with pytest.raises(ExportError, match=r"\.xlsx file"):
        export_iryohi_form(None, year=2025, out=tmp_path / "form.csv", xlsx_template=template)
