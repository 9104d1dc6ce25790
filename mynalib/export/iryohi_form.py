"""医療費集計フォーム (NTA, version 3.1): CSV (columns B–J) and filling the official XLSX template.

Rows come from :func:`mynalib.tax.medical_form_rows` (person × provider [× month], categories
from 診療区分, 補填 from the user's rows).

Shortening rule (deterministic; every change is listed in the warnings). A value longer than its
limit (B 医療を受けた人: 10 characters, C 病院・薬局などの名称: 20) is shortened by these steps, in
order, stopping as soon as it fits:

1. (C only) remove the legal-entity words of :data:`ENTITY_WORDS` (医療法人社団, 株式会社, …);
2. remove all spaces (half- and full-width);
3. cut to the limit (keep the first characters).

If two different originals of a column end up the same, the later one (in row order) gets its last
character replaced by a digit 2, 3, … (the first keeps the plain text), so rows stay distinguishable.

Row limits: 995 data rows per file (rows 9–1003), 500 with ``smartphone=True``; beyond that the
rows are split into numbered files ``<stem>_1<suffix>``, ``<stem>_2<suffix>``, … in row order.

Encodings (CSV): ``utf-8-sig`` (default, what Excel opens correctly in Japan) or ``cp932``. With
cp932 a character it cannot hold is an error naming its row and column; nothing is replaced and
no file is written.

Formula injection: a name or provider that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading ``'`` in the CSV and as a text cell (value unchanged)
in the XLSX (see :mod:`mynalib.export`); the ``'`` is not counted in the length limits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExportError
from ..tax.medical import FORM_CATEGORIES, FormRow, MedicalExtra, medical_form_rows
from . import csv_row, set_xlsx_cell, write_private

if TYPE_CHECKING:
    import pandas as pd

SHEET = "医療費集計フォーム"
FIRST_ROW = 9
LAST_ROW = 1003
PC_LIMIT = LAST_ROW - FIRST_ROW + 1  # 995
SMARTPHONE_LIMIT = 500
COLUMNS = ("B", "C", "D", "E", "F", "G", "H", "I", "J")
HEADER = (
    "医療を受けた人",
    "病院・薬局などの名称",
    "診療・治療",
    "医薬品購入",
    "介護保険サービス",
    "その他の医療費",
    "支払った医療費の金額",
    "左のうち、補填される金額",
    "支払年月日",
)
MARK = "該当する"
NAME_LIMIT = 10
PROVIDER_LIMIT = 20
MAX_AMOUNT = 999_999_999
ENCODINGS = ("utf-8-sig", "cp932")

#: words removed first when a provider name is too long (longest first)
ENTITY_WORDS = (
    "地方独立行政法人",
    "独立行政法人",
    "国立大学法人",
    "社会医療法人",
    "医療法人社団",
    "医療法人財団",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社会福祉法人",
    "医療法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "(医)",
    "(株)",
    "(有)",
    "（医）",
    "（株）",
    "（有）",
)


@dataclass
class FormExport:
    """What an export wrote."""

    files: list[Path]
    rows: int
    warnings: list[str] = field(default_factory=list)
    #: (row number 1.., column letter, original, shortened)
    changes: list[tuple[int, str, str, str]] = field(default_factory=list)


def shorten(text: str, limit: int, *, provider: bool = False) -> str:
    """Steps 1–3 of the module's shortening rule (no collision handling)."""
    if len(text) <= limit:
        return text
    if provider:
        for word in ENTITY_WORDS:
            text = text.replace(word, "")
            if len(text) <= limit:
                return text
    text = re.sub(r"[\s\u3000]+", "", text)
    if len(text) <= limit:
        return text
    return text[:limit]


def _shorten_column(
    values: list[str], limit: int, column: str, *, provider: bool
) -> tuple[list[str], list[tuple[int, str, str, str]]]:
    out: list[str] = []
    changes = []
    owner: dict[str, str] = {}  # shortened value -> original that has it
    for original in values:
        short = shorten(original, limit, provider=provider)
        if short != original or (short in owner and owner[short] != original):
            n = 2
            candidate = short
            while candidate in owner and owner[candidate] != original:
                suffix = str(n)
                candidate = short[: max(0, limit - len(suffix))] + suffix
                n += 1
            short = candidate
        owner.setdefault(short, original)
        out.append(short)
    for i, (original, short) in enumerate(zip(values, out, strict=True), 1):
        if short != original:
            changes.append((i, column, original, short))
    return out, changes


