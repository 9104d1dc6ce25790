"""医療費通知情報 CSV (マイナポータル, one person per file) — docs/FORMATS.md §1.

The file is a key/value list in sections; a row with a single cell is a section header. The
parser is a small state machine: preamble (``わたしの情報``, ``医療費通知情報``, ``項目名,内容``),
``作成日``, then the sections ``資格情報``, ``医療費明細一覧の概要``, ``医療費の合計``, ``年間の合計``,
``医療費情報明細`` (blocks of exactly eight rows) and ``保険者情報``.

Checks (each names the line): every block's 総額 = 保険者 + 公費 + 窓口相当; each totals section
equals the sum of the blocks whose month lies in that section's 期間; every block's month lies in
the 医療費の合計 期間. ``strict=True`` raises :class:`MalformedDocument` on the first problem;
lenient mode keeps the records and reports each problem in ``warnings``.

``meta``: person (氏名), person_kana, birth (date), sex, insurer (保険者の名称), insurer_number (as in
the file, possibly masked), created (date), period (first month, last month), totals
({section: {period, total_cost, insurer_paid, public_paid, patient_share}}), range (一覧表示の範囲),
encoding, blocks (count), extra ({section: {item: value}} for rows the parser does not know,
present only when there are such rows: nothing is dropped).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import deque
from datetime import date
from itertools import repeat
from operator import add
from typing import Any

import orjson

from ..errors import MalformedDocument
from ..jp.eras import parse_date, parse_month
from .limits import TOLERATED_UNRECOGNISED, RowCount, Warnings, check_date, cut
from .memo import memoized
from .records import MedicalExpense, ParseResult
from .text import MAX_DIGITS, decode, nfkc, parse_int, shown

KIND = "iryohi_csv"

#: the fields of :attr:`ParseResult.columns` (the exact-layout path's records column by column;
#: ``month`` as :func:`month_ordinal`), in this order
COLUMNS = (
    "month",
    "category",
    "provider",
    "provider_raw",
    "days",
    "total_cost",
    "insurer_paid",
    "public_paid",
    "patient_share",
    "insurer",
)

SECTIONS = (
    "資格情報",
    "医療費明細一覧の概要",
    "医療費の合計",
    "年間の合計",
    "医療費情報明細",
    "保険者情報",
)
#: keys of one detail block, in order (NFKC form: full-width parentheses become ASCII)
BLOCK_KEYS = (
    "診療年月",
    "診療区分",
    "日数",
    "医療機関等名称",
    "医療費の総額(円)",
    "保険者の負担額(円)",
    "その他の公費の負担額(円)",
    "窓口相当負担額(円)",
)
AMOUNT_FIELDS = {
    "医療費の総額(円)": "total_cost",
    "保険者の負担額(円)": "insurer_paid",
    "その他の公費の負担額(円)": "public_paid",
    "窓口相当負担額(円)": "patient_share",
}
QUALIFICATION_KEYS = {
    "氏名カナ": "person_kana",
    "氏名": "person",
    "生年月日": "birth",
    "性別": "sex",
    "年齢": "age",
    "保険者等番号": "insurer_number",
    "被保険者証等記号": "card_symbol",
    "被保険者証等番号": "card_number",
    "枝番": "branch_number",
}
TOTAL_SECTIONS = ("医療費の合計", "年間の合計")
TOTAL_KEYS = ("期間", *AMOUNT_FIELDS)
KNOWN_KEYS = frozenset(
    (
        *BLOCK_KEYS,
        *QUALIFICATION_KEYS,
        *TOTAL_KEYS,
        "作成日",
        "一覧表示の範囲",
        "項目名",
        "保険者の名称",
        "医療費情報明細の範囲",
    )
)


#: how the portal's files start (UTF-8, with or without a BOM)
_PORTAL_START = "わたしの情報\r\n医療費通知情報\r\n\r\n項目名,内容\r\n".encode()


def detect(data: bytes) -> bool:
    """True for a 医療費通知情報 CSV (judged on the first few rows)."""
    head = data[:4096]
    if head.startswith(_PORTAL_START, 3 if head.startswith(b"\xef\xbb\xbf") else 0):
        # the portal's own first rows: the general check below would say True whenever the
        # head is UTF-8 text (which is all it needs to read them)
        try:
            (head if len(data) <= 4096 else _cut_utf8(head)).decode("utf-8")
        except UnicodeDecodeError:
            pass  # judged below, like any other file
        else:
            return True
    return _detect_rows(data)


def _detect_rows(data: bytes) -> bool:
    """The general check: 医療費通知情報 among the first rows, then a 項目名 row."""
    head = data[:4096]
    try:
        text, _ = decode(head if len(data) <= 4096 else _cut_utf8(head), what="file")
    except MalformedDocument:
        return False
    lines = [nfkc(line.replace('"', "")) for line in text.splitlines()[:12]]
    lines = [line.rstrip(",") for line in lines if line.strip(", ")]
    return "医療費通知情報" in lines[:4] and any(line.startswith("項目名") for line in lines[:8])


def _cut_utf8(head: bytes) -> bytes:
    # a 4 KB prefix may end inside a multi-byte character: drop the partial last line
    cut = head.rfind(b"\n")
    return head[: cut + 1] if cut > 0 else head


class _Parser:
    def __init__(self, strict: bool):
        self.strict = strict
        self.warnings = Warnings()
        self.rows = RowCount("医療費通知情報 CSV")

    def problem(self, message: str, line: int | None) -> None:
        if self.strict:
            raise MalformedDocument(cut(f"医療費通知情報 CSV: {message}"), line=line)
        self.warnings.append(f"line {line}: {message}" if line is not None else message)

    def unknown(self, message: str, line: int) -> None:
        """A row the parser does not know: a problem, and counted (see :class:`RowCount`)."""
        self.problem(message, line)
        self.rows.bad(line)

    def amount(self, value: str, key: str, line: int) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.problem(f"{key} is not an amount: {shown(value)}", line)
            return None


class _Rows:
    """The CSV rows of ``text`` as (line, cells), read as they are needed (a file of millions of
    rows is never held as a list); rows taken too early can be put back in front."""

    def __init__(self, text: str):
        self.reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self.back: deque[tuple[int, list[str]]] = deque()

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        if self.back:
            return self.back.popleft()
        try:
            row = next(self.reader)
        except csv.Error as exc:
            raise MalformedDocument(
                f"医療費通知情報 CSV: broken CSV quoting ({exc})", line=self.reader.line_num
            ) from None
        return self.reader.line_num, row

    def put_back(self, rows: list[tuple[int, list[str]]]) -> None:
        self.back.extendleft(reversed(rows))


@functools.lru_cache(maxsize=1024)  # pure, and every file of a year has the same period
def _parse_period(text: str) -> tuple[date, date]:
    s = nfkc(text).replace("〜", "~").replace("~", "~")
    parts = [p.strip() for p in s.split("~")]
    if len(parts) != 2:
        raise ValueError(f"not a period: {text!r}")
    first, last = parse_month(parts[0]), parse_month(parts[1])
    if last < first:
        raise ValueError(f"period ends before it starts: {text!r}")
    return first, last


#: the block keys exactly as the portal writes them (the fast path compares these first)
_RAW_BLOCK_KEYS = (
    "診療年月",
    "診療区分",
    "日数",
    "医療機関等名称",
    "医療費の総額（円）",
    "保険者の負担額（円）",
    "その他の公費の負担額（円）",
    "窓口相当負担額（円）",
)
_RAW_BLOCK_KEYS_LIST = list(_RAW_BLOCK_KEYS)
#: every block dict has these keys (the careful path fills them in one by one)
_EMPTY_BLOCK: dict[str, Any] = {
    "month": None,
    "category": "",
    "days": None,
    "provider_raw": "",
    "provider": "",
    "total_cost": None,
    "insurer_paid": None,
    "public_paid": None,
    "patient_share": None,
}


def _fast_section(chunk: list[tuple[int, list[str]]]) -> list[dict[str, Any]] | None:
    """All blocks of a 医療費情報明細 section written exactly as the portal does, or None.

    ``chunk`` is the section's rows. Anything unusual (a blank row, another spelling, a value
    that is not a plain number) returns None and the row-by-row state machine takes over, which
    reports each problem with its line number.
    """
    count = len(chunk)
    if count == 0 or count % 8:
        return None
    keys = [r[0] if len(r) == 2 else None for _, r in chunk]
    if keys != _RAW_BLOCK_KEYS_LIST * (count // 8):
        return None
    values = [r[1] for _, r in chunk]
    out: list[dict[str, Any]] = []
    month_of = _month
    norm = nfkc
    for k in range(0, count, 8):
        month_s, cat, days_s, prov, tot, ins, pub, pat = values[k : k + 8]
        try:
            month = month_of(month_s)
        except ValueError:
            return None
        if days_s == "":
            days = None
        elif days_s.isascii() and days_s.isdigit() and len(days_s) <= MAX_DIGITS:
            days = int(days_s)
        else:
            return None
        tot, ins, pub, pat = (
            tot.replace(",", ""),
            ins.replace(",", ""),
            pub.replace(",", ""),
            pat.replace(",", ""),
        )
        if (
            not (tot.isdigit() and ins.isdigit() and pub.isdigit() and pat.isdigit())
            or not (tot + ins + pub + pat).isascii()
            or max(len(tot), len(ins), len(pub), len(pat)) > MAX_DIGITS
        ):
            return None  # (a number too long for an amount: the state machine reports it)
        out.append(
            {
                "row": chunk[k][0],
                "lines": {"医療費の総額(円)": chunk[k + 4][0]},
                "month": month,
                "category": norm(cat),
                "days": days,
                "provider_raw": prov,
                "provider": norm(prov),
                "total_cost": int(tot),
                "insurer_paid": int(ins),
                "public_paid": int(pub),
                "patient_share": int(pat),
            }
        )
    return out


#: parse_date, cached: a person's files repeat the birth date, and files of one day the 作成日
_date = functools.lru_cache(maxsize=4096)(parse_date)


def month_ordinal(month: date) -> int:
    """A month as the number of months since 1970-01 (pandas' ``period[M]`` ordinal)."""
    return (month.year - 1970) * 12 + month.month - 1


@functools.lru_cache(maxsize=1024)
def _month_ordinal(text: str) -> int:
    """A 診療年月 as :func:`month_ordinal`."""
    return month_ordinal(_month(text))


@functools.lru_cache(maxsize=1024)
def _month(text: str) -> date:
    try:
        month = parse_month(text)
    except ValueError:
        # a file re-saved by a spreadsheet may carry a full date (2025/1/1) for the month
        month = parse_date(text).replace(day=1)
    return check_date(month)


# ------------------------------------------------------------------------- exact-layout path
# A file written exactly as the portal writes it (the preamble, every section and row in the
# portal's order and spelling, one row per line, no quotes except around amounts) is matched by
# one regular expression; its values then go through the same conversions and every check of the
# row-by-row parser. Anything else, and any file with a problem to report, is left to the
# row-by-row parser, so warnings, errors and their line numbers come from one place.
_NL = r"\r?\n"
_V = r'([^,"\r\n\x00]*)'  # one unquoted cell without commas or quotes
# an amount: digits, quoted when it has separators; longer numbers than an amount can have
# (MAX_DIGITS) are left to the row-by-row parser, which reports them
_AMT = rf'("[0-9](?:,?[0-9]){{0,{MAX_DIGITS - 1}}}"|[0-9]{{1,{MAX_DIGITS}}})'


def _rows(*rows: str) -> str:
    return "".join(row + _NL for row in rows)


def _totals_rows(title: str) -> str:
    return _rows(
        title,
        f"期間,{_V}",
        f"医療費の総額（円）,{_AMT}",
        f"保険者の負担額（円）,{_AMT}",
        f"その他の公費の負担額（円）,{_AMT}",
        f"窓口相当負担額（円）,{_AMT}",
    )


_BLOCK_PATTERN = _rows(
    f"診療年月,{_V}",
    f"診療区分,{_V}",
    f"日数,([0-9]{{0,{MAX_DIGITS}}})",
    f"医療機関等名称,{_V}",
    f"医療費の総額（円）,{_AMT}",
    f"保険者の負担額（円）,{_AMT}",
    f"その他の公費の負担額（円）,{_AMT}",
    f"窓口相当負担額（円）,{_AMT}",
)
# The file is matched in three parts: everything up to the 医療費情報明細 row (matched at the
# start), the 保険者情報 section (matched to the end), and the blocks between the two, found one
# after the other by one findall; a line count (below) proves that the blocks found cover
# everything between the two parts, so nothing in between is skipped.
_EXACT_HEAD = re.compile(
    _rows("わたしの情報", "医療費通知情報", "", "項目名,内容", f"作成日,{_V}", "資格情報")
    + _rows(*(f"{key},{_V}" for key in QUALIFICATION_KEYS))
    + _rows("医療費明細一覧の概要", f"一覧表示の範囲,{_V}")
    + _totals_rows("医療費の合計")
    + _totals_rows("年間の合計")
    + _rows("医療費情報明細")
)
_TAIL_START = "保険者情報"
_EXACT_TAIL = re.compile(
    _rows(_TAIL_START, f"保険者の名称,{_V}") + f"医療費情報明細の範囲,{_V}(?:{_NL})?"
)
#: a block: eight whole lines, from the start of a line (re.M: "^" after every LF)
_EXACT_BLOCK = re.compile("(?m)^" + _BLOCK_PATTERN)
_AMOUNT_CHARS = str.maketrans("", "", ',"')


def _integers(digits: str) -> list[int]:
    """The numbers of ``digits`` ("|"-separated runs of digits): read as a JSON array by orjson,
    several times faster than ``int()`` one by one; a number with a leading zero (not JSON) or
    too long for 64 bits (orjson reads it as a float: then the sum is a float) goes through
    ``int()``."""
    try:
        values = orjson.loads("[" + digits.replace("|", ",") + "]")
    except orjson.JSONDecodeError:  # e.g. "0123"
        pass
    else:
        if type(values) is list and type(sum(values)) is int:
            return values
    return list(map(int, digits.split("|")))


def _sums_within(
    months: list[date], nums: list[int], first: date, last: date
) -> tuple[int, int, int, int]:
    """Sums of the four amounts over the blocks whose month lies in first..last."""
    n = len(months)
    inside = [i for i, month in enumerate(months) if first <= month <= last]
    return (
        sum(nums[i] for i in inside),
        sum(nums[n + i] for i in inside),
        sum(nums[2 * n + i] for i in inside),
        sum(nums[3 * n + i] for i in inside),
    )


def _parse_exact(text: str, encoding: str) -> ParseResult | None:
    """The result for a file in the portal's exact layout with nothing to report, else None."""
    m = _EXACT_HEAD.match(text)
    if m is None:
        return None
    start = m.end()
    end = text.rfind(_TAIL_START, start)
    if end < 0 or (end > start and text[end - 1] != "\n"):
        return None
    tail = _EXACT_TAIL.fullmatch(text, end)
    if tail is None:
        return None
    g = m.groups()
    created_s, q_values, range_s = g[0], g[1:10], g[10]
    insurer_s, detail_range = tail.groups()
    detail = text[start:end]
    try:
        meta: dict[str, Any] = {"encoding": encoding, "created": _date(created_s)}
        qualification: dict[str, Any] = {}
        for field_name, value in zip(QUALIFICATION_KEYS.values(), q_values, strict=True):
            qualification[field_name] = _date(value) if field_name == "birth" else value.strip()
        meta["range"] = range_s.strip()
        totals: dict[str, dict[str, Any]] = {}
        for name, k in zip(TOTAL_SECTIONS, (11, 16), strict=True):
            totals[name] = {
                "period": _parse_period(g[k]),
                "total_cost": int(g[k + 1].translate(_AMOUNT_CHARS)),
                "insurer_paid": int(g[k + 2].translate(_AMOUNT_CHARS)),
                "public_paid": int(g[k + 3].translate(_AMOUNT_CHARS)),
                "patient_share": int(g[k + 4].translate(_AMOUNT_CHARS)),
            }
        first, last = totals["医療費の合計"]["period"]
        a_first, a_last = totals["年間の合計"]["period"]
        person = qualification["person"]
        insurer = insurer_s.strip()
        row = text.count("\n", 0, start) + 1  # line of the first block's 診療年月
        blocks = _EXACT_BLOCK.findall(detail)
        n = len(blocks)
        # ``detail`` is whole lines (it starts after the head's last LF and ends at the start
        # of the 保険者情報 line); each block found is eight whole lines from a line start (no
        # value holds a CR or LF) and blocks do not overlap: so they cover every line of it,
        # with nothing skipped, exactly when it has eight lines per block
        if detail.count("\n") != 8 * n:
            return None
        records: list[MedicalExpense] = []
        if n:
            # column by column (C-level loops), every check of the row-by-row parser on each
            month_s, cat_s, days_s, prov_s, tot_s, ins_s, pub_s, pat_s = zip(*blocks, strict=True)
            months = list(map(_month, month_s))
            all_days = "" not in days_s  # (then the 日数 are read with the amounts)
            amounts = "|".join(
                tot_s + ins_s + pub_s + pat_s + (days_s if all_days else ())
            ).translate(_AMOUNT_CHARS)
            nums = _integers(amounts)
            tots, ins, pub = nums[:n], nums[n : 2 * n], nums[2 * n : 3 * n]
            pat = nums[3 * n : 4 * n]
    except ValueError:
        return None  # a date, month or period the row-by-row parser reports
    if n:
        if list(map(add, map(add, ins, pub), pat)) != tots:
            return None  # block arithmetic: the row-by-row parser names the line
        earliest, latest = min(months), max(months)
        if earliest < first or latest > last:
            return None  # a block outside the 期間
        sums = (sum(tots), sum(ins), sum(pub), sum(pat))
        if a_first <= earliest and latest <= a_last:
            a_sums = sums
        else:
            a_sums = _sums_within(months, nums, a_first, a_last)
        days: list[int | None]
        if all_days:
            days = list(nums[4 * n :])
        else:
            days = [int(d) if d else None for d in days_s]
        categories = tuple(map(nfkc, cat_s))
        providers = tuple(map(nfkc, prov_s))
        records = list(
            map(
                MedicalExpense,
                repeat(person, n),
                months,
                categories,
                providers,
                prov_s,
                days,
                tots,
                ins,
                pub,
                pat,
                repeat(insurer, n),
                range(row, row + 8 * n, 8),
            )
        )
        columns: dict[str, tuple[Any, ...]] = {
            "month": tuple(map(_month_ordinal, month_s)),  # as month_ordinal
            "category": categories,
            "provider": providers,
            "provider_raw": prov_s,
            "days": tuple(days),
            "total_cost": tuple(tots),
            "insurer_paid": tuple(ins),
            "public_paid": tuple(pub),
            "patient_share": tuple(pat),
            "insurer": (insurer,) * n,
        }
    else:
        sums = a_sums = (0, 0, 0, 0)
        columns = {name: () for name in COLUMNS}
    for name, summed in zip(TOTAL_SECTIONS, (sums, a_sums), strict=True):
        entry = totals[name]
        stated = (
            entry["total_cost"],
            entry["insurer_paid"],
            entry["public_paid"],
            entry["patient_share"],
        )
        if stated != summed:
            return None  # a totals mismatch: the row-by-row parser names the line
    meta["period"] = (first, last)
    meta.update(qualification)
    meta["insurer"] = insurer
    meta["detail_range"] = detail_range.strip()
    meta["totals"] = totals
    meta["blocks"] = len(records)
    return ParseResult(records, [], meta, columns=columns)


@memoized  # pure: the vault's import and the frame builder share one parse per file
def parse(data: bytes, *, strict: bool = False) -> ParseResult:
    """Parse a 医療費通知情報 CSV; see the module docstring."""
    text, encoding = decode(data, what="医療費通知情報 CSV")
    exact = _parse_exact(text, encoding)
    if exact is not None:
        return exact
    return _parse_rows(text, encoding, strict)


def _parse_rows(text: str, encoding: str, strict: bool) -> ParseResult:
    """The row-by-row state machine: any layout, every problem reported with its line."""
    p = _Parser(strict)
    meta: dict[str, Any] = {"encoding": encoding}
    qualification: dict[str, Any] = {}
    totals: dict[str, dict[str, Any]] = {}
    total_lines: dict[str, dict[str, int]] = {}
    insurer_info: dict[str, str] = {}
    blocks: list[dict[str, Any]] = []
    extra: dict[str, dict[str, str]] = {}
    unknown_section = "?"

    state = "preamble"
    section: str | None = None
    # invariant: block_pos is 0 whenever block is None
    block: dict[str, Any] | None = None
    block_pos = 0
    seen_header = False

    rows = _Rows(text)
    for line, row in rows:
        n = len(row)
        if n == 2:
            if not row[1]:
                if not row[0].strip():
                    continue
        elif n == 1:
            if not row[0].strip():
                continue
        else:
            while len(row) > 2 and not row[-1].strip():
                row.pop()
            if not any(c.strip() for c in row):
                continue
        if len(row) > 2:
            p.problem(f"unexpected extra columns {shown(row[2:])}", line)
            row = row[:2]
        first = nfkc(row[0])
        if len(row) == 2 and not row[1] and (first in SECTIONS or first not in KNOWN_KEYS):
            row = row[:1]  # a section header re-saved with a trailing comma

        if state == "preamble":
            if first == "項目名" and len(row) == 2 and nfkc(row[1]) == "内容":
                state = "body"
                seen_header = True
                p.rows.good()
            elif len(row) == 1 and first in ("わたしの情報", "医療費通知情報"):
                p.rows.good()
            else:
                p.problem(f"unexpected row before the 項目名,内容 header: {shown(row)}", line)
                if p.rows.unknown >= TOLERATED_UNRECOGNISED:
                    break  # no header among the first rows: not this kind of file
                p.rows.bad(line)
            continue

        if len(row) == 1:  # a section header
            if block is not None:
                p.problem(
                    f"detail block cut short: {block_pos} of 8 rows before section {shown(first)}",
                    line,
                )
                block, block_pos = None, 0
            if first in SECTIONS:
                p.rows.good()
                section = first
                if first == "医療費情報明細":
                    # the rows written exactly as the portal writes blocks, up to the next
                    # section (a one-cell row): taken in one go when they all are
                    chunk: list[tuple[int, list[str]]] = []
                    stop: tuple[int, list[str]] | None = None
                    for item in rows:
                        cells = item[1]
                        if len(cells) == 2 and cells[0] == _RAW_BLOCK_KEYS[len(chunk) % 8]:
                            chunk.append(item)
                        else:
                            stop = item
                            break
                    fast = _fast_section(chunk) if stop is None or len(stop[1]) == 1 else None
                    if fast is not None:  # every block well-formed: taken in one go
                        blocks.extend(fast)
                        p.rows.good(len(chunk))
                        chunk = []
                    rows.put_back(chunk if stop is None else [*chunk, stop])
            else:
                p.unknown(
                    f"unknown section {shown(first)} (its rows are kept in meta['extra'])", line
                )
                section = "?"
                unknown_section = first
            continue

        key, value = first, row[1]
        if section == "医療費情報明細":
            expected = BLOCK_KEYS[block_pos]
            if key != expected:
                if key == BLOCK_KEYS[0] and block is not None:
                    p.problem(
                        f"detail block cut short: {block_pos} of 8 rows, then a new 診療年月", line
                    )
                    block, block_pos = None, 0
                else:
                    p.unknown(
                        f"expected {expected!r} as row {block_pos + 1} of a detail block, "
                        f"found {shown(key)}",
                        line,
                    )
                    continue
            p.rows.good()
            if block is None:
                block = dict(_EMPTY_BLOCK, row=line, lines={})
            block["lines"][key] = line
            if key == "診療年月":
                try:
                    block["month"] = _month(value)
                except ValueError as exc:
                    p.problem(str(exc), line)
                    block["month"] = None
            elif key == "診療区分":
                block["category"] = nfkc(value)
            elif key == "日数":
                v = nfkc(value).removesuffix("日")
                if v == "":
                    block["days"] = None
                else:
                    try:
                        block["days"] = parse_int(v)
                    except ValueError:
                        p.problem(f"日数 is not a number: {shown(value)}", line)
                        block["days"] = None
            elif key == "医療機関等名称":
                block["provider_raw"] = value
                block["provider"] = nfkc(value)
            else:
                block[AMOUNT_FIELDS[key]] = p.amount(value, key, line)
            block_pos += 1
            if block_pos == len(BLOCK_KEYS):
                blocks.append(block)
                block, block_pos = None, 0
        elif section is None:
            if key == "作成日":
                p.rows.good()
                try:
                    meta["created"] = parse_date(value)
                except ValueError as exc:
                    p.problem(str(exc), line)
            else:
                p.unknown(f"unexpected row {shown(key)} before the first section", line)
        elif section == "資格情報":
            field = QUALIFICATION_KEYS.get(key)
            if field is None:
                extra.setdefault(section, {})[key] = value
                p.unknown(f"unknown 資格情報 item {shown(key)}", line)
                continue
            p.rows.good()
            if field == "birth":
                try:
                    qualification[field] = parse_date(value)
                except ValueError as exc:
                    p.problem(str(exc), line)
            else:
                qualification[field] = value.strip()
        elif section == "医療費明細一覧の概要":
            if key == "一覧表示の範囲":
                p.rows.good()
                meta["range"] = value.strip()
            else:
                extra.setdefault(section, {})[key] = value
                p.unknown(f"unknown 概要 item {shown(key)}", line)
        elif section in TOTAL_SECTIONS:
            if key not in TOTAL_KEYS:
                extra.setdefault(section, {})[key] = value
                p.unknown(f"unknown item {shown(key)} in {section}", line)
                continue
            p.rows.good()
            entry = totals.setdefault(section, {})
            total_lines.setdefault(section, {})[key] = line
            if key == "期間":
                try:
                    entry["period"] = _parse_period(value)
                except ValueError as exc:
                    p.problem(str(exc), line)
            else:
                entry[AMOUNT_FIELDS[key]] = p.amount(value, key, line)
        elif section == "保険者情報":
            if key in ("保険者の名称", "医療費情報明細の範囲"):
                p.rows.good()
                insurer_info[key] = value.strip()
            else:
                extra.setdefault(section, {})[key] = value
                p.unknown(f"unknown 保険者情報 item {shown(key)}", line)
        else:  # an unknown section: rows kept, already warned
            extra.setdefault(unknown_section, {})[key] = value
            p.rows.bad(line)

    if not seen_header:
        raise MalformedDocument(
            "医療費通知情報 CSV: the 項目名,内容 header row is missing",
            hint="this does not look like the CSV downloaded from マイナポータル",
        )
    if block is not None:
        p.problem(f"the file ends inside a detail block ({block_pos} of 8 rows)", None)

    # block arithmetic
    for b in blocks:
        total, insurer, public, patient = (
            b["total_cost"],
            b["insurer_paid"],
            b["public_paid"],
            b["patient_share"],
        )
        if total is None or insurer is None or public is None or patient is None:
            continue
        if total != insurer + public + patient:
            p.problem(
                f"総額 {total:,} ≠ 保険者 {insurer:,} + 公費 {public:,} + 窓口 {patient:,} "
                f"(block of {b.get('month')}, {b.get('provider_raw')!r})",
                b["lines"].get("医療費の総額(円)", b["row"]),
            )

    main: dict[str, Any] | None = totals.get("医療費の合計") or totals.get("年間の合計")
    if main and main.get("period"):
        first, last = main["period"]
        for b in blocks:
            month = b.get("month")
            if month is not None and not first <= month <= last:
                p.problem(
                    f"診療年月 {month:%Y-%m} lies outside the period {first:%Y-%m}～{last:%Y-%m}",
                    b["row"],
                )
        meta["period"] = (first, last)
    elif blocks:
        months = [b["month"] for b in blocks if b.get("month") is not None]
        if months:
            meta["period"] = (min(months), max(months))
    # totals = sums of the blocks inside each totals section's period; period covers each block
    for name in TOTAL_SECTIONS:
        tentry = totals.get(name)
        if tentry is None:
            continue
        period = tentry.get("period")
        t_total = t_insurer = t_public = t_patient = 0
        for b in blocks:
            month = b["month"]
            if period is not None and (month is None or not period[0] <= month <= period[1]):
                continue
            t_total += b["total_cost"] or 0
            t_insurer += b["insurer_paid"] or 0
            t_public += b["public_paid"] or 0
            t_patient += b["patient_share"] or 0
        sums = {
            "total_cost": t_total,
            "insurer_paid": t_insurer,
            "public_paid": t_public,
            "patient_share": t_patient,
        }
        for f_key, f_name in AMOUNT_FIELDS.items():
            stated = tentry.get(f_name)
            if stated is None:
                continue
            summed = sums[f_name]
            if stated != summed:
                p.problem(
                    f"{name} {f_key} is {stated:,} but the detail blocks add up to {summed:,}",
                    total_lines.get(name, {}).get(f_key),
                )
    if "医療費の合計" not in totals:
        p.problem("the 医療費の合計 section is missing", None)

    person = qualification.get("person")
    insurer = insurer_info.get("保険者の名称")
    meta.update(qualification)
    meta["insurer"] = insurer
    if "医療費情報明細の範囲" in insurer_info:
        meta["detail_range"] = insurer_info["医療費情報明細の範囲"]
    meta["totals"] = totals
    if extra:
        meta["extra"] = extra
    meta["blocks"] = len(blocks)

    records = [
        MedicalExpense(
            person=person,
            month=b["month"],
            category=b["category"],
            provider=b["provider"],
            provider_raw=b["provider_raw"],
            days=b["days"],
            total_cost=b["total_cost"],
            insurer_paid=b["insurer_paid"],
            public_paid=b["public_paid"],
            patient_share=b["patient_share"],
            insurer=insurer,
            row=b["row"],
        )
        for b in blocks
        if b["month"] is not None
    ]
    return ParseResult(records, p.warnings.done(), meta)
