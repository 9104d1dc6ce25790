"""The portal: a client of the documented Myna-Portal-style protocol, and its local sandbox.

``PortalClient`` (httpx) logs in with the card (OIDC + PKCE + the JPKI challenge), or from a
smartphone (``login_cross_device``, :mod:`.crossdevice`), and fetches documents; ``mynalib.portal.sandbox`` serves the protocol with synthetic data (Starlette).
See ``PROTOCOL.md`` next to this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # keep `import mynalib.portal` free of httpx until used
    from .auth import Session
    from .client import FetchReport, PortalClient

__all__ = ["FetchReport", "PortalClient", "Session"]


def __getattr__(name: str) -> Any:
    if name in ("PortalClient", "FetchReport"):
        from . import client

        return getattr(client, name)
    if name == "Session":
        from .auth import Session

        return Session
    raise AttributeError(name)
