"""`myna login` unlocks the vault (scrypt) in a thread while it opens the card and reaches the
portal, and waits for it before the PIN is asked: a vault that cannot be opened stops the login
before the PIN is used."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mynalib.commands._common import command_vault_soon
from mynalib.errors import VaultLocked
from mynalib.vault import crypto, open_vault

from .conftest import VAULT_PASS, PortalCli, cli_env, run_myna


def test_the_vault_is_unlocked_while_the_command_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deriving = threading.Event()
    go_on = threading.Event()
    derive = crypto.passphrase_kek

    def held_derivation(*args: object) -> bytes:
        deriving.set()
        assert go_on.wait(60)
        return derive(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(crypto, "passphrase_kek", held_derivation)
    with command_vault_soon(tmp_path / "vault") as get_vault:
        # the derivation runs before anything asks for the vault (the command is not held)
        assert deriving.wait(60)
        go_on.set()
        vault = get_vault()
        assert get_vault() is vault
        vault.set_state("probe", 1)
    assert vault.closed
    with open_vault(tmp_path / "vault", passphrase=VAULT_PASS) as again:
        assert again.get_state("probe") == 1


def test_a_vault_that_cannot_be_opened_is_reported_when_it_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_vault(tmp_path / "vault", passphrase=VAULT_PASS).close()
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "not-the-passphrase")
    with command_vault_soon(tmp_path / "vault") as get_vault:
        with pytest.raises(VaultLocked, match="Wrong vault passphrase"):
            get_vault()


@pytest.mark.slow
def test_a_wrong_vault_passphrase_stops_the_login_before_the_pin(
    portal_cli: Callable[..., PortalCli], tmp_path: Path
) -> None:
    myna = portal_cli("--poll-delay", "0", "--pending-polls", "0")  # the vault exists now
    wrong = dict(myna.env, MYNA_VAULT_PASSPHRASE="not-the-passphrase")
    out = run_myna(wrong, "login", "--virtual", pin="1234")
    assert out.returncode == 1
    assert "Wrong vault passphrase" in out.stderr
    assert "MYNA_AUTH_PIN" not in out.stderr  # the PIN was never read
    assert "Logged in" not in out.stdout
    # a new vault is created by the first login as before
    fresh = run_myna(cli_env(tmp_path / "other", myna.url), "login", "--virtual", pin="1234")
    assert fresh.returncode == 0, fresh.stderr
    assert (tmp_path / "other" / "vault").is_dir()
