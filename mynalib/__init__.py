"""mynalib — a local, encrypted workbook for your own マイナポータル data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
