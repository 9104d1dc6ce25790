"""Fixtures for the portal tests: the sandbox in-process, software cards, a loopback server,
`myna sandbox` in a subprocess and the `myna` command logged in to it (:func:`portal_cli`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mynalib.card.virtual import CardProfile
from mynalib.demo import stop_process
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


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """`myna sandbox ARGS` in a subprocess on a free port, returning its URL once /healthz
    answers; stopped by its PID."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> str:
        port = free_port()
        log = (tmp_path / f"sandbox-{port}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "mynalib.cli", "sandbox", "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                    return url
            except httpx.TransportError:
                time.sleep(0.1)
            assert proc.poll() is None, (tmp_path / f"sandbox-{port}.log").read_text()
        raise RuntimeError("the sandbox did not start")

    yield start
    for proc in procs:
        stop_process(proc)


def run_myna(
    env: dict[str, str], *args: str, pin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m mynalib.cli ARGS`` with ``env`` (and the auth PIN from ``MYNA_AUTH_PIN``)."""
    run_env = dict(env)
    if pin is not None:
        run_env["MYNA_AUTH_PIN"] = pin
    return subprocess.run(
        [sys.executable, "-m", "mynalib.cli", *args],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def cli_env(tmp_path: Path, url: str) -> dict[str, str]:
    """The environment of a user of the portal at ``url``: a new home and vault under
    ``tmp_path``, no other ``MYNA_`` setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_HOME=str(tmp_path / "home"),
        MYNA_VAULT=str(tmp_path / "vault"),
        MYNA_VAULT_PASSPHRASE=VAULT_PASS,
        MYNA_PORTAL=url,
    )
    return env


@dataclass
class PortalCli:
    """The `myna` command of one user of a `myna sandbox`: ``cli("fetch", "all")``."""

    url: str
    env: dict[str, str]
    vault: Path

    def __call__(self, *args: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_myna(self.env, *args, pin=pin)


@pytest.fixture
def portal_cli(sandbox_process: Callable[..., str], tmp_path: Path) -> Callable[..., PortalCli]:
    """``portal_cli(*sandbox_args)``: `myna sandbox SANDBOX_ARGS` started, a new home and vault,
    and `myna login --virtual` (the software card, PIN 1234) done and checked."""

    def start(*sandbox_args: str) -> PortalCli:
        url = sandbox_process(*sandbox_args)
        cli = PortalCli(url, cli_env(tmp_path, url), tmp_path / "vault")
        login = cli("login", "--virtual", pin="1234")
        assert login.returncode == 0, login.stderr
        return cli

    return start


def vault_contents(vault: Any) -> list[tuple[Any, ...]]:
    """What a vault holds, comparable between two fetches (the import time left out)."""
    return sorted(
        (
            d.kind,
            d.person,
            d.original_name,
            d.data,
            repr(sorted((k, v) for k, v in d.meta.items() if k != "imported_at")),
        )
        for d in vault.documents()
    )


def epoch(year: int) -> float:
    return dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp()
