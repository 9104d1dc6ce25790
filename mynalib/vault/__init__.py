"""The encrypted local vault (DESIGN.md §2): documents as received, secrets, state, audit log.

from mynalib.vault import open_vault
with open_vault() as vault:           # $MYNA_VAULT, $MYNA_VAULT_PASSPHRASE or the OS keyring
    vault.import_file("医療費情報_20260223101010123.csv")
    df = vault.frame("medical_expenses", year=2025)
"""

from __future__ import annotations

from .keys import PASSPHRASE_ENV
from .store import (
    MAX_IMPORT_BYTES,
    AuditEntry,
    DocumentInfo,
    ImportReport,
    PutResult,
    Vault,
    current_command,
    open_vault,
    open_vault_interactive,
    wipe_vault,
)

__all__ = [
    "MAX_IMPORT_BYTES",
    "PASSPHRASE_ENV",
    "AuditEntry",
    "DocumentInfo",
    "ImportReport",
    "PutResult",
    "Vault",
    "current_command",
    "open_vault",
    "open_vault_interactive",
    "wipe_vault",
]
