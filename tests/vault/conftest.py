"""Fixtures for the vault tests: a cheap scrypt cost, fresh vault directories, keyrings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mynalib.vault import crypto

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """New vaults in tests use N=2**12 (the real default is tested in test_default_cost)."""
    if "real_scrypt" not in request.fixturenames:
        monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)
    monkeypatch.delenv("MYNA_VAULT_PASSPHRASE", raising=False)


@pytest.fixture
def real_scrypt() -> None:
    """Request this fixture to keep the real scrypt cost."""


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path) -> Iterator:
    from mynalib.vault import open_vault

    v = open_vault(vault_dir, passphrase=PASSPHRASE)
    yield v
    v.close()


class MemoryKeyring:
    """An in-memory keyring backend (set explicitly: headless Linux has only the fail backend)."""

    def __init__(self) -> None:
        import keyring.backend

        class _Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]
            store: dict[tuple[str, str], str] = {}  # noqa: RUF012

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        self.backend = _Backend()
        self.backend.store = {}


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    previous = keyring.get_keyring()
    mem = MemoryKeyring()
    keyring.set_keyring(mem.backend)
    try:
        yield mem
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
