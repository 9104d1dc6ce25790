"""The sandbox on a real loopback port: the CLI driven as a user would, real timeouts and drops."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mynalib.card import open_card
from mynalib.secrets import Pin

from .conftest import VAULT_PASS, LiveSandbox, cli_env, free_port, member_profile, run_myna

pytestmark = pytest.mark.slow


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
    env = cli_env(tmp_path, url)
    # a wrong PIN: reported with the tries left, never retried
    bad = run_myna(env, "login", "--member", "hanako", pin="0000")
    assert bad.returncode == 1
    assert (
        "3 tries left" in bad.stdout
        and "2 tries left" in bad.stderr
        and "0000" not in bad.stderr + bad.stdout
    )
    # the right PIN, acting for ume as her 代理人
    ok = run_myna(env, "login", "--member", "taro", "--as", "ume", pin="1234")
    assert ok.returncode == 0, ok.stderr
    assert "見本　うめ" in ok.stdout and "代理人: 見本　太郎" in ok.stdout
    first = run_myna(env, "fetch", "all")
    assert first.returncode == 0, first.stderr
    assert "portal_drugs: 1 new" in first.stdout and "portal_notices: 1 new" in first.stdout
    assert "token refreshes" in first.stdout and "0 token refreshes" not in first.stdout
    second = run_myna(env, "fetch", "all", "--no-progress")
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
    assert run_myna(env, "logout").returncode == 0
    after = run_myna(env, "fetch", "pension")
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
