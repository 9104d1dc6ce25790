"""Tampered vault metadata must never hide data silently nor crash with a raw traceback
(issue 11, item 7): every read path verifies what it relies on and raises VaultCorrupt.

The attacks edit the vault file with a separate SQLite connection, as someone holding the file
would; then the vault is opened and read the usual ways (frames with and without ``--person``,
documents, catalogue, status, the CLI).
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mynalib.cli import main
from mynalib.errors import MynaError, VaultCorrupt, VaultLocked
from mynalib.vault import Vault, crypto, open_vault

from ..vault.iryohi import block, iryohi_csv

PASSPHRASE = "correct horse battery staple"
TARO, HANAKO = "試験　太郎", "試験　花子"


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)
    monkeypatch.delenv("MYNA_VAULT_PASSPHRASE", raising=False)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    """A vault with two persons' 医療費通知 (one file each, and a pack of eight for taro)."""
    folder = tmp_path / "files"
    folder.mkdir()
    for year in range(2015, 2025):
        (folder / f"taro_{year}.csv").write_bytes(
            iryohi_csv(name=TARO, year=year, blocks=[block(1, 1000 + year)])
        )
    (folder / "hanako.csv").write_bytes(iryohi_csv(name=HANAKO, blocks=[block(2, 3000)]))
    with open_vault(tmp_path / "v", passphrase=PASSPHRASE) as v:
        reports = v.import_files([folder], workers=1)
        assert all(r.ok for r in reports)
        v.set_secret("portal.session", b"token")
        v.set_state("portal.url", "http://127.0.0.1:8765")
    return tmp_path / "v"


def _sql(vault_dir: Path, *statements: tuple[str, tuple]) -> None:
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def _first_of(vault_dir: Path, person: str) -> int:
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        return next(d.id for d in v.catalogue() if d.person == person)


@pytest.fixture
def opened(vault_dir: Path) -> Iterator[Callable[[], Vault]]:
    vaults: list[Vault] = []

    def open_it() -> Vault:
        vaults.append(open_vault(vault_dir, passphrase=PASSPHRASE, create=False))
        return vaults[-1]

    yield open_it
    for v in vaults:
        v.close()


# ----------------------------------------------------------------------------- lookup tags
READS: dict[str, Callable[[Vault], object]] = {
    "frame of the person": lambda v: v.frame("medical_expenses", person=TARO),
    "frame of everyone": lambda v: v.frame("medical_expenses"),
    "documents of the person": lambda v: v.documents("iryohi_csv", TARO),
    "catalogue of the person": lambda v: v.catalogue(person=TARO),
    "documents of the kind": lambda v: v.documents("iryohi_csv"),
}


@pytest.mark.parametrize("read", list(READS))
@pytest.mark.parametrize("column", ["person_tag", "kind_tag", "alias_tag"])
def test_a_changed_tag_is_detected_not_hidden(vault_dir: Path, opened, read, column) -> None:
    """The attack of the issue: a changed person tag made taro's documents vanish from his
    frames (``--person``) without an error. Any changed tag is now VaultCorrupt on every read
    that selects by tags."""
    victim = _first_of(vault_dir, TARO)
    _sql(vault_dir, (f"UPDATE documents SET {column} = ? WHERE id = ?", (b"\x00" * 16, victim)))  # noqa: S608
    with pytest.raises(VaultCorrupt):
        READS[read](opened())


def test_a_tag_moved_from_another_document_is_detected(vault_dir: Path, opened) -> None:
    """Taro's document given hanako's (valid) person tag: it would leave taro's frames and
    join hanako's."""
    victim, other = _first_of(vault_dir, TARO), _first_of(vault_dir, HANAKO)
    _sql(
        vault_dir,
        (
            "UPDATE documents SET person_tag = (SELECT person_tag FROM documents WHERE id = ?) "
            "WHERE id = ?",
            (other, victim),
        ),
    )
    with pytest.raises(VaultCorrupt):
        opened().frame("medical_expenses", person=HANAKO)


def test_a_removed_tags_mac_falls_back_to_the_header(vault_dir: Path, opened) -> None:
    """Rows without the MAC (written by an older mynalib) are checked through their headers,
    whose associated data binds the tags: dropping the MAC and changing the tag is caught."""
    victim = _first_of(vault_dir, TARO)
    _sql(
        vault_dir,
        ("UPDATE documents SET tags = NULL, person_tag = ? WHERE id = ?", (b"\x01" * 16, victim)),
    )
    with pytest.raises(VaultCorrupt):
        opened().frame("medical_expenses", person=TARO)


def test_untampered_and_older_rows_read_as_before(vault_dir: Path, opened) -> None:
    v = opened()
    assert len(v.frame("medical_expenses", person=TARO)) == 10
    v.close()
    _sql(vault_dir, ("UPDATE documents SET tags = NULL", ()))  # as an older mynalib wrote them
    v = opened()
    assert len(v.frame("medical_expenses", person=TARO)) == 10
    assert len(v.frame("medical_expenses", person=HANAKO)) == 1


