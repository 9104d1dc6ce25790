"""The vault's files: where they are, created private (0700 folders, 0600 files), destroyed."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

from . import keys

#: the vault's SQLite file in its directory
DB_NAME = "vault.sqlite3"


def resolve_vault_paths(path: Path | str | None) -> tuple[Path, Path]:
    """The vault's directory and SQLite file for ``path``: a directory, the SQLite file itself,
    or None for :func:`mynalib.paths.default_vault_dir` (``$MYNA_VAULT``)."""
    from ..paths import default_vault_dir

    base = Path(path).expanduser() if path is not None else default_vault_dir()
    if base.suffix in {".sqlite3", ".sqlite", ".db"} or base.is_file():
        return base.parent, base
    return base, base / DB_NAME


def vault_files(db_path: Path) -> list[Path]:
    """The SQLite file and the files SQLite keeps beside it."""
    return [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), Path(f"{db_path}-journal")]


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) readable by its owner only."""
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        with contextlib.suppress(OSError):
            os.chmod(created, 0o700)
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        os.chmod(directory, mode & 0o700 | 0o700)


def make_private_file(path: Path) -> None:
    """Create ``path`` if it is missing; either way readable and writable by its owner only."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)


def make_private_companions(db_path: Path) -> None:
    """The files SQLite keeps beside the vault (WAL, shared memory, journal) made 0600."""
    for p in vault_files(db_path)[1:]:
        if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077:
            os.chmod(p, 0o600)


def destroy(directory: Path, db_path: Path) -> bool:
    """Destroy the vault at ``db_path`` without unlocking it (see :func:`.opening.wipe_vault`).

    Erases the wrapped keys, removes the OS keyring entry, overwrites the files with zeros and
    deletes them, then the directory when it is empty. False when there was no vault."""
    present = [p for p in vault_files(db_path) if p.exists()]
    if not present:
        return False
    vault_id = None
    with contextlib.suppress(sqlite3.Error, OSError):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=30.0)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            vault_id = row[0] if row else None
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("DELETE FROM meta")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    if vault_id:
        keys.keyring_delete(vault_id)
    for p in vault_files(db_path):
        if p.exists():
            with contextlib.suppress(OSError):
                size = p.stat().st_size
                with open(p, "r+b") as fh:
                    remaining = size
                    while remaining > 0:
                        chunk = min(remaining, 1024 * 1024)
                        fh.write(b"\x00" * chunk)
                        remaining -= chunk
                    fh.flush()
                    os.fsync(fh.fileno())
            p.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        directory.rmdir()  # only when empty
    return True
