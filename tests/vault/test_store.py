"""The vault store: encryption, binding, dedup, keys, secrets, state, audit, permissions."""

# ruff: noqa: S608  (SQL built from a fixed list of column names)

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mynalib.document import Document
from mynalib.errors import VaultCorrupt, VaultError, VaultLocked
from mynalib.vault import Vault, crypto, open_vault

from .conftest import PASSPHRASE

NAME = "見本　太郎"
CSV = "わたしの情報\r\n医療費通知情報\r\n氏名,見本　太郎\r\n".encode() * 20


def _doc(data: bytes = CSV, kind: str = "iryohi_csv", **kw) -> Document:
    kw.setdefault("person", NAME)
    return Document(data=data, kind=kind, **kw)


def _raw_bytes(vault_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in vault_dir.iterdir() if p.is_file())


# ------------------------------------------------------------------------------- round trip
def test_put_and_read_back_exactly(vault: Vault) -> None:
    fetched = datetime(2026, 2, 23, 10, 0, tzinfo=timezone.utc)
    doc = _doc(
        source="portal",
        fetched_at=fetched,
        original_name="医療費情報_20260223100000000.csv",
        meta={"period": "2025", "signature": "unsigned"},
    )
    result = vault.put(doc)
    assert result.new and result.id >= 1
    (back,) = vault.documents("iryohi_csv")
    assert back.data == doc.data
    assert (back.kind, back.source, back.person) == ("iryohi_csv", "portal", NAME)
    assert back.fetched_at == fetched
    assert back.original_name == doc.original_name
    assert back.meta["period"] == "2025" and back.meta["signature"] == "unsigned"
    assert "imported_at" in back.meta
    assert back.id == result.id
    assert vault.document(result.id).data == doc.data
    with pytest.raises(KeyError):
        vault.document(999)


def test_same_bytes_stored_once_changed_export_kept(vault: Vault) -> None:
    first = vault.put(_doc())
    again = vault.put(_doc(person=None, original_name="copy.csv"))
    assert again == type(first)(first.id, False)
    changed = vault.put(_doc(CSV + b"\r\n"))
    assert changed.new and changed.id != first.id
    assert vault.count() == 2


def test_filters_by_kind_and_person(vault: Vault) -> None:
    vault.put(_doc(b"a"))
    vault.put(_doc(b"b", kind="kojo_xml", person="見本　花子"))
    vault.put(_doc(b"c", kind="kenshin_cda", person=None))
    assert [d.data for d in vault.documents()] == [b"a", b"b", b"c"]
    assert [d.data for d in vault.documents("kojo_xml")] == [b"b"]
    assert [d.data for d in vault.documents(["kojo_xml", "iryohi_csv"])] == [b"a", b"b"]
    assert [d.data for d in vault.documents(person=NAME)] == [b"a"]
    assert vault.documents("kojo_xml", person=NAME) == []
    assert vault.documents([]) == []
    assert [i.kind for i in vault.catalogue()] == ["iryohi_csv", "kojo_xml", "kenshin_cda"]


def test_large_binary_document(vault: Vault) -> None:
    import os

    blob = os.urandom(3 * 1024 * 1024)  # incompressible: stored raw
    vault.put(_doc(blob, kind="portal_blob"))
    assert vault.documents("portal_blob")[0].data == blob


def test_delete(vault: Vault) -> None:
    r = vault.put(_doc())
    assert vault.delete(r.id) and not vault.delete(r.id)
    assert vault.count() == 0
    assert vault.put(_doc()).id != r.id  # ids are never reused


# ------------------------------------------------------------------------- what leaks to disk
def test_file_holds_no_plaintext(vault: Vault, vault_dir: Path) -> None:
    marker = "見本　太郎の秘密の医療費".encode()
    vault.put(_doc(CSV + marker, original_name="医療費情報_secret-name.csv", meta={"m": "meta-x"}))
    vault.set_secret("portal_refresh_token", b"token-value-123")
    vault.set_state("notice_read:N-0001", {"read": True})
    vault.audit("export", "iryohi-form year=2025")
    vault.conn.execute("PRAGMA wal_checkpoint(FULL)")
    raw = _raw_bytes(vault_dir)
    for needle in (
        marker,
        NAME.encode(),
        "医療費通知情報".encode(),
        b"secret-name",
        b"meta-x",
        b"iryohi_csv",
        b"portal_refresh_token",
        b"token-value-123",
        b"notice_read",
        b"iryohi-form",
        PASSPHRASE.encode(),
    ):
        assert needle not in raw, needle


