"""Deduction summary for a year: one row per deduction and person, 所得税 and 住民税 amounts.

The CSV is safe to open in a spreadsheet: text cells that would start a formula get a leading
``'`` (see :mod:`mynalib.export`); the JSON keeps every value exactly.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Literal

from ..errors import ExportError
from ..tax.summary import HouseholdSummary
from . import csv_cell, write_private

SUMMARY_COLUMNS = (
    "year",
    "person",
    "deduction",
    "label",
    "income_tax",
    "income_tax_kind",
    "resident_tax",
    "resident_tax_kind",
    "applied",
    "estimate",
    "warnings",
)


def deductions_csv(summary: HouseholdSummary) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in summary.rows():
        writer.writerow({k: csv_cell(row[k]) for k in SUMMARY_COLUMNS})
    return buf.getvalue()


def deductions_json(summary: HouseholdSummary) -> str:
    return json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"


def write_deductions(
    summary: HouseholdSummary,
    out: str | Path,
    *,
    format: Literal["csv", "json"] | None = None,
) -> Path:
    """Write the summary as CSV (UTF-8 with BOM) or JSON (by ``format`` or the file suffix)."""
    path = Path(out)
    fmt = format or ("json" if path.suffix.lower() == ".json" else "csv")
    if fmt == "json":
        data = deductions_json(summary).encode("utf-8")
    elif fmt == "csv":
        data = deductions_csv(summary).encode("utf-8-sig")
    else:
        raise ExportError(f"Unknown format {fmt!r}; use csv or json")
    return write_private(path, data)
