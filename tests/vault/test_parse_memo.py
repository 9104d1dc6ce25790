"""The parse memo shared by the vault's import and the frame builders (mynalib.sources.memo)."""

from __future__ import annotations

import pytest

from mynalib.errors import MalformedDocument
from mynalib.sources import iryohi_csv, memo
from mynalib.vault import Vault

from .iryohi import block
from .iryohi import iryohi_csv as make_csv


@pytest.fixture(autouse=True)
def _fresh() -> None:
    memo.clear()


def _m():
    return iryohi_csv.parse.memo  # type: ignore[attr-defined]


def test_same_bytes_parsed_once_results_independent() -> None:
    data = make_csv()
    hits = _m().hits
    a = iryohi_csv.parse(data)
    b = iryohi_csv.parse(data)
    assert _m().hits == hits + 1
    assert a.records == b.records and a.meta == b.meta
    a.records.clear()
    a.meta["person"] = "changed"
    c = iryohi_csv.parse(data)
    assert len(c.records) == 2 and c.meta["person"] == "試験　一郎"


def test_strict_is_part_of_the_key_and_errors_are_not_memoised() -> None:
    bad = make_csv().replace(b'"5,950"', b'"5,951"', 1)
    lenient = iryohi_csv.parse(bad)
    assert lenient.warnings
    for _ in range(2):
        with pytest.raises(MalformedDocument):
            iryohi_csv.parse(bad, strict=True)


def test_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_m(), "max_bytes", 3000)
    docs = [make_csv(blocks=[block(1, 1000 + i)]) for i in range(5)]
    for d in docs:
        iryohi_csv.parse(d)
    assert _m().size <= 3000 and len(_m().entries) >= 1
    assert iryohi_csv.parse(docs[-1]).records  # the newest is still there
    hits = _m().hits
    iryohi_csv.parse(docs[0])  # evicted: parsed again
    assert _m().hits == hits


def test_frame_after_import_reuses_the_parse(vault: Vault) -> None:
    for y in (2023, 2024, 2025):
        vault.import_bytes(make_csv(year=y), name=f"{y}.csv")
    misses = _m().misses
    df = vault.frame("medical_expenses")
    assert len(df) == 6
    assert _m().misses == misses  # no file was parsed a second time


def test_memo_false_neither_looks_up_nor_keeps() -> None:
    from mynalib import sources

    data = make_csv()
    before = (_m().hits, _m().misses, _m().size)
    a = sources.parse("iryohi_csv", data, memo=False)
    b = sources.parse("iryohi_csv", data, memo=False)
    assert a.records == b.records and a.records
    assert (_m().hits, _m().misses, _m().size) == before
    sources.parse("iryohi_csv", data)  # the default still goes through the memo
    assert _m().misses == before[1] + 1 and _m().size == len(data)


def test_a_bulk_import_keeps_nothing_in_the_memo(
    vault: Vault, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.vault import importer

    files = tmp_path / "files"
    files.mkdir()
    for i in range(4):
        (files / f"{i}.csv").write_bytes(make_csv(name=f"試験　{i}"))
    monkeypatch.setattr(importer, "GC_PAUSE_FROM", 3)  # 4 files: a bulk import
    misses = _m().misses
    reports = vault.import_files([files], workers=1)
    assert [r.rows for r in reports] == [2, 2, 2, 2]
    assert _m().size == 0 and _m().misses == misses
    monkeypatch.setattr(importer, "GC_PAUSE_FROM", 500)  # a small import keeps its parses
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "s.csv").write_bytes(make_csv(name="試験　小"))
    vault.import_files([tmp_path / "small"], workers=1)
    assert _m().size > 0