def test_identity_is_keyed(tmp_path: Path) -> None:
    """Equal documents in two vaults have unrelated identities: no cross-vault recognition."""
    import hashlib

    idents = []
    for name in ("a", "b"):
        with open_vault(tmp_path / name, passphrase=PASSPHRASE) as v:
            v.put(_doc())
            idents.append(v.conn.execute("SELECT identity FROM documents").fetchone()[0])
    assert idents[0] != idents[1]
    assert hashlib.sha256(CSV).digest() not in idents


# ------------------------------------------------------------------------- tamper detection
def _swap(vault_dir: Path, column: str, a: int, b: int) -> None:
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    va = conn.execute(f"SELECT {column} FROM documents WHERE id=?", (a,)).fetchone()[0]
    vb = conn.execute(f"SELECT {column} FROM documents WHERE id=?", (b,)).fetchone()[0]
    if column == "identity":  # UNIQUE: go through a placeholder
        conn.execute("UPDATE documents SET identity=x'00' WHERE id=?", (b,))
    conn.execute(f"UPDATE documents SET {column}=? WHERE id=?", (vb, a))
    conn.execute(f"UPDATE documents SET {column}=? WHERE id=?", (va, b))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("column", ["body", "header", "identity", "person_tag"])
def test_swapped_ciphertexts_fail(vault_dir: Path, column: str) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        a = v.put(_doc(b"first document")).id
        b = v.put(_doc(b"second document", person="見本　花子")).id
    _swap(vault_dir, column, a, b)
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v, pytest.raises(VaultCorrupt):
        v.documents()


def test_body_bound_to_kind(vault_dir: Path) -> None:
    """Same row, different kind: moving a row's kind tag and header is detected."""
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        a = v.put(_doc(b"csv doc")).id
        b = v.put(_doc(b"xml doc", kind="kojo_xml")).id
    _swap(vault_dir, "kind_tag", a, b)
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v, pytest.raises(VaultCorrupt):
        v.documents()


def test_flipped_bit_detected(vault_dir: Path) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        v.put(_doc())
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    body = bytearray(conn.execute("SELECT body FROM documents").fetchone()[0])
    body[20] ^= 1
    conn.execute("UPDATE documents SET body=?", (bytes(body),))
    conn.commit()
    conn.close()
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v, pytest.raises(VaultCorrupt) as exc:
        v.documents()
    assert "modified outside mynalib" in str(exc.value)


def test_secret_moved_to_other_name_fails(vault: Vault) -> None:
    vault.set_secret("a", b"value-a")
    vault.set_secret("b", b"value-b")
    rows = dict(vault.conn.execute("SELECT name_tag, value FROM secrets").fetchall())
    ta, tb = crypto.SubKeys.tag(vault._keys, "secret", "a"), vault._keys.tag("secret", "b")
    vault.conn.execute("UPDATE secrets SET value=? WHERE name_tag=?", (rows[tb], ta))
    with pytest.raises(VaultCorrupt):
        vault.get_secret("a")


def test_not_a_vault(vault_dir: Path) -> None:
    vault_dir.mkdir()
    (vault_dir / "vault.sqlite3").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(VaultCorrupt):
        open_vault(vault_dir, passphrase=PASSPHRASE)


# -------------------------------------------------------------------------------------- keys
def test_wrong_passphrase_is_locked_never_garbage(vault_dir: Path) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        v.put(_doc())
    with pytest.raises(VaultLocked) as exc:
        open_vault(vault_dir, passphrase="wrong")
    assert "wrong" not in str(exc.value).replace("Wrong", "")  # the passphrase is not echoed
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.documents()[0].data == CSV


def test_passphrase_from_environment(vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    with open_vault(vault_dir) as v:
        v.put(_doc())
        assert v.protection == "passphrase"
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.count() == 1
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "nope")
    with pytest.raises(VaultLocked):
        open_vault(vault_dir)


