"""Where mynalib keeps things by default."""

from __future__ import annotations

import os
from pathlib import Path


def default_vault_dir() -> Path:
    """``$MYNA_VAULT`` or the per-user data directory (platformdirs) + ``vault``."""
    env = os.environ.get("MYNA_VAULT")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path("mynalib", appauthor=False) / "vault"


def default_state_dir() -> Path:
    """Per-user state (virtual card profiles, logs): ``$MYNA_HOME`` or platformdirs."""
    env = os.environ.get("MYNA_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_state_path("mynalib", appauthor=False)


def package_data(*parts: str) -> Path:
    """A file shipped inside the package (``mynalib/data/...``)."""
    return Path(__file__).resolve().parent.joinpath("data", *parts)
