"""The exact-layout path of the 医療費通知情報 parser gives what the row-by-row parser gives.

``parse`` first tries one regular expression for a file in the portal's exact layout and runs every
check on it; anything unusual, and any file with a problem to report, goes to the row-by-row state
machine. These tests hold the two paths to the same result (records with their line numbers,
meta with its key order, no warnings) and check that problems always reach the row-by-row path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from mynalib.errors import MalformedDocument, SourceError
from mynalib.sources import iryohi_csv
from mynalib.sources.text import decode

from .test_iryohi_csv import B1, B2, B3, make_csv
from .test_properties import SETTINGS, mutated

ROOT = Path(__file__).resolve().parent.parent.parent
FILES = sorted((ROOT / "sample_data" / "iryohi").rglob("*.csv")) + sorted(
    (ROOT / "tests" / "golden" / "iryohi_csv").glob("*.csv")
)


def _both(data: bytes):
    text, encoding = decode(data)
    return iryohi_csv._parse_exact(text, encoding), text, encoding


def _assert_same(exact, text, encoding):
    careful = iryohi_csv._parse_rows(text, encoding, True)  # strict: no problem to report
    assert careful.warnings == []
    assert exact.warnings == []
    assert exact.records == careful.records
    assert [r.row for r in exact.records] == [r.row for r in careful.records]
    assert exact.meta == careful.meta
    assert list(exact.meta) == list(careful.meta)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_and_golden_files_take_the_exact_path_with_the_same_result(path):
    exact, text, encoding = _both(path.read_bytes())
    assert exact is not None, "a file in the portal's layout should take the exact path"
    _assert_same(exact, text, encoding)


def test_at_least_the_sample_household_is_covered():
    assert len(FILES) >= 20


@pytest.mark.parametrize(
    "data",
    [
        make_csv([B1, B2, B3]),
        make_csv([B1, B2, B3]).replace(b"\r\n", b"\n"),
        make_csv([]),
        make_csv([B1, ("2025年5月", "医科外来", "", "見本内科", 1000, 700, 0, 300)]),
        # 年間の合計 over a shorter period than 医療費の合計: only its months are summed
        make_csv([B1, B3], period=("2025年3月", "2025年4月")),
    ],
    ids=["crlf", "lf", "no-blocks", "empty-days", "short-period"],
)
def test_generated_files_same_result(data):
    exact, text, encoding = _both(data)
    assert exact is not None
    _assert_same(exact, text, encoding)


@pytest.mark.parametrize(
    "data, line",
    [
        (
            make_csv([B1, ("2025年4月", "調剤", 1, "見本薬局", 1230, 861, 0, 368)]),
            43,
        ),  # the 総額 row of block 2
        (make_csv([B1, B3], totals=[7180, 5026, 0, 2155]), 23),  # 窓口相当
        (make_csv([B1, B3], annual=[7180, 5026, 0, 2155]), 29),
        (make_csv([B1, ("2026年1月", "調剤", 1, "見本薬局", 1230, 861, 0, 369)]), 39),
        (make_csv([("2025年13月", "調剤", 1, "見本薬局", 1230, 861, 0, 369)]), 31),
    ],
    ids=["block-arithmetic", "totals", "annual-totals", "outside-period", "bad-month"],
)
def test_problems_go_to_the_row_by_row_parser_and_name_the_line(data, line):
    exact, _, _ = _both(data)
    assert exact is None
    with pytest.raises(MalformedDocument) as info:
        iryohi_csv.parse(data, strict=True)
    assert info.value.line == line
    lenient = iryohi_csv.parse(data)
    assert any(w.startswith(f"line {line}:") for w in lenient.warnings)


@SETTINGS
@given(mutated("iryohi_csv"))
def test_mutated_files_exact_path_only_when_equal(data):
    try:
        exact, text, encoding = _both(data)
    except SourceError:
        return
    if exact is None:
        return
    _assert_same(exact, text, encoding)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_detect_shortcut_agrees_with_the_row_check(path):
    data = path.read_bytes()
    assert iryohi_csv.detect(data) is iryohi_csv._detect_rows(data) is True


@SETTINGS
@given(mutated("iryohi_csv"))
def test_detect_shortcut_agrees_on_mutated_files(data):
    assert iryohi_csv.detect(data) == iryohi_csv._detect_rows(data)


def _insert(data: bytes, before: str, junk: str, occurrence: int = 0) -> bytes:
    text = data.decode()
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(before, at + 1)
    return (text[:at] + junk + text[at:]).encode()


@pytest.mark.parametrize("junk", ["xyz", "\r", "\r\n", "\n", "a,b\r\n", "診療年月\r\n"])
@pytest.mark.parametrize(
    "before, occurrence",
    [("診療年月", 0), ("診療年月", 1), ("診療年月", 2), ("保険者情報", 0)],
    ids=["first-block", "second-block", "third-block", "insurer-section"],
)
def test_anything_around_the_blocks_leaves_the_exact_path(junk, before, occurrence):
    """The blocks are found by one findall between the head and the 保険者情報 section; text
    it would skip (in front of a block, between two, before the section) must not be skipped
    silently: such a file goes to the row-by-row parser."""
    data = _insert(make_csv([B1, B2, B3]), before, junk, occurrence)
    exact, _, _ = _both(data)
    assert exact is None
    iryohi_csv.parse(data)  # the row-by-row parser reads it (with warnings or an error)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_exact_path_columns_are_the_records_columns(path):
    exact, _, _ = _both(path.read_bytes())
    assert exact is not None and exact.columns is not None
    records = exact.records
    assert exact.columns["month"] == tuple(
        (r.month.year - 1970) * 12 + r.month.month - 1 for r in records
    )
    for name in ("category", "provider", "provider_raw", "days", "total_cost", "insurer"):
        assert exact.columns[name] == tuple(getattr(r, name) for r in records), name
    for name in ("insurer_paid", "public_paid", "patient_share"):
        assert exact.columns[name] == tuple(getattr(r, name) for r in records), name


@pytest.mark.parametrize(
    "digits, expected",
    [
        ("12340|830|0|5", [12340, 830, 0, 5]),
        ("7", [7]),
        ("0123|5", [123, 5]),  # a leading zero is not JSON: int() reads it
        ("12345678901234567890123|1", [12345678901234567890123, 1]),  # beyond 64 bits
        ("9223372036854775807|0", [9223372036854775807, 0]),
    ],
)
def test_amounts_are_read_as_exact_integers(digits, expected):
    values = iryohi_csv._integers(digits)
    assert values == expected
    assert all(type(v) is int for v in values)