def test_default_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYNA_VAULT", str(tmp_path / "envvault"))
    with open_vault(passphrase=PASSPHRASE) as v:
        assert v.path == tmp_path / "envvault" / "vault.sqlite3"


def test_headless_without_passphrase_explains(vault_dir: Path, fail_keyring: None) -> None:
    with pytest.raises(VaultLocked) as exc:
        open_vault(vault_dir)
    assert "MYNA_VAULT_PASSPHRASE" in str(exc.value)
    assert "MYNA_VAULT_PASSPHRASE" in exc.value.ja
    assert not (vault_dir / "vault.sqlite3").exists()  # nothing half-created
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        v.put(_doc())
    with pytest.raises(VaultLocked) as exc:
        open_vault(vault_dir)
    assert "passphrase" in str(exc.value)


def test_keyring_path(vault_dir: Path, memory_keyring) -> None:
    with open_vault(vault_dir) as v:
        assert v.protection == "keyring"
        v.put(_doc())
        vault_id = v.vault_id
    assert ("mynalib-vault", vault_id) in memory_keyring.backend.store
    raw = _raw_bytes(vault_dir)
    assert memory_keyring.backend.store[("mynalib-vault", vault_id)].encode() not in raw
    with open_vault(vault_dir) as v:
        assert v.documents()[0].data == CSV
    # a passphrase can be added for recovery, then the keyring entry is not needed
    with open_vault(vault_dir) as v:
        v.change_passphrase("recovery words")
    memory_keyring.backend.store.clear()
    with pytest.raises(VaultLocked):
        open_vault(vault_dir)
    with open_vault(vault_dir, passphrase="recovery words") as v:
        assert v.count() == 1


def test_keyring_entry_lost(vault_dir: Path, memory_keyring) -> None:
    with open_vault(vault_dir) as v:
        v.put(_doc())
    memory_keyring.backend.store.clear()
    with pytest.raises(VaultLocked) as exc:
        open_vault(vault_dir)
    assert "keyring" in str(exc.value)


def test_create_false(vault_dir: Path) -> None:
    with pytest.raises(VaultError) as exc:
        open_vault(vault_dir, passphrase=PASSPHRASE, create=False)
    assert "myna import" in str(exc.value)
    assert not vault_dir.exists()


def test_default_cost(vault_dir: Path, real_scrypt: None) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.protection == "passphrase"
    import json

    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    wrap = json.loads(
        conn.execute("SELECT value FROM meta WHERE key='wrap.passphrase'").fetchone()[0]
    )
    conn.close()
    assert wrap["kdf"] == "scrypt" and wrap["n"] >= 2**17 and wrap["r"] == 8


