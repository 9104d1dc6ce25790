"""Opening a vault: create or unlock it (passphrase or OS keyring), on a terminal interactively;
destroying one without unlocking it."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import uuid
from pathlib import Path

from ..errors import VaultCorrupt, VaultError, VaultLocked
from . import crypto, files, keys, store
from .vault import Vault

_RESTORE = store.RESTORE_HINT


def open_vault(
    path: Path | str | None = None,
    *,
    passphrase: str | None = None,
    create: bool = True,
) -> Vault:
    """Open (or create) the vault in directory ``path`` and unlock it.

    ``path`` defaults to :func:`mynalib.paths.default_vault_dir` (``$MYNA_VAULT``). The passphrase
    defaults to ``$MYNA_VAULT_PASSPHRASE``; without one the OS keyring is used when it is usable.
    A wrong passphrase raises :class:`VaultLocked`.
    """
    directory, db_path = files.resolve_vault_paths(path)
    if passphrase is None:
        passphrase = keys.passphrase_from_env()
    exists = db_path.exists() and db_path.stat().st_size > 0
    if not exists and not create:
        raise VaultError(
            f"There is no vault at {directory}",
            hint="import a file first (myna import FILE) or give the right --vault / MYNA_VAULT",
            ja="保管庫がまだありません。先にファイルを取り込んでください（myna import）。",
        )
    if not exists and passphrase is None and not keys.keyring_usable():
        raise VaultLocked(
            "Cannot create a vault: no passphrase was given and no OS keyring is available",
            hint=keys.HOW_TO_UNLOCK,
            ja=keys.JA_UNLOCK_HINT,
        )
    files.make_private_dir(directory)
    files.make_private_file(db_path)
    conn = store.connect(db_path)
    try:
        files.make_private_companions(db_path)
        with store.damage_is_corrupt():
            vault_id, data_key, protection = _unlock_or_init(conn, passphrase)
            store.upgrade_schema(conn)  # vaults created before the newer tables existed
    except BaseException:
        conn.close()
        raise
    return Vault(directory, db_path, conn, data_key, vault_id, protection)


def open_vault_interactive(path: Path | str | None = None, *, create: bool = True) -> Vault:
    """:func:`open_vault`, asking for the passphrase on a terminal when one is needed.

    Uses ``$MYNA_VAULT_PASSPHRASE`` or the OS keyring first. On a terminal (stdin is a tty) a
    missing or wrong passphrase is asked for with getpass (twice for a new vault); elsewhere the
    :class:`VaultLocked` error (which says how to give one) is raised.
    """
    import getpass

    try:
        return open_vault(path, create=create)
    except VaultLocked:
        if keys.passphrase_from_env() is not None or not sys.stdin.isatty():
            raise
    _, db_path = files.resolve_vault_paths(path)
    if db_path.exists() and db_path.stat().st_size > 0:
        for attempt in range(3):
            secret = getpass.getpass("Vault passphrase (保管庫のパスフレーズ): ")
            try:
                return open_vault(path, passphrase=secret, create=create)
            except VaultLocked:
                if attempt == 2:
                    raise
                print("Wrong passphrase, try again.", file=sys.stderr)
    print(
        "No OS keyring is available: choose a passphrase for the new vault "
        "(there is no way to recover it if it is lost).",
        file=sys.stderr,
    )
    first = getpass.getpass("New vault passphrase: ")
    if getpass.getpass("Repeat the passphrase: ") != first:
        raise VaultLocked("The two passphrases differ; nothing was created", hint="try again")
    return open_vault(path, passphrase=first, create=create)


def wipe_vault(path: Path | str | None = None) -> bool:
    """Destroy the vault at ``path`` without unlocking it (for a lost passphrase too).

    Removes the OS keyring entry, overwrites the files with zeros (best effort: SSDs and
    copy-on-write file systems may keep old blocks, but the wrapped key is gone with the
    keyring entry / the passphrase) and deletes them. Returns False when there was no vault.
    """
    return files.destroy(*files.resolve_vault_paths(path))


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return {}  # a new vault
        raise  # (e.g. locked by another process: not damage)
    except sqlite3.DatabaseError as exc:
        raise VaultCorrupt(f"the vault file is not readable ({exc})", hint=_RESTORE) from None
    except UnicodeDecodeError:
        raise VaultCorrupt("the vault's key records are not text", hint=_RESTORE) from None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in rows):
        raise VaultCorrupt("the vault's key records are damaged", hint=_RESTORE)
    return dict(rows)


def _unlock_or_init(conn: sqlite3.Connection, passphrase: str | None) -> tuple[str, bytes, str]:
    meta = _meta(conn)
    if not meta.get("vault_id"):
        return _init(conn, passphrase)
    if meta.get("format") != str(store.SCHEMA_VERSION):
        raise VaultError(
            f"This vault has format {meta.get('format')!r}; this mynalib reads format "
            f"{store.SCHEMA_VERSION}",
            hint="upgrade mynalib",
        )
    vault_id = meta["vault_id"]
    pw_wrap = meta.get("wrap.passphrase")
    kr_wrap = meta.get("wrap.keyring")
    if passphrase is not None and pw_wrap:
        try:
            wrap = keys.PassphraseWrap.from_json(pw_wrap)
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultCorrupt(
                f"the vault's key record is damaged ({exc})", hint=_RESTORE
            ) from None
        data_key = wrap.unwrap(passphrase, vault_id)
        if data_key is None:
            raise VaultLocked(
                "Wrong vault passphrase",
                hint="check MYNA_VAULT_PASSPHRASE / the passphrase you typed (if you are sure "
                "of it, the vault's key record was changed: restore a backup)",
                ja="保管庫のパスフレーズが違います。",
            )
        return vault_id, data_key, "passphrase"
    if kr_wrap:
        try:
            kwrap = keys.KeyringWrap.from_json(kr_wrap)
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultCorrupt(
                f"the vault's key record is damaged ({exc})", hint=_RESTORE
            ) from None
        data_key = kwrap.unwrap(vault_id)
        if data_key is not None:
            return vault_id, data_key, "keyring"
        if not pw_wrap:
            raise VaultLocked(
                "This vault's key is kept in the OS keyring, and the keyring entry "
                f"({kwrap.service} / {kwrap.username}) is not available",
                hint="unlock your desktop keyring (Secret Service, macOS Keychain, Windows "
                "Credential Manager) and try again",
                ja="保管庫の鍵がOSのキーリングから取得できません。キーリングのロックを解除してください。",
            )
    if pw_wrap:
        raise VaultLocked(
            "This vault needs its passphrase", hint=keys.HOW_TO_UNLOCK, ja=keys.JA_UNLOCK_HINT
        )
    raise VaultCorrupt("the vault has no key record", hint="restore a backup")


def _init(conn: sqlite3.Connection, passphrase: str | None) -> tuple[str, bytes, str]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        meta = _meta(conn)
        if meta.get("vault_id"):  # another process created it meanwhile
            conn.execute("ROLLBACK")
            return _unlock_or_init(conn, passphrase)
        store.create_schema(conn)
        vault_id = uuid.uuid4().hex
        data_key = crypto.random_key()
        rows = {"format": str(store.SCHEMA_VERSION), "vault_id": vault_id}
        if passphrase is not None:
            rows["wrap.passphrase"] = keys.PassphraseWrap.create(
                passphrase, data_key, vault_id
            ).to_json()
            protection = "passphrase"
        else:
            rows["wrap.keyring"] = keys.KeyringWrap.create(data_key, vault_id).to_json()
            protection = "keyring"
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(rows.items()))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return vault_id, data_key, protection
