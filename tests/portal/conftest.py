"""Fixtures for the portal tests: the sandbox in-process, software cards, a loopback server."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mynalib.card.virtual import CardProfile
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox.app import SandboxConfig, SandboxState, create_app
from mynalib.samples.card import sample_card_profile

VAULT_PASS = "portal-test-passphrase"


@pytest.fixture(autouse=True)
def _cheap_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    """New vaults in these tests use a cheap scrypt cost (the vault's own tests check the real one)."""
    with contextlib.suppress(ImportError, AttributeError):
        from mynalib.vault import crypto

        monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", VAULT_PASS)


def member_profile(member: str) -> CardProfile:
    """A fresh software card of a household member (3 tries left on every PIN)."""
    return sample_card_profile(member)


@dataclass
class Sandbox:
    app: Any
    state: SandboxState

    def client(self, **kwargs: Any) -> PortalClient:
        kwargs.setdefault("sleep", lambda s: None)
        kwargs.setdefault("jitter", lambda: 0.0)
        transport = kwargs.pop("transport", None) or httpx.ASGITransport(app=self.app)
        return PortalClient("http://sandbox.test", transport, **kwargs)


@pytest.fixture
def make_sandbox() -> Callable[..., Sandbox]:
    def make(**config: Any) -> Sandbox:
        config.setdefault("pending_polls", 0)
        config.setdefault("done_step", False)
        app = create_app(SandboxConfig(**config))
        return Sandbox(app, app.state.sandbox)

    return make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveSandbox:
    url: str
    state: SandboxState


@pytest.fixture
def live_sandbox() -> Iterator[Callable[..., LiveSandbox]]:
    """The sandbox on a real loopback port, served by uvicorn in a thread of this process."""
    import uvicorn

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**config: Any) -> LiveSandbox:
        config.setdefault("pending_polls", 0)
        config.setdefault("done_step", False)
        port = free_port()
        config.setdefault("issuer", f"http://127.0.0.1:{port}")
        app = create_app(SandboxConfig(**config))
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60  # a loaded 2-core machine is slow to import
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        servers.append((server, thread))
        return LiveSandbox(f"http://127.0.0.1:{port}", app.state.sandbox)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def epoch(year: int) -> float:
    return dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp()