# ------------------------------------------------------------------------------- permissions
def test_permissions(tmp_path: Path) -> None:
    vault_dir = tmp_path / "deep" / "vault"
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        v.put(_doc())
        files = [p for p in vault_dir.iterdir() if p.is_file()]
        assert {p.name for p in files} >= {"vault.sqlite3", "vault.sqlite3-wal"}
        for p in files:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(vault_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o700


def test_loose_permissions_are_tightened(vault_dir: Path) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE):
        pass
    vault_dir.chmod(0o755)
    (vault_dir / "vault.sqlite3").chmod(0o644)
    with open_vault(vault_dir, passphrase=PASSPHRASE):
        pass
    assert stat.S_IMODE(vault_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((vault_dir / "vault.sqlite3").stat().st_mode) == 0o600


# ---------------------------------------------------------------------------- secrets, state
def test_secrets(vault: Vault, vault_dir: Path) -> None:
    assert vault.get_secret("portal_refresh_token") is None
    vault.set_secret("portal_refresh_token", b"r1")
    vault.set_secret("portal_refresh_token", b"r2")
    assert vault.get_secret("portal_refresh_token") == b"r2"
    vault.close()
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.get_secret("portal_refresh_token") == b"r2"
        assert v.delete_secret("portal_refresh_token")
        assert v.get_secret("portal_refresh_token") is None
        with pytest.raises(TypeError):
            v.set_secret("x", "not bytes")  # type: ignore[arg-type]


def test_state(vault: Vault) -> None:
    assert vault.get_state("notices.read", default=[]) == []
    vault.set_state("notices.read", ["N-1", "N-2"])
    vault.set_state("prefs", {"year": 2025, "名前": "値"})
    assert vault.get_state("notices.read") == ["N-1", "N-2"]
    assert vault.get_state("prefs") == {"year": 2025, "名前": "値"}
    vault.set_state("prefs", None)
    assert vault.get_state("prefs", 7) == 7


# --------------------------------------------------------------------------------------- audit
def test_audit_records_actions_without_personal_data(vault: Vault) -> None:
    vault.put(_doc())
    vault.set_secret("portal_refresh_token", b"t")
    vault.get_secret("portal_refresh_token")
    vault.audit("export", "iryohi-form year=2025", command="myna export iryohi-form")
    log = vault.audit_log()
    actions = [e.action for e in log]
    assert actions == ["store", "secret-write", "secret-read", "export"]
    assert log[-1].command == "myna export iryohi-form"
    assert log[0].command == "python"
    assert all(e.at.tzinfo is not None for e in log)
    text = repr(log)
    assert NAME not in text and "見本" not in text and "b't'" not in text
    assert [e.action for e in vault.audit_log(limit=2)] == ["secret-read", "export"]


def test_audit_command_from_contextvar(vault: Vault) -> None:
    from mynalib.vault import current_command

    token = current_command.set("myna fetch")
    try:
        vault.audit("fetch", "3 items")
    finally:
        current_command.reset(token)
    assert vault.audit_log()[-1].command == "myna fetch"


def test_audit_chain_detects_removed_entry(vault_dir: Path) -> None:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        for i in range(4):
            v.audit("test", f"entry {i}")
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    conn.execute("DELETE FROM audit WHERE id = 2")
    conn.commit()
    conn.close()
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v, pytest.raises(VaultCorrupt):
        v.audit_log()


# ---------------------------------------------------------------------------------------- wipe
def test_wipe_destroys_files(vault_dir: Path) -> None:
    v = open_vault(vault_dir, passphrase=PASSPHRASE)
    v.put(_doc())
    v.wipe()
    assert v.closed
    assert not vault_dir.exists()
    with pytest.raises(VaultError):
        open_vault(vault_dir, passphrase=PASSPHRASE, create=False)


def test_wipe_removes_keyring_entry(vault_dir: Path, memory_keyring) -> None:
    v = open_vault(vault_dir)
    v.wipe()
    assert memory_keyring.backend.store == {}


def test_status(vault: Vault) -> None:
    vault.put(_doc(b"1"))
    vault.put(_doc(b"2", kind="kojo_xml", person=None))
    vault.set_secret("s", b"x")
    st = vault.status()
    assert st["documents"] == 2
    assert st["by_kind"] == {"iryohi_csv": 1, "kojo_xml": 1}
    assert st["by_person"] == {NAME: 1, "(unknown)": 1}
    assert st["secrets"] == 1 and st["protection"] == "passphrase"


def test_repr_hides_keys(vault: Vault) -> None:
    assert "Cipher" not in repr(vault)
    assert "hidden" in repr(vault._keys)


def test_use_after_close(vault: Vault) -> None:
    vault.close()
    with pytest.raises(VaultError):
        vault.documents()


def test_top_level_open_vault(vault_dir: Path) -> None:
    import mynalib

    assert mynalib.open_vault is open_vault
    with mynalib.open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.count() == 0


# -------------------------------------------------------------------------------- transactions
def test_transaction_rolls_back_and_nested_savepoints(vault: Vault) -> None:
    with pytest.raises(RuntimeError), vault.transaction():
        vault.put(_doc(b"never committed"))
        raise RuntimeError("boom")
    assert vault.count() == 0
    with vault.transaction():
        vault.put(_doc(b"kept"))
        try:
            with vault.transaction():
                vault.put(_doc(b"undone"))
                raise ValueError("inner")
        except ValueError:
            pass
        vault.put(_doc(b"also kept"))
    assert [d.data for d in vault.documents()] == [b"kept", b"also kept"]


def test_concurrent_writers_store_each_document_once(vault_dir: Path) -> None:
    import threading

    with open_vault(vault_dir, passphrase=PASSPHRASE):
        pass
    payloads = [b"shared document %d" % i for i in range(60)]
    errors: list[BaseException] = []

    def worker(order: list[bytes]) -> None:
        try:
            with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
                for data in order:
                    v.put(_doc(data))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(payloads,)),
        threading.Thread(target=worker, args=(payloads[::-1],)),
        threading.Thread(target=worker, args=(payloads[::2],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert sorted(d.data for d in v.documents()) == sorted(payloads)
        v.audit_log()  # the chain survived concurrent writers


# ---------------------------------------------------------------------------------- property
def test_roundtrip_property(tmp_path_factory: pytest.TempPathFactory) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    v = open_vault(tmp_path_factory.mktemp("prop") / "vault", passphrase=PASSPHRASE)
    stored: dict[bytes, int] = {}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.binary(max_size=3000),
        kind=st.sampled_from(["iryohi_csv", "kojo_xml", "portal_notices"]),
        person=st.none() | st.text(max_size=12),
        meta=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=8), max_size=3),
    )
    def check(data: bytes, kind: str, person: str | None, meta: dict) -> None:
        result = v.put(Document(data=data, kind=kind, person=person, meta=meta))
        assert result.new == (data not in stored)
        if result.new:
            stored[data] = result.id
            back = v.document(result.id)
            assert (back.data, back.kind, back.person) == (data, kind, person)
            assert {k: back.meta[k] for k in meta} == meta
        else:
            assert result.id == stored[data]

    try:
        check()
        assert sorted(d.data for d in v.documents()) == sorted(stored)
    finally:
        v.close()


