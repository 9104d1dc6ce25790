"""Where the key that unlocks a vault comes from: a passphrase (scrypt) or the OS keyring.

A vault's random data key is stored only wrapped. A wrap is a row in the ``meta`` table:

* ``wrap.passphrase`` — scrypt(passphrase, salt, N, r, p) wraps the data key;
* ``wrap.keyring`` — a random 256-bit key kept in the OS keyring (service ``mynalib-vault``,
  user = the vault's random id) wraps the data key.

A passphrase comes from the ``passphrase=`` argument or ``MYNA_VAULT_PASSPHRASE`` (automation and
tests). Without one, the OS keyring is used when it is usable. On a headless Linux keyring resolves
to its ``fail`` backend: then a passphrase is required and the error says how to give one.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from ..errors import VaultLocked
from . import crypto

PASSPHRASE_ENV = "MYNA_VAULT_PASSPHRASE"  # noqa: S105 - a variable name
KEYRING_SERVICE = "mynalib-vault"

HOW_TO_UNLOCK = (
    "give the vault passphrase: set MYNA_VAULT_PASSPHRASE for automation, pass "
    "open_vault(passphrase=...) in Python, or run the command in a terminal to be asked for it"
)
JA_UNLOCK_HINT = (
    "保管庫のパスフレーズが必要です。環境変数 MYNA_VAULT_PASSPHRASE を設定するか、"
    "端末から実行して入力してください。"
)


#: the largest scrypt cost a key record may ask for (the default is 2**17, 128 MiB at r=8)
SCRYPT_MAX_N = 2**20
SCRYPT_MAX_MEMORY = 1024 * 1024 * 1024


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not a whole number")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a text field of the key record is not text")
    return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def passphrase_from_env() -> str | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None


# ------------------------------------------------------------------------------------ keyring
def _keyring_module() -> Any | None:
    try:
        import keyring
    except Exception:  # pragma: no cover - keyring is a dependency, but be robust
        return None
    return keyring


def keyring_usable() -> bool:
    """True when the OS keyring has a real backend (not ``fail``/``null``)."""
    keyring = _keyring_module()
    if keyring is None:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    if module.startswith("keyring.backends.chainer"):
        return bool(getattr(backend, "backends", None))
    try:
        return float(getattr(backend, "priority", 1)) > 0
    except Exception:
        return True


def keyring_get(username: str) -> bytes | None:
    keyring = _keyring_module()
    if keyring is None:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, username)
    except Exception:
        return None
    if not value:
        return None
    try:
        key = unb64(value)
    except Exception:
        return None
    return key if len(key) == crypto.KEY_BYTES else None


def keyring_set(username: str, key: bytes) -> None:
    keyring = _keyring_module()
    if keyring is None:
        raise VaultLocked("The keyring package is not available", hint=HOW_TO_UNLOCK)
    try:
        keyring.set_password(KEYRING_SERVICE, username, b64(key))
    except Exception as exc:
        raise VaultLocked(
            f"The OS keyring refused to store the vault key ({type(exc).__name__})",
            hint=HOW_TO_UNLOCK,
            ja=JA_UNLOCK_HINT,
        ) from None


def keyring_delete(username: str) -> None:
    keyring = _keyring_module()
    if keyring is None:
        return
    try:
        keyring.delete_password(KEYRING_SERVICE, username)
    except Exception:  # already gone, or no backend: nothing to delete
        return


# --------------------------------------------------------------------------------------- wraps
@dataclass(frozen=True)
class PassphraseWrap:
    salt: bytes
    n: int
    r: int
    p: int
    wrapped: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "kdf": "scrypt",
                "salt": b64(self.salt),
                "n": self.n,
                "r": self.r,
                "p": self.p,
                "wrapped": b64(self.wrapped),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PassphraseWrap:
        """The wrap recorded in the vault; ValueError when it is not one mynalib writes (the
        scrypt cost outside what mynalib ever uses: a changed record would otherwise make the
        unlock fail obscurely, or take minutes and gigabytes)."""
        d = json.loads(text)
        if not isinstance(d, dict) or d.get("kdf", "scrypt") != "scrypt":
            raise ValueError("not a scrypt key record")
        n, r, p = (_whole(d[k], k) for k in ("n", "r", "p"))
        if n < 2**10 or n > SCRYPT_MAX_N or n & (n - 1):
            raise ValueError(f"scrypt n={n} is not a power of two from 2**10 to 2**20")
        if not 1 <= r <= 16 or not 1 <= p <= 4 or 128 * r * n * p > SCRYPT_MAX_MEMORY:
            raise ValueError(f"scrypt r={r}, p={p} are outside what mynalib uses")
        salt, wrapped = unb64(_text(d["salt"])), unb64(_text(d["wrapped"]))
        if len(salt) < 16 or len(wrapped) != crypto.NONCE_BYTES + crypto.KEY_BYTES + 16:
            raise ValueError("the salt or the wrapped key has the wrong length")
        return cls(salt, n, r, p, wrapped)

    @classmethod
    def create(cls, passphrase: str, data_key: bytes, vault_id: str) -> PassphraseWrap:
        if not passphrase:
            raise VaultLocked("An empty passphrase cannot protect a vault", hint=HOW_TO_UNLOCK)
        salt = os.urandom(16)
        n, r, p = crypto.SCRYPT_N, crypto.SCRYPT_R, crypto.SCRYPT_P
        kek = crypto.passphrase_kek(passphrase, salt, n, r, p)
        return cls(salt, n, r, p, crypto.wrap_key(kek, data_key, "passphrase", vault_id))

    def unwrap(self, passphrase: str, vault_id: str) -> bytes | None:
        kek = crypto.passphrase_kek(passphrase, self.salt, self.n, self.r, self.p)
        return crypto.unwrap_key(kek, self.wrapped, "passphrase", vault_id)


@dataclass(frozen=True)
class KeyringWrap:
    service: str
    username: str
    wrapped: bytes

    def to_json(self) -> str:
        return json.dumps(
            {"service": self.service, "username": self.username, "wrapped": b64(self.wrapped)}
        )

    @classmethod
    def from_json(cls, text: str) -> KeyringWrap:
        d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError("not a keyring key record")
        return cls(_text(d["service"]), _text(d["username"]), unb64(_text(d["wrapped"])))

    @classmethod
    def create(cls, data_key: bytes, vault_id: str) -> KeyringWrap:
        kek = crypto.random_key()
        keyring_set(vault_id, kek)
        return cls(KEYRING_SERVICE, vault_id, crypto.wrap_key(kek, data_key, "keyring", vault_id))

    def unwrap(self, vault_id: str) -> bytes | None:
        kek = keyring_get(self.username)
        if kek is None:
            return None
        return crypto.unwrap_key(kek, self.wrapped, "keyring", vault_id)