def test_a_change_while_open_is_seen_by_the_next_read(vault_dir: Path, opened) -> None:
    v = opened()
    assert len(v.frame("medical_expenses", person=TARO)) == 10
    _sql(vault_dir, ("UPDATE documents SET person_tag = ? WHERE id = 1", (b"\x02" * 16,)))
    with pytest.raises(VaultCorrupt):
        v.documents("iryohi_csv", TARO)


# --------------------------------------------------------------------------------- key record
def _edit_wrap(vault_dir: Path, **changes: object) -> None:
    conn = sqlite3.connect(vault_dir / "vault.sqlite3")
    (text,) = conn.execute("SELECT value FROM meta WHERE key = 'wrap.passphrase'").fetchone()
    wrap = json.loads(text)
    wrap.update(changes)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'wrap.passphrase'", (json.dumps(wrap),))
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "changes",
    [
        {"n": 3},  # not a power of two: scrypt raised ValueError (a raw traceback)
        {"n": 2**40},  # terabytes of memory
        {"n": "4096"},
        {"r": 0},
        {"p": 10**6},
        {"salt": "!!not base64!!"},
        {"wrapped": "AAAA"},
        {"kdf": "argon2"},
    ],
    ids=lambda c: ",".join(f"{k}={str(v)[:8]}" for k, v in c.items()),
)
def test_a_changed_key_record_is_corrupt(vault_dir: Path, changes: dict) -> None:
    _edit_wrap(vault_dir, **changes)
    with pytest.raises(VaultCorrupt) as info:
        open_vault(vault_dir, passphrase=PASSPHRASE, create=False)
    assert info.value.ja and "バックアップ" in info.value.ja


def test_a_key_record_that_is_not_an_object_is_corrupt(vault_dir: Path) -> None:
    _sql(vault_dir, ("UPDATE meta SET value = '[1, 2]' WHERE key = 'wrap.passphrase'", ()))
    with pytest.raises(VaultCorrupt):
        open_vault(vault_dir, passphrase=PASSPHRASE, create=False)


def test_a_weaker_scrypt_cost_says_the_record_may_have_changed(vault_dir: Path) -> None:
    """Within the bounds, a changed cost derives another key: the unlock fails like a wrong
    passphrase, and says that the record may have been changed."""
    _edit_wrap(vault_dir, n=2**11)
    with pytest.raises(VaultLocked) as info:
        open_vault(vault_dir, passphrase=PASSPHRASE, create=False)
    assert "restore a backup" in str(info.value)


# ------------------------------------------------------------------------ damaged file bytes
def _reads(v: Vault) -> None:
    v.documents()
    v.frame("medical_expenses")
    v.frame("medical_expenses", person=TARO)
    v.status()
    v.audit_log()
    v.catalogue()
    v.get_secret("portal.session")
    v.get_state("portal.url")


def test_flipped_bytes_give_project_errors_only(vault_dir: Path, tmp_path: Path) -> None:
    """Bits flipped anywhere in the file's used bytes: opening and reading raise VaultCorrupt
    (or VaultLocked: a flipped key record), never a raw sqlite3 / decoding / type error."""
    original = (vault_dir / "vault.sqlite3").read_bytes()
    used = [i for i, b in enumerate(original) if b]
    rnd = random.Random(11)
    for trial in range(60):
        data = bytearray(original)
        at = rnd.choice(used)
        data[at] ^= 1 << rnd.randrange(8)
        target = tmp_path / f"flip{trial}"
        target.mkdir()
        (target / "vault.sqlite3").write_bytes(bytes(data))
        try:
            v = open_vault(target, passphrase=PASSPHRASE, create=False)
        except MynaError:
            continue
        try:
            _reads(v)
        except MynaError:
            pass
        finally:
            v.close()
        shutil.rmtree(target)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE documents SET header = 'text, not bytes' WHERE id = 1",
        "UPDATE documents SET kind_tag = 42 WHERE id = 1",
        "UPDATE documents SET person_tag = 'x' WHERE id = 1",
        "UPDATE audit SET chain = 7 WHERE id = (SELECT MAX(id) FROM audit)",
        "UPDATE audit SET entry = 'text' WHERE id = 1",
        "UPDATE sqlite_sequence SET seq = 1 WHERE name = 'audit'",
        "UPDATE meta SET value = x'ff00' WHERE key = 'vault_id'",
        "UPDATE secrets SET value = 'plain text'",
        "DROP TABLE audit",
    ],
)
def test_values_of_the_wrong_type_are_corrupt(vault_dir: Path, sql: str) -> None:
    _sql(vault_dir, (sql, ()))
    with pytest.raises(VaultCorrupt):
        with open_vault(vault_dir, passphrase=PASSPHRASE, create=False) as v:
            _reads(v)


def test_cli_reports_a_tampered_vault_in_both_languages(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = _first_of(vault_dir, TARO)
    _sql(vault_dir, ("UPDATE documents SET person_tag = ? WHERE id = ?", (b"\x00" * 16, victim)))
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    result = CliRunner().invoke(
        main, ["table", "medical_expenses", "--person", TARO, "--vault", str(vault_dir)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "restore a backup" in result.output and "バックアップから戻して" in result.output
