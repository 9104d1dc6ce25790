"""Cryptographic building blocks of the vault (AES-256-GCM, HKDF, HMAC, scrypt).

One random 256-bit *data key* protects a vault. It is never stored in clear: it is wrapped
(AES-256-GCM) by a key-encryption key that comes from the OS keyring or from a passphrase through
scrypt. Purpose-specific subkeys are derived from the data key with HKDF-SHA256, so the key that
encrypts documents is not the key that computes their identity (an HMAC) or the lookup tags.

Every ciphertext is ``nonce (12 bytes) || AES-GCM(ciphertext + tag)``; its associated data names
the table, the purpose, the row id and (for documents) the kind, so a ciphertext moved to another
row, table or purpose fails to decrypt (:class:`~mynalib.errors.VaultCorrupt`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import VaultCorrupt

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT = b"mynalib-vault/1"

#: scrypt cost for new vaults: N=2**17, r=8, p=1 (about 0.3 s and 128 MiB on a small machine)
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


def aad(*parts: str | int | bytes) -> bytes:
    """Associated data: an unambiguous encoding of the parts (length-prefixed)."""
    out = [FORMAT]
    for part in parts:
        if type(part) is str:  # labels and kinds: few, and encoded for every stored row
            out.append(_text_field(part))
        else:
            raw = part if isinstance(part, bytes) else str(part).encode("utf-8")
            out.append(b"|" + len(raw).to_bytes(4, "big"))
            out.append(raw)
    return b"".join(out)


@functools.lru_cache(maxsize=256)
def _text_field(part: str) -> bytes:
    raw = part.encode("utf-8")
    return b"|" + len(raw).to_bytes(4, "big") + raw


class Cipher:
    """AES-256-GCM with a random 96-bit nonce per message."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Cipher(<key hidden>)"

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated)

    def open(self, blob: bytes, associated: bytes, *, what: str = "a vault record") -> bytes:
        if not isinstance(blob, bytes) or len(blob) < NONCE_BYTES + 16:
            raise VaultCorrupt(
                f"{what} is truncated",
                hint="the vault file was damaged or modified outside mynalib; restore a backup",
            )
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
        except InvalidTag:
            raise VaultCorrupt(
                f"{what} does not authenticate (changed, damaged or moved to another row)",
                hint="the vault file was modified outside mynalib; restore a backup",
            ) from None


def hkdf(key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=FORMAT + b"/" + purpose.encode()
    ).derive(key)


def keyed_hash(key: bytes, *parts: bytes) -> bytes:
    """HMAC-SHA256 over the concatenation of ``parts``."""
    if len(parts) == 1:
        return hmac.digest(key, parts[0], "sha256")
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.digest()


@dataclass(frozen=True)
class SubKeys:
    """Keys derived from the data key, one per purpose."""

    documents: Cipher  # document bodies and headers
    records: Cipher  # secrets, state, audit entries
    identity: bytes  # HMAC key: document identity (dedup) without revealing equal files
    index: bytes  # HMAC key: lookup tags for kind / person / names
    audit: bytes  # HMAC key: the audit log's hash chain
    _tags: dict[tuple[str, str], bytes] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return "SubKeys(<hidden>)"

    @classmethod
    def derive(cls, data_key: bytes) -> SubKeys:
        return cls(
            documents=Cipher(hkdf(data_key, "documents")),
            records=Cipher(hkdf(data_key, "records")),
            identity=hkdf(data_key, "identity"),
            index=hkdf(data_key, "index"),
            audit=hkdf(data_key, "audit"),
        )

    def tag(self, namespace: str, value: str) -> bytes:
        """A 16-byte keyed tag for equality lookups (kind, person, secret names...)."""
        cache = self._tags
        hit = cache.get((namespace, value))
        if hit is None:
            msg = namespace.encode() + b"\x00" + value.encode("utf-8")
            hit = hmac.digest(self.index, msg, "sha256")[:16]
            if len(cache) > 4096:
                cache.clear()
            cache[(namespace, value)] = hit
        return hit

    def identity_of(self, data: bytes) -> bytes:
        mac = hmac.new(self.identity, b"document\x00", digestmod=hashlib.sha256)
        mac.update(data)
        return mac.digest()


# ------------------------------------------------------------------------------- passphrase KEK
_KDF_CACHE: dict[bytes, bytes] = {}
_KDF_LOCK = threading.Lock()


def passphrase_kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """scrypt(passphrase, salt) -> 32-byte key-encryption key.

    Derivations are memoised per process (keyed by a hash of all inputs) so that reopening the same
    vault in one process does not pay the scrypt cost again.
    """
    secret = passphrase.encode("utf-8")
    cache_key = hashlib.sha256(
        b"%d/%d/%d/" % (n, r, p) + len(salt).to_bytes(2, "big") + salt + secret
    ).digest()
    with _KDF_LOCK:
        hit = _KDF_CACHE.get(cache_key)
    if hit is not None:
        return hit
    kek = Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(secret)
    with _KDF_LOCK:
        if len(_KDF_CACHE) > 32:
            _KDF_CACHE.clear()
        _KDF_CACHE[cache_key] = kek
    return kek


def wrap_key(kek: bytes, data_key: bytes, method: str, vault_id: str) -> bytes:
    return Cipher(kek).seal(data_key, aad("wrap", method, vault_id))


def unwrap_key(kek: bytes, wrapped: bytes, method: str, vault_id: str) -> bytes | None:
    """The data key, or None when ``kek`` is the wrong key (never garbage)."""
    try:
        return Cipher(kek).open(wrapped, aad("wrap", method, vault_id), what="the wrapped key")
    except VaultCorrupt:
        return None
