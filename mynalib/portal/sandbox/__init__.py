"""The local portal sandbox (Starlette + synthetic data). ``create_app`` builds the ASGI app."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("create_app", "SandboxConfig", "Faults", "SandboxState"):
        from . import app

        return getattr(app, name)
    raise AttributeError(name)


__all__ = ["Faults", "SandboxConfig", "SandboxState", "create_app"]
