"""Frame extracts: the columns an import keeps per document so frames need no re-parse.

The frame built from extracts must equal the frame built from the documents (newest re-export
wins per person and month, person and year filters, files with problems, several people), fall
back to the documents whenever a document has no extract, and be as tamper-evident as the rest.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas.testing as pdt
import pytest

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import VaultCorrupt
from mynalib.vault import Vault, crypto, open_vault
from mynalib.vault.codec import EXTRACT_CODEC, decode_extract
from mynalib.vault.reader import frame_from_extracts

from .conftest import PASSPHRASE
from .iryohi import block, iryohi_csv

ROOT = Path(__file__).resolve().parent.parent.parent
T0 = datetime(2026, 2, 1, tzinfo=timezone.utc)


def _from_documents(vault: Vault, person: str | None = None, year: int | None = None):
    kinds = frames.kinds_for("medical_expenses")
    docs = vault.documents(kinds, person, _include_unknown_person=True)
    return frames.build("medical_expenses", docs, person=person, year=year)


def _extract_rows(vault: Vault) -> int:
    return int(vault.conn.execute("SELECT COUNT(*) FROM extracts").fetchone()[0])


def _fill(vault: Vault) -> None:
    # two people; a changed re-export of 2025 for one of them (newer fetched_at wins); a file
    # whose 年間の合計 does not add up (kept with a warning in lenient mode)
    for i, name in enumerate(("試験　一郎", "試験　花子")):
        for year in (2023, 2024, 2025):
            vault.import_bytes(
                iryohi_csv(name=name, year=year), name=f"{i}{year}.csv", fetched_at=T0
            )
    newer = iryohi_csv(name="試験　一郎", year=2025, blocks=[block(1, 4000), block(5, 1200)])
    vault.import_bytes(newer, name="re.csv", fetched_at=T0 + timedelta(days=30))
    older = iryohi_csv(name="試験　花子", year=2025, blocks=[block(7, 9990)], created_day=2)
    vault.import_bytes(older, name="old.csv", fetched_at=T0 - timedelta(days=30))
    bad = iryohi_csv(name="試験　三郎", year=2025).replace(b'"5,950"', b'"5,951"', 1)
    assert vault.import_bytes(bad, name="bad.csv", fetched_at=T0).warnings
    # an amount that is not a number (kept as <NA> with a warning) and an empty 日数
    odd = iryohi_csv(name="試験　五郎", year=2025).replace(b'"5,950"', b"abc")
    odd = odd.replace("日数,1".encode(), "日数,".encode(), 1)
    assert vault.import_bytes(odd, name="odd.csv", fetched_at=T0).warnings


def test_frame_from_extracts_equals_frame_from_documents(vault: Vault) -> None:
    _fill(vault)
    assert _extract_rows(vault) == vault.count()
    assert frame_from_extracts(vault, "medical_expenses", None) is not None
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))
    df = vault.frame("medical_expenses", person="試験　五郎")
    assert df["total_cost"].isna().sum() == 1 and df["days"].isna().sum() == 1
    for person in ("試験　一郎", "試験　花子", "試験　三郎", "試験　五郎", "誰でもない"):
        pdt.assert_frame_equal(
            vault.frame("medical_expenses", person=person), _from_documents(vault, person)
        )
    pdt.assert_frame_equal(
        vault.frame("medical_expenses", year=2024), _from_documents(vault, year=2024)
    )
    df = vault.frame("medical_expenses", person="試験　一郎", year=2025)
    assert list(df["total_cost"]) == [4000, 1200]  # the newer re-export replaced 2025


def test_sample_household_same_frame(vault: Vault) -> None:
    reports = vault.import_files([ROOT / "sample_data" / "iryohi"])
    assert reports and all(r.ok for r in reports)
    assert frame_from_extracts(vault, "medical_expenses", None) is not None
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))


def test_a_document_without_extract_means_the_documents_are_read(vault: Vault) -> None:
    _fill(vault)
    expected = _from_documents(vault)
    # put() stores the bytes without parsing them: no extract
    vault.put(Document(iryohi_csv(name="試験　四郎"), "iryohi_csv", person="試験　四郎"))
    assert frame_from_extracts(vault, "medical_expenses", None) is None
    df = vault.frame("medical_expenses")
    pdt.assert_frame_equal(df, _from_documents(vault))
    assert len(df) == len(expected) + 2


def test_other_kinds_of_the_frame_mean_the_documents_are_read(vault: Vault) -> None:
    vault.import_bytes(iryohi_csv(), name="a.csv")
    vault.put(Document(b"{}", "portal_medical", person="試験　一郎"))
    assert frame_from_extracts(vault, "medical_expenses", None) is None


def test_duplicate_import_keeps_one_extract(vault: Vault) -> None:
    data = iryohi_csv()
    first = vault.import_bytes(data, name="a.csv")
    second = vault.import_bytes(data, name="b.csv")
    assert first.new and not second.new and second.id == first.id
    assert _extract_rows(vault) == 1


def test_delete_removes_the_extract(vault: Vault) -> None:
    r = vault.import_bytes(iryohi_csv(), name="a.csv")
    assert _extract_rows(vault) == 1
    assert vault.delete(r.id)
    assert _extract_rows(vault) == 0
    assert len(vault.frame("medical_expenses")) == 0


def test_extract_moved_to_another_document_is_detected(vault: Vault) -> None:
    a = vault.import_bytes(iryohi_csv(name="試験　一郎"), name="a.csv")
    b = vault.import_bytes(iryohi_csv(name="試験　花子"), name="b.csv")
    conn = vault.conn
    body_a = conn.execute("SELECT body FROM extracts WHERE doc_id = ?", (a.id,)).fetchone()[0]
    conn.execute("UPDATE extracts SET body = ? WHERE doc_id = ?", (body_a, b.id))
    with pytest.raises(VaultCorrupt):
        frame_from_extracts(vault, "medical_expenses", None)


def test_unreadable_extract_encoding_falls_back(vault: Vault) -> None:
    vault.import_bytes(iryohi_csv(), name="a.csv")
    (doc_id,) = vault.conn.execute("SELECT doc_id FROM extracts").fetchone()
    aad = crypto.aad("extracts", doc_id, "medical_expenses")
    sealed = vault._keys.documents.seal(b"?future encoding", aad)
    vault.conn.execute("UPDATE extracts SET body = ?", (sealed,))
    assert frame_from_extracts(vault, "medical_expenses", None) is None
    assert len(vault.frame("medical_expenses")) == 2


def test_vault_without_the_table_gets_it(vault_dir: Path) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        v.import_bytes(iryohi_csv(), name="a.csv")
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    conn.execute("DROP TABLE extracts")  # as a vault written before extracts existed
    conn.commit()
    conn.close()
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert frame_from_extracts(v, "medical_expenses", None) is None  # no extract: documents
        assert len(v.frame("medical_expenses")) == 2
        v.import_bytes(iryohi_csv(year=2024), name="b.csv")
        assert _extract_rows(v) == 1


def _layout_1(ex: dict) -> dict:
    """An extract as mynalib wrote it before number columns were packed (layout 1)."""
    import numpy as np

    old = {k: v for k, v in ex.items() if k not in ("v", "n", "width", "na")}
    dtype = "<i4" if ex["width"] == 4 else "<i8"
    for name in ("month", "days", "total_cost", "insurer_paid", "public_paid", "patient_share"):
        values: list = np.frombuffer(ex[name], dtype=dtype).tolist()
        for i, missing in enumerate(ex["na"].get(name, b"")):
            if missing:
                values[i] = None
        old[name] = values if name == "month" else tuple(values)
    if all(d is not None and 0 <= d < 256 for d in old["days"]):
        old["days"] = bytes(old["days"])  # layout 1 kept small 日数 as bytes
    return old


def test_extracts_of_the_previous_layout_are_still_read(vault: Vault) -> None:
    """A vault written before number columns were packed: its extracts (number columns as
    lists, gaps as None) give the same frame, also mixed with extracts written today."""
    import marshal

    _fill(vault)
    expected = vault.frame("medical_expenses")
    rows = vault.conn.execute("SELECT doc_id, body FROM extracts ORDER BY doc_id").fetchall()
    for doc_id, body in rows[::2]:  # every other document: layout 1
        ex = decode_extract(vault._open_extract(doc_id, "medical_expenses", body))
        assert ex is not None and ex["v"] == 2
        raw = EXTRACT_CODEC + marshal.dumps(_layout_1(ex), 4)
        sealed = vault._keys.documents.seal(raw, crypto.aad("extracts", doc_id, "medical_expenses"))
        vault.conn.execute("UPDATE extracts SET body = ? WHERE doc_id = ?", (sealed, doc_id))
    vault._reader.clear()
    assert frame_from_extracts(vault, "medical_expenses", None) is not None
    pdt.assert_frame_equal(vault.frame("medical_expenses"), expected)
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))


def test_amounts_beyond_32_bits_and_gaps_in_replaced_months(vault: Vault) -> None:
    """An amount beyond 2**31 yen is packed 8 bytes wide (next to 4-byte documents); a newer
    re-export that replaces some months of a file with gaps keeps the right rows and gaps."""
    huge = 3_000_000_000
    vault.import_bytes(
        iryohi_csv(name="試験　一郎", year=2024, blocks=[block(2, huge), block(4, 1000)]),
        name="huge.csv",
        fetched_at=T0,
    )
    odd = iryohi_csv(name="試験　花子", year=2025, blocks=[block(1, 2000), block(6, 3000)])
    odd = odd.replace("日数,1".encode(), "日数,".encode(), 1)  # a gap in block 1 (allowed)
    assert vault.import_bytes(odd, name="odd.csv", fetched_at=T0).ok
    newer = iryohi_csv(name="試験　花子", year=2025, blocks=[block(6, 3300)])
    vault.import_bytes(newer, name="newer.csv", fetched_at=T0 + timedelta(days=1))
    vault.import_bytes(iryohi_csv(name="試験　三郎"), name="plain.csv", fetched_at=T0)
    widths = {
        ex["width"]
        for doc_id, body in vault.conn.execute("SELECT doc_id, body FROM extracts")
        if (ex := decode_extract(vault._open_extract(doc_id, "medical_expenses", body))) is not None
    }
    assert widths == {4, 8}
    df = vault.frame("medical_expenses")
    pdt.assert_frame_equal(df, _from_documents(vault))
    one = df[df["person"] == "試験　一郎"]
    assert list(one["total_cost"]) == [huge, 1000]
    hanako = df[df["person"] == "試験　花子"].sort_values("month")
    # the newer file covers June only (its period): January stays from the older file
    assert list(hanako["total_cost"]) == [2000, 3300]
    assert hanako["days"].isna().tolist() == [True, False]


def test_a_document_with_more_than_256_names(vault: Vault) -> None:
    """Text indexes are packed one byte each up to 256 names in a document, four beyond."""
    many = [block(1 + i % 12, 1000 + i, provider=f"テスト診療所{i:03d}") for i in range(300)]
    vault.import_bytes(iryohi_csv(name="試験　一郎", blocks=many), name="many.csv", fetched_at=T0)
    vault.import_bytes(iryohi_csv(name="試験　花子"), name="few.csv", fetched_at=T0)
    tws = sorted(
        ex["tw"]
        for doc_id, body in vault.conn.execute("SELECT doc_id, body FROM extracts")
        if (ex := decode_extract(vault._open_extract(doc_id, "medical_expenses", body))) is not None
    )
    assert tws == [1, 4]
    df = vault.frame("medical_expenses")
    pdt.assert_frame_equal(df, _from_documents(vault))
    ichiro = df[df["person"] == "試験　一郎"]
    assert len(ichiro) == 300 and ichiro["provider"].nunique() == 300
    assert sorted(ichiro["total_cost"]) == [1000 + i for i in range(300)]


# ------------------------------------------------------------------------------ extract packs
def _bulk(vault: Vault, tmp_path: Path, people: int = 3, years: int = 4) -> list:
    folder = tmp_path / "bulk"
    folder.mkdir()
    for p in range(people):
        for y in range(years):
            data = iryohi_csv(
                name=f"試験　{p}郎", year=2020 + y, blocks=[block(1 + y, 1000 + p), block(9, 300)]
            )
            (folder / f"{p}_{2020 + y}.csv").write_bytes(data)
    return vault.import_files([folder], workers=1)


def _packs(vault: Vault) -> list[tuple[int, bytes]]:
    return vault.conn.execute("SELECT id, members FROM extract_packs ORDER BY id").fetchall()


def test_a_bulk_import_keeps_its_extracts_in_packs(vault: Vault, tmp_path: Path) -> None:
    from mynalib.vault.store import PACK_FROM, _unpacked_ids

    reports = _bulk(vault, tmp_path)
    assert len(reports) == 12 >= PACK_FROM and all(r.new for r in reports)
    assert _extract_rows(vault) == 0  # no row per document ...
    ((_, members),) = _packs(vault)  # ... one pack for the batch
    assert _unpacked_ids(members) == [r.id for r in reports]
    assert frame_from_extracts(vault, "medical_expenses", None) is not None
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))
    for person in ("試験　0郎", "試験　2郎", "誰でもない"):
        pdt.assert_frame_equal(
            vault.frame("medical_expenses", person=person), _from_documents(vault, person)
        )
    # a later small import keeps rows of its own; the frame reads both
    vault.import_bytes(iryohi_csv(name="試験　0郎", year=2025), name="one.csv")
    assert _extract_rows(vault) == 1 and len(_packs(vault)) == 1
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))


def test_deleting_a_document_rewrites_its_pack(vault: Vault, tmp_path: Path) -> None:
    from mynalib.vault.store import _unpacked_ids

    reports = _bulk(vault, tmp_path)
    ((_, before),) = _packs(vault)
    gone = reports[3].id
    assert vault.delete(gone)
    ((_, after),) = _packs(vault)
    assert _unpacked_ids(after) == [i for i in _unpacked_ids(before) if i != gone]
    assert frame_from_extracts(vault, "medical_expenses", None) is not None
    df = vault.frame("medical_expenses")
    assert gone not in set(df["source_id"])
    pdt.assert_frame_equal(df, _from_documents(vault))
    for r in reports:
        if r.id != gone:
            vault.delete(r.id)
    assert _packs(vault) == []  # the last member gone: the pack goes too
    assert len(vault.frame("medical_expenses")) == 0


def test_a_tampered_pack_is_detected(vault: Vault, tmp_path: Path) -> None:
    from mynalib.vault.store import _packed_ids, _unpacked_ids

    _bulk(vault, tmp_path)
    ((pack_id, members),) = _packs(vault)
    ids = _unpacked_ids(members)
    swapped = _packed_ids([ids[1], ids[0], *ids[2:]])  # rows claimed for the wrong documents
    vault.conn.execute("UPDATE extract_packs SET members = ? WHERE id = ?", (swapped, pack_id))
    with pytest.raises(VaultCorrupt):
        frame_from_extracts(vault, "medical_expenses", None)


def test_documents_missing_from_every_pack_are_read(vault: Vault, tmp_path: Path) -> None:
    _bulk(vault, tmp_path)
    expected = _from_documents(vault)
    vault.conn.execute("DELETE FROM extract_packs")  # e.g. a pack this mynalib cannot read
    assert frame_from_extracts(vault, "medical_expenses", None) is None
    vault._reader.clear()
    pdt.assert_frame_equal(vault.frame("medical_expenses"), expected)


def test_a_pack_of_an_unknown_encoding_means_the_documents_are_read(
    vault: Vault, tmp_path: Path
) -> None:
    _bulk(vault, tmp_path)
    ((pack_id, members),) = _packs(vault)
    tag = vault._keys.tag("frame", "medical_expenses")
    sealed = vault._keys.documents.seal(
        b"?future pack encoding", crypto.aad("extract_packs", tag, members)
    )
    vault.conn.execute("UPDATE extract_packs SET body = ? WHERE id = ?", (sealed, pack_id))
    assert frame_from_extracts(vault, "medical_expenses", None) is None
    vault._reader.clear()
    pdt.assert_frame_equal(vault.frame("medical_expenses"), _from_documents(vault))


def test_a_frame_reads_one_state_while_another_process_deletes(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frame's reads (documents, then the packs, then their bodies) see one state of the
    vault: a document deleted meanwhile through another connection (its pack rewritten) does
    not break the frame being built; the next frame no longer has it."""
    reports = _bulk(vault, tmp_path)
    expected = vault.frame("medical_expenses")
    vault._reader.clear()
    other = open_vault(vault.path, passphrase=PASSPHRASE)
    real = Vault._extracts_from_packs
    gone = reports[0].id

    def meanwhile(self: Vault, name: str, wanted: set[int]):
        if self is vault and other.count() == len(reports):
            other.delete(gone)  # commits while this read is under way
        return real(self, name, wanted)

    monkeypatch.setattr(Vault, "_extracts_from_packs", meanwhile)
    try:
        pdt.assert_frame_equal(frame_from_extracts(vault, "medical_expenses", None), expected)
        assert other.count() == len(reports) - 1
        later = vault.frame("medical_expenses")
        assert gone not in set(later["source_id"]) and len(later) < len(expected)
    finally:
        other.close()