def test_contains(vault: Vault) -> None:
    assert vault.contains(CSV) is None
    r = vault.put(_doc())
    assert vault.contains(CSV) == r.id


def test_sizes_are_padded(vault: Vault) -> None:
    """Stored sizes are bucketed: documents of nearby sizes are indistinguishable in the file."""
    for n in (1, 100, 400):
        vault.put(_doc(b"x" * n))
    sizes = {len(b) for (b,) in vault.conn.execute("SELECT body FROM documents")}
    assert len(sizes) == 1
    headers = {len(h) % 256 for (h,) in vault.conn.execute("SELECT header FROM documents")}
    assert len(headers) == 1
    assert [len(d.data) for d in vault.documents()] == [1, 100, 400]


def test_padding_buckets() -> None:
    from mynalib.vault.codec import bucket, pad_body, unpad_body

    for n in (0, 1, 511, 512, 513, 5000, 70_000, 3_000_000):
        assert bucket(n) >= n and bucket(n) - n <= max(512, n // 16)
        data = bytes(range(256)) * (n // 256) + b"z" * (n % 256)
        assert unpad_body(pad_body(data), 1) == data


def test_bodies_are_lz4_compressed_when_that_makes_them_smaller() -> None:
    import os
    import zlib

    from mynalib.vault.codec import pad_body, unpad_body

    text = "診療年月,2025年1月\r\n医療機関等名称,ベンチ内科クリニック\r\n".encode() * 120
    packed = pad_body(text)
    assert packed[:1] == b"\x03" and len(packed) <= len(text) // 4
    noise = os.urandom(5000)  # does not compress: stored as it is
    assert pad_body(noise)[:1] == b"\x02"
    for data in (text, noise, b"", b"a"):
        assert unpad_body(pad_body(data), 7) == data
    # what older versions wrote is still read
    assert unpad_body(b"\x00abc", 7) == b"abc"
    assert unpad_body(b"\x01" + zlib.compress(text), 7) == text
    assert unpad_body(b"\x02" + (3).to_bytes(8, "big") + b"abc" + bytes(20), 7) == b"abc"


def test_a_damaged_compressed_body_is_reported_not_returned() -> None:
    from mynalib.vault.codec import pad_body, unpad_body

    text = '医療費の総額（円）,"12,340"\r\n'.encode() * 200
    good = pad_body(text)
    size = int.from_bytes(good[1:9], "big")
    wrong_size = good[:1] + (size + 1).to_bytes(8, "big") + good[9:]
    too_long = good[:9] + (len(good)).to_bytes(8, "big") + good[17:]
    truncated = good[:17] + good[17:40]
    for bad in (wrong_size, too_long, truncated, b"\x03", b"\x07" + good[1:]):
        with pytest.raises(VaultCorrupt, match="body encoding"):
            unpad_body(bad, 7)


# ----------------------------------------------------------------------- interactive prompts
def test_interactive_prompts_on_a_terminal(
    vault_dir: Path, fail_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass
    import sys

    from mynalib.vault import open_vault_interactive

    answers: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": answers.pop(0))

    answers[:] = ["first choice", "second choice"]
    with pytest.raises(VaultLocked, match="differ"):
        open_vault_interactive(vault_dir)
    answers[:] = ["my new passphrase", "my new passphrase"]
    with open_vault_interactive(vault_dir) as v:
        assert v.protection == "passphrase"
        v.put(_doc())
    answers[:] = ["wrong", "my new passphrase"]
    with open_vault_interactive(vault_dir) as v:
        assert v.count() == 1
    assert answers == []
    answers[:] = ["wrong", "wrong again", "still wrong"]
    with pytest.raises(VaultLocked):
        open_vault_interactive(vault_dir)


def test_interactive_without_terminal_raises(vault_dir: Path, fail_keyring: None) -> None:
    from mynalib.vault import open_vault_interactive

    with pytest.raises(VaultLocked, match="MYNA_VAULT_PASSPHRASE"):
        open_vault_interactive(vault_dir)


def test_header_json_is_what_the_json_module_writes() -> None:
    """Headers and audit entries are written with orjson; read back they equal what
    ``json.dumps(default=json_default)`` wrote before (dates ISO, tuples as lists, sets, bytes,
    paths and other objects through the default), and what orjson refuses falls back to json."""
    import dataclasses
    import json
    from datetime import date, datetime, timedelta, timezone
    from pathlib import PurePosixPath

    from mynalib.vault.codec import dumps, json_default

    @dataclasses.dataclass
    class Point:
        x: int

    jst = timezone(timedelta(hours=9))
    value = {
        "kind": "iryohi_csv",
        "dates": [date(2025, 1, 1), datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=timezone.utc)],
        "jst": datetime(2026, 2, 3, 4, 5, tzinfo=jst),
        "naive": datetime(2026, 2, 3, 4, 5, 6),
        "period": (date(2025, 1, 1), date(2025, 12, 1)),
        "nested": {"totals": {"医療費の合計": {"total_cost": 12340, "period": (1, 2)}}},
        "set": {3},
        "bytes": b"\x00\xff",
        "path": PurePosixPath("/a/b"),
        "object": Point(1),
        "float": 1.5,
        "none": None,
        "text": '見本　花子 "quoted" \\ \n',
        1: "an int key",
    }
    expected = json.loads(json.dumps(value, ensure_ascii=False, default=json_default))
    assert json.loads(dumps(value)) == expected
    big = {"n": 2**70}
    assert json.loads(dumps(big)) == {"n": 2**70}


def test_ready_documents_cross_the_worker_pipe_without_their_bytes_twice() -> None:
    """A document made ready in an import worker travels to the importing process as its LZ4
    body only (the bytes are rebuilt on arrival); one that does not compress travels whole."""
    import os
    import pickle

    from mynalib.vault.codec import Ready, pad_body

    text = "医療機関等名称,ベンチ内科クリニック\r\n".encode() * 200
    ready = Ready(text, "iryohi_csv", "見本　花子", None, b"{}", pad_body(text))
    wire = pickle.dumps(ready, pickle.HIGHEST_PROTOCOL)
    assert len(wire) < len(text) // 2
    assert pickle.loads(wire) == ready  # noqa: S301 - our own bytes
    noise = os.urandom(4000)
    raw = Ready(noise, "kojo_xml", None, "別名", b"{}", pad_body(noise))
    assert pickle.loads(pickle.dumps(raw)) == raw  # noqa: S301


def test_a_ready_document_shows_no_personal_data_in_its_repr() -> None:
    from mynalib.vault.codec import Ready, pad_body

    data = "氏名,見本　花子\r\n個人番号,123456789012\r\n".encode()
    ready = Ready(
        data, "iryohi_csv", "見本　花子", "見本　はなこ", b'{"person": "x"}', pad_body(data)
    )
    text = repr(ready) + str(ready) + repr([ready])
    for secret in ("見本", "123456789012", '{"person"', "氏名"):
        assert secret not in text
    assert "iryohi_csv" in text and f"bytes={len(data)}" in text
