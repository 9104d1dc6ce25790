"""mynalib — a local, encrypted workbook for your own マイナポータル data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "open_vault"]


def __getattr__(name: str) -> object:
    """``mynalib.open_vault`` (README: "Importing your files and the vault"), imported lazily so ``import mynalib`` stays light."""
    if name == "open_vault":
        from .vault import open_vault

        return open_vault
    raise AttributeError(f"module 'mynalib' has no attribute {name!r}")
