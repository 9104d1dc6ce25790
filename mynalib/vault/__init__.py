"""The encrypted local vault: documents as received, frame extracts, secrets, state, audit log.

from mynalib.vault import open_vault
with open_vault() as vault:           # $MYNA_VAULT, $MYNA_VAULT_PASSPHRASE or the OS keyring
    vault.import_file("医療費情報_20260223101010123.csv")
    df = vault.frame("medical_expenses", year=2025)

Modules: ``store`` (the encrypted store core: SQLite, AES-GCM, dedup, secrets, state, the audit
chain; it knows no parser, frame or command line), ``codec`` (what it encrypts, encoded),
``importer`` (the import pipeline: detect, parse, extract, worker processes, batches),
``reader`` (frames from stored extracts or documents, cached), ``vault`` (:class:`Vault`: the
store with both on top), ``files`` and ``opening`` (where the vault is, open, unlock, wipe).
"""

from __future__ import annotations

from ..log import current_command
from .files import resolve_vault_paths
from .importer import MAX_IMPORT_BYTES, ImportReport, expand_paths
from .keys import PASSPHRASE_ENV
from .opening import open_vault, open_vault_interactive, wipe_vault
from .store import AuditEntry, DocumentInfo, PutResult
from .vault import Vault

__all__ = [
    "MAX_IMPORT_BYTES",
    "PASSPHRASE_ENV",
    "AuditEntry",
    "DocumentInfo",
    "ImportReport",
    "PutResult",
    "Vault",
    "current_command",
    "expand_paths",
    "open_vault",
    "open_vault_interactive",
    "resolve_vault_paths",
    "wipe_vault",
]
