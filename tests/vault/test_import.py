"""Importing files into the vault and reading frames back (with the real importers)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mynalib.errors import DocumentTooLarge, UnknownDocument
from mynalib.vault import Vault, open_vault

from .conftest import PASSPHRASE
from .iryohi import block, iryohi_csv

NAME = "試験　一郎"
XML_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<lolz>&lol2;</lolz>"
)


def _write(folder: Path, name: str, data: bytes, mtime: float | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    if mtime is not None:
        os.utime(p, (mtime, mtime))
    return p


def test_import_file_report_and_duplicate(vault: Vault, tmp_path: Path) -> None:
    p = _write(tmp_path, "医療費情報_20260201000000000.csv", iryohi_csv())
    r = vault.import_file(p)
    assert r.ok and r.new and not r.duplicate
    assert (r.kind, r.person, r.period, r.rows) == ("iryohi_csv", NAME, "2025-01..2025-03", 2)
    assert r.signature is None and r.name == p.name
    again = vault.import_file(p)
    assert again.duplicate and again.id == r.id
    (doc,) = vault.documents("iryohi_csv")
    assert doc.data == p.read_bytes() and doc.original_name == p.name and doc.person == NAME
    assert doc.fetched_at == datetime.fromtimestamp(p.stat().st_mtime, timezone.utc)
    assert "period" in doc.meta and "person" not in doc.meta
    assert NAME not in repr(r)


def test_frame_from_imported_csv(vault: Vault) -> None:
    blocks = [block(1, 5950), block(1, 5950), block(2, 12000, "テスト薬局", "調剤")]
    vault.import_bytes(iryohi_csv(blocks=blocks), name="a.csv")
    df = vault.frame("medical_expenses")
    assert len(df) == 3  # two claims of the same month and provider stay apart
    assert int(df["total_cost"].sum()) == 5950 * 2 + 12000
    assert str(df["total_cost"].dtype) == "Int64"
    assert set(df["source_id"]) == {vault.documents()[0].id}
    assert len(vault.frame("medical_expenses", year=2024)) == 0
    assert len(vault.frame("medical_expenses", year=2025, person=NAME)) == 3
    assert len(vault.frame("medical_expenses", person="別人　二郎")) == 0


def test_changed_reexport_keeps_both_frame_uses_newest(vault: Vault, tmp_path: Path) -> None:
    old = _write(tmp_path / "old", "x.csv", iryohi_csv(created_day=1), mtime=1_700_000_000)
    new_blocks = [block(1, 5950), block(3, 830, "テスト薬局", "調剤"), block(3, 2000)]
    new = _write(
        tmp_path / "new",
        "x.csv",
        iryohi_csv(blocks=new_blocks, created_day=20),
        mtime=1_800_000_000,
    )
    r_new, r_old = vault.import_files([new, old])  # import order must not matter
    assert r_new.new and r_old.new and r_old.id != r_new.id
    assert vault.count() == 2
    df = vault.frame("medical_expenses")
    assert set(df["source_id"]) == {r_new.id}
    assert len(df) == 3


def test_bad_files_reported_others_imported(vault: Vault, tmp_path: Path) -> None:
    good = _write(tmp_path, "good.csv", iryohi_csv())
    unknown = _write(tmp_path, "notes.txt", "ただのメモです".encode())
    bomb = _write(tmp_path, "bomb.xml", XML_BOMB)
    empty = _write(tmp_path, "empty.csv", b"")
    calls: list[tuple[int, int, str | None]] = []
    reports = vault.import_files(
        [unknown, good, bomb, empty], progress=lambda d, t, r: calls.append((d, t, r.name))
    )
    by_name = {r.name: r for r in reports}
    assert by_name["good.csv"].ok and by_name["good.csv"].new
    for name in ("notes.txt", "bomb.xml", "empty.csv"):
        assert not by_name[name].ok and by_name[name].error
    assert by_name["notes.txt"].error_type == "UnknownDocument"
    assert "iryohi_csv" in by_name["notes.txt"].error  # lists what is supported
    assert calls == [
        (1, 4, "notes.txt"),
        (2, 4, "good.csv"),
        (3, 4, "bomb.xml"),
        (4, 4, "empty.csv"),
    ]
    assert vault.count() == 1
    with pytest.raises(UnknownDocument):
        vault.import_bytes(b"nothing known", name="x.bin")


def test_lenient_warnings_kept(vault: Vault) -> None:
    data = iryohi_csv().replace(b'"5,950"', b'"5,951"', 1)  # block arithmetic broken
    r = vault.import_bytes(data, name="w.csv")
    assert r.ok and r.warnings and any("5,951" in w for w in r.warnings)
    assert vault.documents()[0].meta["warnings"] == r.warnings


def test_too_large_refused_before_reading(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.vault import importer

    monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 100)
    p = _write(tmp_path, "big.csv", iryohi_csv())
    (r,) = vault.import_files([p])
    assert r.error_type == "DocumentTooLarge"
    with pytest.raises(DocumentTooLarge):
        vault.import_file(p)


def test_directories_are_walked_hidden_skipped(vault: Vault, tmp_path: Path) -> None:
    _write(tmp_path / "in" / "2025", "a.csv", iryohi_csv(year=2025))
    _write(tmp_path / "in" / "2024", "b.csv", iryohi_csv(year=2024))
    _write(tmp_path / "in" / ".cache", "c.csv", iryohi_csv(year=2023))
    reports = vault.import_files([tmp_path / "in"])
    assert sorted(r.name for r in reports) == ["a.csv", "b.csv"]


def test_person_option_names_files_without_a_name_only(vault: Vault) -> None:
    r = vault.import_bytes(iryohi_csv(), name="a.csv", person="別名　一郎")
    assert r.person == NAME  # the name as on the source
    assert any("別名　一郎" in w and NAME in w for w in r.warnings)
    doc = vault.documents(person=NAME)[0]
    assert doc.person == NAME and doc.meta["person_alias"] == "別名　一郎"
    assert vault.documents(person="別名　一郎") == [doc]  # the given name is an alias
    assert len(vault.frame("medical_expenses", person=NAME)) == 2


def test_person_option_for_a_file_without_a_name(vault: Vault) -> None:
    from mynalib.document import Document

    r = vault.put(Document(data=b"{}", kind="portal_unnamed", person="見本　花子"))
    assert vault.documents(person="見本　花子")[0].id == r.id


def test_frame_person_filter_reads_only_that_person(vault: Vault) -> None:
    for i in range(5):
        vault.import_bytes(iryohi_csv(name=f"試験　{i}郎"), name=f"{i}.csv")
    decrypted: list[int] = []
    original = vault._open_body
    original_extract = vault._open_extract

    def counting(doc_id: int, kind: str, body: bytes) -> bytes:
        decrypted.append(doc_id)
        return original(doc_id, kind, body)

    def counting_extract(doc_id: int, frame: str, body: bytes) -> bytes:
        decrypted.append(doc_id)
        return original_extract(doc_id, frame, body)

    vault._open_body = counting  # type: ignore[method-assign]
    vault._open_extract = counting_extract  # type: ignore[method-assign]
    df = vault.frame("medical_expenses", person="試験　3郎")
    assert set(df["person"]) == {"試験　3郎"} and len(df) == 2
    assert len(decrypted) == 1  # that person's document (or its stored extract), nothing else


def test_frame_cache_sees_new_documents_from_other_connections(
    vault: Vault, vault_dir: Path
) -> None:
    vault.import_bytes(iryohi_csv(year=2024), name="a.csv")
    assert len(vault.frame("medical_expenses")) == 2
    with open_vault(vault_dir, passphrase=PASSPHRASE) as other:
        other.import_bytes(iryohi_csv(year=2025), name="b.csv")
    assert len(vault.frame("medical_expenses")) == 4
    df = vault.frame("medical_expenses")
    df.loc[0, "provider"] = "changed by the caller"
    assert "changed by the caller" not in set(vault.frame("medical_expenses")["provider"])


def test_frames_with_no_builder_or_unknown_name(vault: Vault) -> None:
    df = vault.frame("applications")
    assert df.empty and "application_id" in df.columns
    with pytest.raises(KeyError):
        vault.frame("no_such_frame")


def test_import_and_frame_audited_without_personal_data(vault: Vault, tmp_path: Path) -> None:
    vault.import_files([_write(tmp_path, "医療費_試験一郎.csv", iryohi_csv())])
    vault.frame("medical_expenses", year=2025, person=NAME)
    log = vault.audit_log()
    assert [e.action for e in log] == ["import", "frame"]
    assert "new=1" in log[0].detail and "kinds=iryohi_csv" in log[0].detail
    assert "year=2025" in log[1].detail and "person=<filtered>" in log[1].detail
    text = " ".join(e.detail + e.command for e in log)
    assert "試験" not in text and "一郎" not in text


def test_gc_paused_only_during_large_imports(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from mynalib.vault import importer

    monkeypatch.setattr(importer, "GC_PAUSE_FROM", 2)
    seen: list[bool] = []
    paths = [_write(tmp_path, f"{y}.csv", iryohi_csv(year=y)) for y in (2023, 2024, 2025)]
    assert gc.isenabled()
    vault.import_files(paths, progress=lambda d, t, r: seen.append(gc.isenabled()))
    assert seen == [False, False, False] and gc.isenabled()
    vault.import_files(paths[:1], progress=lambda d, t, r: seen.append(gc.isenabled()))
    assert seen[-1] is True
    with pytest.raises(ZeroDivisionError):
        vault.import_files(paths, progress=lambda d, t, r: 1 / 0)
    assert gc.isenabled()


def test_frame_from_many_threads(vault: Vault) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for i in range(4):
        vault.import_bytes(iryohi_csv(name=f"試験　{i}郎"), name=f"{i}.csv")
    names = [f"試験　{i % 4}郎" for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        sizes = list(pool.map(lambda p: len(vault.frame("medical_expenses", person=p)), names))
    assert sizes == [2] * 40
    assert len(vault.frame("medical_expenses")) == 8


def test_identical_frame_reads_audited_once_per_window(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.vault import reader

    vault.import_bytes(iryohi_csv(), name="a.csv")
    for _ in range(5):
        vault.frame("medical_expenses", year=2025)
    vault.frame("medical_expenses", year=2024)
    frames = [e.detail for e in vault.audit_log() if e.action == "frame"]
    assert frames == ["medical_expenses year=2025 rows=2", "medical_expenses year=2024 rows=0"]
    monkeypatch.setattr(reader, "FRAME_AUDIT_WINDOW", 0.0)
    vault.frame("medical_expenses", year=2025)
    assert len([e for e in vault.audit_log() if e.action == "frame"]) == 3
