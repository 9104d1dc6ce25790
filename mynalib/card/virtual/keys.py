"""Deterministic RSA keys from a seed (test-only): HMAC-SHA256 DRBG + Miller-Rabin.

The same seed always gives the same key, so software-card profiles are reproducible. Deriving a
key searches for primes in pure Python (about half a second per key, several seconds on a busy
machine), so the keys of every seed the product itself uses (the test CAs, the test 券面事項入力補助
issuer, the sample household's cards and the built-in ``--virtual`` card) are shipped as data in
``mynalib/data/test_keys/`` (TEST ONLY, made by ``scripts/make_test_keys.py`` with this very
derivation, so they are the same keys as before). Any other seed is derived at run time. Keys are
cached per (seed, bits) for the life of the process.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ...paths import package_data

#: shipped keys: ``{"keys": {"<bits>|<seed>": base64 DER PKCS#8}}``
SHIPPED_KEYS_FILE = package_data("test_keys", "rsa_test_keys.json")


class HmacDrbg:
    """HMAC_DRBG with SHA-256 (NIST SP 800-90A, no reseeding, no personalisation)."""

    def __init__(self, seed: bytes):
        self._k = b"\x00" * 32
        self._v = b"\x01" * 32
        self._update(seed)

    def _update(self, data: bytes = b"") -> None:
        self._k = hmac.new(self._k, self._v + b"\x00" + data, hashlib.sha256).digest()
        self._v = hmac.new(self._k, self._v, hashlib.sha256).digest()
        if data:
            self._k = hmac.new(self._k, self._v + b"\x01" + data, hashlib.sha256).digest()
            self._v = hmac.new(self._k, self._v, hashlib.sha256).digest()

    def generate(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self._v = hmac.new(self._k, self._v, hashlib.sha256).digest()
            out += self._v
        self._update()
        return out[:n]

    def randbelow(self, upper: int) -> int:
        """Uniform integer in [0, upper)."""
        nbytes = (upper.bit_length() + 7) // 8 + 8
        return int.from_bytes(self.generate(nbytes), "big") % upper


_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def _is_probable_prime(n: int, drbg: HmacDrbg, rounds: int = 40) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d = n - 1
    s = 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + drbg.randbelow(n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(drbg: HmacDrbg, bits: int, e: int) -> int:
    while True:
        candidate = int.from_bytes(drbg.generate(bits // 8), "big")
        candidate |= (1 << (bits - 1)) | (1 << (bits - 2)) | 1  # top two bits: n has full size
        # step through odd numbers from the candidate (sieve by small primes first)
        for offset in range(0, 4000, 2):
            c = candidate + offset
            if any(c % p == 0 for p in _SMALL_PRIMES):
                continue
            if (c - 1) % e == 0:
                continue
            if _is_probable_prime(c, drbg, rounds=1) and _is_probable_prime(c, drbg):
                return c


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, str]:
    try:
        table = json.loads(SHIPPED_KEYS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:  # a checkout without the data file: derive everything
        return {}
    return dict(table["keys"])


def shipped_key_names() -> set[str]:
    """``"<bits>|<seed>"`` of every shipped key."""
    return set(_shipped())


@functools.lru_cache(maxsize=64)
def deterministic_rsa_key(seed: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key (e = 65537) derived only from ``seed``. Test use only.

    Shipped seeds are read from the data file (milliseconds); others are derived."""
    der = _shipped().get(f"{bits}|{seed}")
    if der is not None:
        key = serialization.load_der_private_key(
            base64.b64decode(der), password=None, unsafe_skip_rsa_key_validation=True
        )
        if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - our own data file
            raise TypeError(f"shipped test key {seed!r} is not an RSA key")
        return key
    return derive_rsa_key(seed, bits)


def derive_rsa_key(seed: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """The derivation itself (HMAC-DRBG prime search): what the shipped keys were made with."""
    e = 65537
    drbg = HmacDrbg(b"mynalib-test-rsa|" + seed.encode("utf-8") + b"|" + str(bits).encode())
    while True:
        p = _prime(drbg, bits // 2, e)
        q = _prime(drbg, bits // 2, e)
        if p == q:
            continue
        if p < q:
            p, q = q, p
        n = p * q
        if n.bit_length() != bits:
            continue
        phi = (p - 1) * (q - 1)
        d = pow(e, -1, phi)
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=rsa.rsa_crt_dmp1(d, p),
            dmq1=rsa.rsa_crt_dmq1(d, q),
            iqmp=rsa.rsa_crt_iqmp(p, q),
            public_numbers=rsa.RSAPublicNumbers(e, n),
        )
        return numbers.private_key()
