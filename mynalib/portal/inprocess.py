"""A PortalClient wired to the sandbox app in-process (no socket): for the sample workbook and demos.

The client bridges the app's async transport itself (:mod:`mynalib.portal.bridge`). Kept inside
``mynalib.portal`` so httpx stays imported only here (the layering rule).
"""

from __future__ import annotations

from typing import Any

from .client import PortalClient


def sandbox_client(config: Any = None, **kwargs: Any) -> PortalClient:
    """``PortalClient`` talking to ``create_app(config)`` through ``httpx.ASGITransport``."""
    import httpx

    from .sandbox.app import SandboxConfig, create_app

    app = create_app(config if config is not None else SandboxConfig(poll_delay=0.0))
    kwargs.setdefault("poll_interval", 0.0)
    return PortalClient("http://sandbox.invalid", transport=httpx.ASGITransport(app=app), **kwargs)