def form_table(rows: list[FormRow]) -> tuple[list[list[Any]], list[tuple[int, str, str, str]]]:
    """Rows as B–J values (shortened) plus the list of changes."""
    names, c1 = _shorten_column([r.person for r in rows], NAME_LIMIT, "B", provider=False)
    providers, c2 = _shorten_column([r.provider for r in rows], PROVIDER_LIMIT, "C", provider=True)
    table = []
    for i, (row, name, prov) in enumerate(zip(rows, names, providers, strict=True), 1):
        for amount, col in ((row.amount, "H"), (row.reimbursed, "I")):
            if not 0 <= amount <= MAX_AMOUNT:
                raise ExportError(
                    f"Row {i} ({row.person} / {row.provider}): column {col} amount {amount:,} is "
                    f"outside 0–{MAX_AMOUNT:,}",
                    ja=f"{i}行目の金額が範囲外です。",
                )
        table.append(
            [
                name,
                prov,
                *(MARK if c in row.categories else "" for c in FORM_CATEGORIES),
                row.amount,
                row.reimbursed,
                row.payment_date,
            ]
        )
    changes = sorted(c1 + c2)
    return table, changes


def _change_warnings(changes: list[tuple[int, str, str, str]]) -> list[str]:
    label = {
        "B": f"医療を受けた人（{NAME_LIMIT}文字まで）",
        "C": f"病院・薬局などの名称（{PROVIDER_LIMIT}文字まで）",
    }
    return [f"{i}行目: {label[col]} 「{orig}」→「{short}」" for i, col, orig, short in changes]


def _chunks(table: list[list[Any]], smartphone: bool) -> list[list[list[Any]]]:
    limit = SMARTPHONE_LIMIT if smartphone else PC_LIMIT
    if not table:
        return [[]]
    return [table[i : i + limit] for i in range(0, len(table), limit)]


def _paths(out: Path, count: int) -> list[Path]:
    if count == 1:
        return [out]
    return [out.with_name(f"{out.stem}_{k}{out.suffix}") for k in range(1, count + 1)]


def check_cp932(table: list[list[Any]]) -> None:
    """Raise :class:`ExportError` listing every character CP932 cannot hold (row, column)."""
    problems = []
    for i, values in enumerate(table, 1):
        for col, value in zip(COLUMNS, values, strict=True):
            if not isinstance(value, str):
                continue
            for ch in value:
                try:
                    ch.encode("cp932")
                except UnicodeEncodeError:
                    problems.append(f"row {i} column {col} 「{value}」: {ch!r} (U+{ord(ch):04X})")
    if problems:
        raise ExportError(
            "CP932 cannot hold these characters: " + "; ".join(problems),
            hint="write UTF-8 instead (--encoding utf-8-sig), or change the name in your data",
            ja="CP932（Shift_JIS）で表せない文字があります: " + "、".join(problems),
        )


