"""様式取得: the files a procedure hands out, and filling the applicant's part of them.

* ``application`` (every online procedure): the form's fields as a CSV to fill in by hand
  (UTF-8 with a BOM, so Excel opens it in Japanese).
* ``shuro_shomeisho``: the 就労証明書 as an Excel workbook. The national standard form
  (こども家庭庁「就労証明書（標準的な様式）」) is a large Excel file with many optional items;
  this is **a simplified form written by mynalib** with the same three parts — the worker
  (就労者: the applicant fills it), the employer (事業所) and the work (就労の状況), both completed
  and certified by the employer. Every input cell has a workbook-level defined name
  (``employee_name``, ``employer_name``, …), so the filler and the examiner find the cells by
  name, not by position. It says on its face that it is simplified.
* ``ininjo``: the text of a 委任状 (power of attorney) with blanks; ``myna mandate`` writes a
  filled one and signs it with the card (:mod:`mynalib.apply.mandate`).

openpyxl is imported only when a workbook is made or read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from .forms import FormDefinition

SIMPLIFIED_NOTE = (
    "この様式は、国の「就労証明書（標準的な様式）」を参考に mynalib が作成した簡略版です。"
    "提出先の市区町村が指定する様式があるときは、そちらを使ってください。"
)

#: the worker's part (filled from the card and the settings): defined name → label
EMPLOYEE_CELLS: dict[str, str] = {
    "employee_name": "氏名",
    "employee_kana": "フリガナ",
    "employee_birth_date": "生年月日",
    "employee_address": "住所",
}
#: the employer's part: defined name → label
EMPLOYER_CELLS: dict[str, str] = {
    "employer_name": "事業所名",
    "employer_address": "所在地",
    "employer_representative": "代表者名",
    "employer_phone": "電話番号",
    "employer_contact": "記入者名",
    "certified_on": "証明日",
}
#: the work: defined name → label
WORK_CELLS: dict[str, str] = {
    "employment_type": "雇用の形態（正社員・パート・派遣・自営など）",
    "employment_start": "雇用（就労）開始日",
    "work_days_per_month": "就労日数（1か月あたり）",
    "work_hours_per_week": "就労時間（1週あたり・休憩を除く）",
    "work_hours_from_to": "主な就労時間帯",
    "childcare_leave": "育児休業の取得（予定）期間",
}
#: what the examiner needs filled before a 保育所 application can be decided
EMPLOYER_REQUIRED = (
    "employer_name",
    "employer_address",
    "certified_on",
    "employment_type",
    "work_hours_per_week",
)


def render(form: FormDefinition, template_id: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of one of ``form``'s templates."""
    spec = form.template(template_id)
    if template_id == "application":
        data = application_csv(form)
    elif template_id == "shuro_shomeisho":
        data = employment_certificate_xlsx()
    elif template_id == "ininjo":
        data = mandate_template().encode("utf-8")
    else:  # pragma: no cover - every template of FORMS is rendered above
        raise KeyError(template_id)
    return spec.file_name, spec.content_type, data


