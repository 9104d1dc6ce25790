"""The sandbox on a real loopback port: the CLI driven as a user would, real timeouts and drops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from mynalib.card import open_card
from mynalib.secrets import Pin

from .conftest import VAULT_PASS, LiveSandbox, free_port, member_profile

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """`myna sandbox` in a subprocess on a free port; stopped by its PID."""
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
        proc.terminate()  # by PID: this Popen is ours
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _myna(
    env: dict[str, str], *args: str, pin: str | None = None
) -> subprocess.CompletedProcess[str]:
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


def test_cli_login_fetch_logout_over_loopback(
    sandbox_process: Callable[..., str], tmp_path: Path
) -> None:
    # faults on: random 500s, and access tokens that expire every 9 calls (refresh mid-fetch)
    url = sandbox_process(
        "--poll-delay",
        "0",
        "--pending-polls",
        "0",
        "--expire-after",
        "9",
        "--error-rate",
        "0.05",
        "--seed",
        "4",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_HOME=str(tmp_path / "home"),
        MYNA_VAULT=str(tmp_path / "vault"),
        MYNA_VAULT_PASSPHRASE=VAULT_PASS,
        MYNA_PORTAL=url,
    )
    # a wrong PIN: reported with the tries left, never retried
    bad = _myna(env, "login", "--member", "hanako", pin="0000")
    assert bad.returncode == 1
    assert (
        "3 tries left" in bad.stdout
        and "2 tries left" in bad.stderr
        and "0000" not in bad.stderr + bad.stdout
    )
    # the right PIN, acting for ume as her 代理人
    ok = _myna(env, "login", "--member", "taro", "--as", "ume", pin="1234")
    assert ok.returncode == 0, ok.stderr
    assert "見本　うめ" in ok.stdout and "代理人: 見本　太郎" in ok.stdout
    first = _myna(env, "fetch", "all")
    assert first.returncode == 0, first.stderr
    assert "portal_drugs: 1 new" in first.stdout and "portal_notices: 1 new" in first.stdout
    assert "token refreshes" in first.stdout and "0 token refreshes" not in first.stdout
    second = _myna(env, "fetch", "all", "--no-progress")
    assert second.returncode == 0, second.stderr
    assert "0 new documents stored" in second.stdout
    # the refresh token is in the vault, encrypted: no file holds it in clear
    from mynalib.vault import open_vault

    with open_vault(tmp_path / "vault", passphrase=VAULT_PASS) as vault:
        token = vault.get_secret("portal.refresh_token")
        assert token and len(token) > 40
        assert len(vault.frame("dispensings", person="見本　うめ")) > 0
        # the dashboards' 対象者 selector offers ume from now on
        assert vault.get_state("portal.principals") == {"ume": "見本　うめ"}
    for root in (tmp_path / "vault", tmp_path / "home"):
        for path in root.rglob("*"):
            if path.is_file():
                assert token not in path.read_bytes(), path
    for out in (ok, first, second):
        assert token.decode() not in out.stdout + out.stderr
    # logout revokes and forgets; fetching then says what to do
    assert _myna(env, "logout").returncode == 0
    after = _myna(env, "fetch", "pension")
    assert after.returncode == 1 and "myna login" in after.stderr


def test_real_timeout_and_dropped_connection_are_retried(
    live_sandbox: Callable[..., LiveSandbox],
) -> None:
    from mynalib.portal.client import PortalClient
    from mynalib.portal.sandbox.app import member_fingerprints

    member_fingerprints()  # the registered cards' fingerprints (computed once per process)
    live = live_sandbox()
    client = PortalClient(live.url, timeout=0.5, backoff_base=0.01)
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    live.state.schedule_fault("latency:1.5", "/api/v1/notices/list")
    live.state.schedule_fault("drop", "/api/v1/history/list")
    assert client.notices()
    assert client.history()
    reasons = " ".join(client.stats.retries)
    assert "timeout" in reasons and "connection failure" in reasons
    client.close()


def test_unreachable_portal_is_a_clear_error() -> None:
    from mynalib.errors import PortalUnavailable
    from mynalib.portal.client import PortalClient

    client = PortalClient(
        f"http://127.0.0.1:{free_port()}", timeout=0.5, max_retries=1, sleep=lambda s: None
    )
    with pytest.raises(PortalUnavailable, match="connection failure"):
        client.discovery()