def csv_bytes(table: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    """One CSV file: the header row then the rows, CRLF line ends."""
    if encoding not in ENCODINGS:
        raise ExportError(f"Unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    if encoding == "cp932":
        check_cp932(table)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(csv_row(values) for values in table)
    return buf.getvalue().encode(encoding)


def write_iryohi_csv(
    rows: list[FormRow],
    out: str | Path,
    *,
    encoding: str = "utf-8-sig",
    smartphone: bool = False,
) -> FormExport:
    """Write the form rows as CSV (split into numbered files beyond the row limit)."""
    table, changes = form_table(rows)
    chunks = _chunks(table, smartphone)
    blobs = [csv_bytes(chunk, encoding) for chunk in chunks]  # all checks before any write
    paths = _paths(Path(out), len(chunks))
    for path, blob in zip(paths, blobs, strict=True):
        write_private(path, blob)
    warnings = _change_warnings(changes)
    if len(paths) > 1:
        warnings.append(
            f"{len(table)}行は1ファイルの上限（{SMARTPHONE_LIMIT if smartphone else PC_LIMIT}行）を"
            f"超えるため、{len(paths)}ファイルに分けました"
        )
    return FormExport(paths, len(table), warnings, changes)


def write_iryohi_xlsx(
    rows: list[FormRow],
    out: str | Path,
    template: str | Path,
    *,
    smartphone: bool = False,
) -> FormExport:
    """Fill copies of the official template: sheet 医療費集計フォーム, rows 9 onward, columns B–J.

    Only those cells' values are set; every other cell, sheet, style and data validation is kept
    as openpyxl reads it (openpyxl does not keep drawings/shapes: the official form has none in
    the data sheet). The template must be empty in B9:J1003.
    """
    from openpyxl import load_workbook

    template = Path(template)
    if not template.exists():
        raise ExportError(
            f"XLSX template {template} not found",
            hint="download the 医療費集計フォーム from the NTA site and pass its path",
            ja="医療費集計フォームのテンプレートが見つかりません。",
        )
    table, changes = form_table(rows)
    chunks = _chunks(table, smartphone)
    paths = _paths(Path(out), len(chunks))
    books = []
    for chunk in chunks:
        try:
            wb = load_workbook(template)
        except Exception as exc:  # openpyxl raises many kinds
            raise ExportError(f"Cannot open the XLSX template {template}: {exc}") from exc
        if SHEET not in wb.sheetnames:
            raise ExportError(
                f"The template has no sheet {SHEET!r} (sheets: {', '.join(wb.sheetnames)})",
                hint="use the official 医療費集計フォーム (.xlsx)",
                ja="テンプレートに「医療費集計フォーム」シートがありません。",
            )
        ws = wb[SHEET]
        for r in range(FIRST_ROW, LAST_ROW + 1):
            for col in COLUMNS:
                if ws[f"{col}{r}"].value not in (None, ""):
                    raise ExportError(
                        f"The template already has data in {col}{r}",
                        hint="use an empty copy of the official form",
                        ja="テンプレートの入力欄（9行目以降）に既にデータがあります。空の様式を使ってください。",
                    )
        for offset, values in enumerate(chunk):
            for col, value in zip(COLUMNS, values, strict=True):
                if value == "":
                    continue
                set_xlsx_cell(ws[f"{col}{FIRST_ROW + offset}"], value)
        books.append(wb)
    for path, wb in zip(paths, books, strict=True):
        buffer = io.BytesIO()
        wb.save(buffer)
        write_private(path, buffer.getvalue())
    warnings = _change_warnings(changes)
    if len(paths) > 1:
        warnings.append(f"{len(table)}行を{len(paths)}ファイルに分けました")
    return FormExport(paths, len(table), warnings, changes)


def export_iryohi_form(
    expenses: pd.DataFrame | None,
    extras: Iterable[MedicalExtra] = (),
    *,
    year: int,
    out: str | Path,
    household: Iterable[str] | None = None,
    by_month: bool = False,
    encoding: str = "utf-8-sig",
    xlsx_template: str | Path | None = None,
    smartphone: bool = False,
) -> FormExport:
    """Aggregate and write the 医療費集計フォーム (XLSX when a template is given, else CSV)."""
    if xlsx_template is not None and Path(out).suffix.lower() != ".xlsx":
        raise ExportError(
            f"With an XLSX template the output must be a .xlsx file, not {Path(out).name!r}",
            ja="XLSXテンプレートを使うときは出力ファイル名を .xlsx にしてください。",
        )
    rows, warnings = medical_form_rows(
        expenses, extras, year=year, household=household, by_month=by_month
    )
    if xlsx_template is not None:
        result = write_iryohi_xlsx(rows, out, xlsx_template, smartphone=smartphone)
    else:
        result = write_iryohi_csv(rows, out, encoding=encoding, smartphone=smartphone)
    result.warnings = warnings + result.warnings
    return result