def application_csv(form: FormDefinition) -> bytes:
    """The form's fields, one row each, with an empty column to write the answer in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{form.name}（{form.procedure_id}）"])
    writer.writerow(["項目", "項目ID", "形式", "必須", "選択肢", "記入欄"])
    kinds = {
        "text": "文字",
        "kana": "カタカナ",
        "digits": "数字",
        "number": "整数",
        "date": "日付",
        "choice": "選択",
        "boolean": "はい・いいえ",
        "email": "メールアドレス",
        "phone": "電話番号",
        "postal_code": "郵便番号",
    }
    for f in form.fields:
        writer.writerow(
            [
                f.label,
                f.name,
                kinds.get(f.type, f.type),
                "必須" if f.required else "",
                " / ".join(label for _v, label in f.choices),
                "",
            ]
        )
    for a in form.attachments:
        writer.writerow(
            [f"添付: {a.label}", a.slot, "ファイル", "必須" if a.required else "", "", ""]
        )
    signed = "必要（署名用電子証明書）" if form.signature_required else "不要"
    writer.writerow(["電子署名", "", signed, "", "", ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def employment_certificate_xlsx() -> bytes:
    """The simplified 就労証明書 (see the module docstring), empty."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "就労証明書"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 52
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill_worker = PatternFill("solid", fgColor="EAF2FB")
    fill_employer = PatternFill("solid", fgColor="FFF7E0")
    ws["A1"] = "就労証明書（簡略版）"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A2"] = SIMPLIFIED_NOTE
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 45
    row = 4

    def section(title: str, cells: Mapping[str, str], fill: PatternFill) -> None:
        nonlocal row
        ws.cell(row, 1, title).font = Font(bold=True)
        row += 1
        for name, label in cells.items():
            ws.cell(row, 1, label).border = box
            cell = ws.cell(row, 2)
            cell.border = box
            cell.fill = fill
            cell.number_format = "@"  # text: nothing is turned into a date or a formula
            ref = f"'{ws.title}'!$B${row}"
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
            row += 1
        row += 1

    section("1. 就労者（申請者が記入）", EMPLOYEE_CELLS, fill_worker)
    section("2. 事業所（事業主が記入）", EMPLOYER_CELLS, fill_employer)
    section("3. 就労の状況（事業主が記入）", WORK_CELLS, fill_employer)
    ws.cell(row, 1, "上記のとおり相違ないことを証明します。（事業主）")
    wb.properties.creator = "mynalib"
    wb.properties.title = "就労証明書（簡略版）"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


#: the most a workbook may unpack to (a 就労証明書 is a few hundred KiB; a zip bomb is refused)
MAX_UNPACKED = 32 * 1024 * 1024


def _load(xlsx: bytes) -> Any:
    """The workbook (openpyxl parses its XML with defusedxml), refused when it is not a zip or
    would unpack to more than :data:`MAX_UNPACKED` bytes."""
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
                raise ValueError("the workbook unpacks to too much data")
    except zipfile.BadZipFile:
        raise ValueError("not an Excel workbook (not a zip file)") from None
    try:
        return load_workbook(io.BytesIO(xlsx))
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"not an Excel workbook ({type(exc).__name__})") from None


def _cell(wb: Any, name: str) -> Any:
    defined = wb.defined_names.get(name)
    if defined is None:
        raise ValueError(f"the workbook has no cell named {name} (not this 就労証明書)")
    sheet, ref = next(iter(defined.destinations))
    return wb[sheet][ref.replace("$", "")]


def fill_employment_certificate(xlsx: bytes, values: Mapping[str, Any]) -> bytes:
    """The workbook with the worker's part (``EMPLOYEE_CELLS`` names) filled from ``values``;
    ``values`` may also name employer cells the worker knows (``employer_name``)."""
    wb = _load(xlsx)
    for name, value in values.items():
        if name not in EMPLOYEE_CELLS and name not in EMPLOYER_CELLS:
            raise KeyError(f"no cell {name!r} in the 就労証明書")
        if value is None or value == "":
            continue
        _cell(wb, name).value = (
            value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_employment_certificate(xlsx: bytes) -> dict[str, str]:
    """Every named cell of a 就労証明書 and its text ("" when blank)."""
    wb = _load(xlsx)
    out = {}
    for name in (*EMPLOYEE_CELLS, *EMPLOYER_CELLS, *WORK_CELLS):
        value = _cell(wb, name).value
        out[name] = "" if value is None else str(value).strip()
    return out


def employment_certificate_gaps(xlsx: bytes) -> list[str]:
    """The labels of what the employer left blank (what an examiner returns the form for)."""
    values = read_employment_certificate(xlsx)
    labels = {**EMPLOYER_CELLS, **WORK_CELLS}
    return [labels[name] for name in EMPLOYER_REQUIRED if not values[name]]


def mandate_template() -> str:
    """The 委任状 with blanks (``myna mandate`` fills it)."""
    from .mandate import mandate_text

    return mandate_text(
        company="（法人名）",
        agent_name="（代理人の氏名）",
        agent_address="（代理人の住所）",
        procedures=["（委任する手続）"],
        principal_name="（代表者の氏名）",
        principal_address="（代表者の住所）",
        day=None,
    )
