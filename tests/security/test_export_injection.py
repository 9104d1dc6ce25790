"""Formula injection in the exports (issue 11, item 4).

A provider named ``=cmd|'/C calc'!A0`` must not become a formula: in a CSV a text cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's rule), in
the filled XLSX it is a text cell with the value unchanged. Numbers stay numbers.

In the XLSX only ``=`` was turned into a formula before this change (openpyxl's rule); the other
prefixes are kept as regression checks there. Every CSV case failed before.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from mynalib import export
from mynalib.export.deductions import SUMMARY_COLUMNS, deductions_csv, deductions_json
from mynalib.export.iryohi_form import write_iryohi_csv, write_iryohi_xlsx
from mynalib.tax import FormRow
from mynalib.tax.medical import MEDICINE, TREATMENT

from ..tax.test_iryohi_form import build_template

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = "cmd|'/C calc'!A0"


def _rows(provider: str, person: str = "見本　太郎", date: str = "") -> list[FormRow]:
    return [
        FormRow(person, provider, None, {TREATMENT}, 12_345, 0, date),
        FormRow("見本　花子", "見本薬局", None, {MEDICINE}, 3_000, 500),
    ]


def _read_csv(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def test_prefixes_are_owasps():
    assert set(export.FORMULA_PREFIXES) == set(PREFIXES)


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_iryohi_csv_escapes_formula_text(tmp_path: Path, prefix: str, encoding: str) -> None:
    out = tmp_path / "form.csv"
    write_iryohi_csv(
        _rows(prefix + PAYLOAD, person=prefix + "1+1", date=prefix + "2"), out, encoding=encoding
    )
    rows = _read_csv(out, encoding)
    assert rows[1][0] == "'" + prefix + "1+1"  # B 医療を受けた人
    assert rows[1][1] == "'" + prefix + PAYLOAD  # C 病院・薬局などの名称
    assert rows[1][8] == "'" + prefix + "2"  # J 支払年月日
    assert rows[1][6] == "12345"  # H: a number, as it was
    # ordinary rows are unchanged
    assert rows[2] == ["見本　花子", "見本薬局", "", "該当する", "", "", "3000", "500", ""]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_iryohi_xlsx_writes_formula_text_as_text(tmp_path: Path, prefix: str) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "template.xlsx"
    build_template(template)
    out = tmp_path / "filled.xlsx"
    write_iryohi_xlsx(_rows(prefix + PAYLOAD, person=prefix + "1+1"), out, template)
    ws = load_workbook(out)["医療費集計フォーム"]
    for coord, text in (("B9", prefix + "1+1"), ("C9", prefix + PAYLOAD)):
        cell = ws[coord]
        assert cell.data_type == "s", coord
        # the value is unchanged (XML reads a bare CR back as a line feed)
        assert cell.value in (text, text.replace("\r", "\n")), coord
    assert ws["H9"].value == 12_345 and ws["H9"].data_type == "n"
    assert (ws["B10"].value, ws["C10"].value, ws["H10"].value, ws["I10"].value) == (
        "見本　花子",
        "見本薬局",
        3_000,
        500,
    )
    assert ws["E10"].value == "該当する" and ws["E10"].data_type == "s"


class _Summary:
    """The part of a HouseholdSummary the CSV export reads."""

    def __init__(self, rows: list[dict]) -> None:
        self._rows = rows

    def rows(self) -> list[dict]:
        return self._rows

    def to_dict(self) -> dict:
        return {"rows": self._rows}


def _summary_row(person: str, label: str = "医療費控除", income_tax: int = 12_000) -> dict:
    return {
        "year": 2025,
        "person": person,
        "deduction": "medical",
        "label": label,
        "income_tax": income_tax,
        "income_tax_kind": "deduction",
        "resident_tax": income_tax,
        "resident_tax_kind": "deduction",
        "applied": True,
        "estimate": False,
        "warnings": "",
    }


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_deductions_csv_escapes_formula_text(prefix: str) -> None:
    summary = _Summary(
        [
            _summary_row(prefix + PAYLOAD, label=prefix + "label", income_tax=-5),
            _summary_row("見本　花子"),
        ]
    )
    rows = list(csv.DictReader(io.StringIO(deductions_csv(summary), newline="")))
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    assert rows[0]["person"] == "'" + prefix + PAYLOAD
    assert rows[0]["label"] == "'" + prefix + "label"
    assert rows[0]["income_tax"] == "-5"  # a negative amount is a number, not text
    assert rows[1]["person"] == "見本　花子" and rows[1]["income_tax"] == "12000"
    assert rows[1]["label"] == "医療費控除" and rows[1]["applied"] == "True"
    # the JSON is not for spreadsheets: it keeps the value exactly
    assert f'"person": {__import__("json").dumps(prefix + PAYLOAD)}' in deductions_json(summary)


def test_csv_cell_touches_only_text() -> None:
    csv_cell = export.csv_cell
    assert csv_cell(-5) == -5 and csv_cell(0) == 0 and csv_cell(None) is None
    assert csv_cell(True) is True and csv_cell(-1.5) == -1.5
    assert csv_cell("見本薬局") == "見本薬局" and csv_cell("") == ""
    assert csv_cell("a=b") == "a=b" and csv_cell("'=x") == "'=x"
