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


def myna_command() -> str:
    """How to run ``myna`` from this Python: ``myna`` when that is on the PATH, else the full
    path of the script beside the interpreter (a virtual environment's ``bin/`` is on the PATH
    only once activated — ``make demo`` does not activate it)."""
    import shutil
    import sys

    script = Path(sys.executable).parent / ("myna.exe" if os.name == "nt" else "myna")
    found = shutil.which("myna")
    if not script.exists() or (found is not None and Path(found).resolve() == script.resolve()):
        return "myna"
    return str(script)
