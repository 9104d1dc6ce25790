"""年金記録 CSV — the project's template (docs/FORMATS.md §4; ``sample_data/templates/nenkin_template.csv``).

ねんきんネット has no data export, so the user copies their 被保険者記録照会回答票 or ねんきん定期便
into a CSV with one row per enrolment period. Lines starting with ``#`` are comments; blank lines are
ignored. The first other line is the header; columns may come in any order and have Japanese or
English names (:data:`COLUMNS`):

=============================  ===========================  ======================================
column (ja / en)               required                     value
=============================  ===========================  ======================================
氏名 / person                  no                           氏名 (else the ``# 氏名:`` comment)
制度 / scheme                  yes                          厚生年金, 国民年金, 共済組合, ...
事業所 / employer              no                           employer (empty for 国民年金)
資格取得日 / start             yes                          first day of the period
資格喪失日 / end               no (empty: still enrolled)   資格喪失日 (the day after the last day)
月数 / months                  no (computed when empty)     months counted for the pension
標準報酬月額 / monthly_rem.    no                           integer yen, ``"360,000"`` allowed
種別 / status                  no                           第1号/第3号/未納/免除/...
=============================  ===========================  ======================================

Dates: Western (``1993/4/1``, ``1993-04-01``, ``1993年4月1日``) or 和暦 (``S55.4.1``, ``H2.4.1``,
``R1.5.1``, ``昭和55年4月1日``, ``令和元年5月1日``). Months, when empty, are counted the way the
pension record does: from the month of 資格取得日 up to the month before the month of 資格喪失日.
A ``# 氏名: 見本 太郎`` comment names the person for the whole file. Encodings as the 医療費 CSV.

``meta``: person, periods (count), encoding.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from ..errors import MalformedDocument
from ..jp.eras import parse_date
from .limits import RowCount, Warnings, check_date, cut
from .records import ParseResult, PensionPeriod
from .text import decode, nfkc, parse_int, shown

KIND = "nenkin_csv"

#: header name (NFKC, lower-case) → field
COLUMNS: dict[str, str] = {
    "氏名": "person",
    "person": "person",
    "name": "person",
    "制度": "scheme",
    "scheme": "scheme",
    "事業所": "employer",
    "事業所名称": "employer",
    "事業所名": "employer",
    "employer": "employer",
    "資格取得日": "start",
    "開始": "start",
    "開始日": "start",
    "start": "start",
    "資格喪失日": "end",
    "終了": "end",
    "終了日": "end",
    "end": "end",
    "月数": "months",
    "加入月数": "months",
    "months": "months",
    "標準報酬月額": "monthly_remuneration",
    "monthly_remuneration": "monthly_remuneration",
    "種別": "status",
    "状態": "status",
    "status": "status",
    "備考": "note",
    "note": "note",
}
REQUIRED = ("scheme", "start")
# (matched after trailing commas and white space are cut: a lazy name followed by "\s*,*$"
# took quadratic time on a comment line of many spaces)
_PERSON_COMMENT = re.compile(r"^#\s*(?:氏名|person|name)\s*[:：,]\s*(.+)$", re.IGNORECASE)


def _header_fields(row: list[str]) -> list[str | None]:
    return [COLUMNS.get(nfkc(c).lower()) for c in row]


def detect(data: bytes) -> bool:
    head = data[:8192]
    if len(data) > 8192 and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]
    try:
        text, _ = decode(head)
    except MalformedDocument:
        return False
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        fields = _header_fields(next(csv.reader([s])))
        return all(f in fields for f in REQUIRED)
    return False


def months_between(start: date, end: date) -> int:
    """Pension months: the month of ``start`` up to the month before the month of ``end``."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def parse(data: bytes, *, strict: bool = False) -> ParseResult:
    """Parse a pension-record CSV; see the module docstring."""
    text, encoding = decode(data, what="年金記録 CSV")
    warnings = Warnings()
    counted = RowCount("年金記録 CSV")

    def problem(message: str, line: int | None) -> None:
        if strict:
            raise MalformedDocument(cut(f"年金記録 CSV: {message}"), line=line)
        warnings.append(f"line {line}: {message}" if line else message)

    def refused(message: str, line: int) -> None:
        """A row that is not a period: a problem, and counted (see RowCount)."""
        problem(message, line)
        counted.bad(line)

    file_person: str | None = None
    header: list[str | None] | None = None
    records: list[PensionPeriod] = []
    for line, row in _rows(text):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if cells[0].startswith("#"):
            m = _PERSON_COMMENT.match(_cut_trailing(",".join(cells)))
            if m:
                file_person = m.group(1).strip()
            continue
        if header is None:
            header = _header_fields(cells)
            missing = [f for f in REQUIRED if f not in header]
            if missing:
                raise MalformedDocument(
                    f"年金記録 CSV: header lacks {', '.join(missing)} (see the template)",
                    line=line,
                    hint="start from sample_data/templates/nenkin_template.csv",
                )
            for name, fld in zip(cells, header, strict=True):
                if fld is None and name:
                    problem(f"unknown column {name!r} (ignored)", line)
            continue
        values: dict[str, str] = {}
        for fld, cell in zip(header, cells, strict=False):
            if fld is not None and cell:
                values[fld] = cell
        if len(cells) > len(header) and any(cells[len(header) :]):
            problem(f"more cells than header columns: {shown(cells[len(header) :])}", line)
        scheme = values.get("scheme")
        if not scheme:
            refused("制度 (scheme) is empty", line)
            continue
        try:
            start = check_date(parse_date(values.get("start", "")))
        except ValueError as exc:
            refused(f"資格取得日: {exc}", line)
            continue
        end: date | None = None
        if values.get("end"):
            try:
                end = check_date(parse_date(values["end"]))
            except ValueError as exc:
                refused(f"資格喪失日: {exc}", line)
                continue
            if end < start:
                refused(f"資格喪失日 {end} is before 資格取得日 {start}", line)
                continue
        counted.good()
        months: int | None = None
        if values.get("months"):
            try:
                months = parse_int(values["months"].removesuffix("月").removesuffix("か"))
            except ValueError:
                problem(f"月数 is not a number: {shown(values['months'])}", line)
            if months is not None and months < 0:
                problem(f"月数 is negative: {months}", line)
                months = None
        elif end is not None:
            months = months_between(start, end)
        remuneration: int | None = None
        if values.get("monthly_remuneration"):
            try:
                remuneration = parse_int(values["monthly_remuneration"])
            except ValueError:
                problem(
                    f"標準報酬月額 is not an amount: {shown(values['monthly_remuneration'])}", line
                )
        status = values.get("status")
        if values.get("note"):
            status = f"{status} {values['note']}".strip() if status else values["note"]
        records.append(
            PensionPeriod(
                person=values.get("person") or file_person,
                scheme=nfkc(scheme),
                employer=values.get("employer"),
                start=start,
                end=end,
                months=months,
                monthly_remuneration=remuneration,
                status=status,
                row=line,
            )
        )
    if header is None:
        raise MalformedDocument("年金記録 CSV: no header row", hint="see the template's header")
    persons = {r.person for r in records if r.person}
    meta: dict[str, Any] = {
        "person": file_person or (persons.pop() if len(persons) == 1 else None),
        "periods": len(records),
        "encoding": encoding,
    }
    return ParseResult(records, warnings.done(), meta)


def _cut_trailing(text: str) -> str:
    """``text`` without trailing commas and white space (in any mix)."""
    while text and (text[-1] == "," or text[-1].isspace()):
        text = text.rstrip().rstrip(",")
    return text


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV rows of ``text`` as (line, cells), read as they are needed."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MalformedDocument(
                f"年金記録 CSV: broken CSV quoting ({exc})", line=reader.line_num
            ) from None
        yield reader.line_num, row
