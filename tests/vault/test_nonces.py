"""AES-GCM nonces: random, each used once, never shared with a forked child.

Nonces come from the OS random source a few kilobytes at a time (a system call per message is
slow in a VM). The same nonce under the same key breaks AES-GCM, so the pool must never hand out
a nonce twice, also across a fork (the child starts from an empty pool).
"""

from __future__ import annotations

import os
import sys

import pytest

from mynalib.vault import crypto


def _nonce(blob: bytes) -> bytes:
    return blob[: crypto.NONCE_BYTES]


def test_nonces_are_never_repeated_across_refills() -> None:
    cipher = crypto.Cipher(crypto.random_key())
    n = crypto._Nonces.BATCH * 5 + 7  # several refills of the pool
    nonces = [_nonce(cipher.seal(b"x", b"aad")) for _ in range(n)]
    assert len(set(nonces)) == n
    assert all(len(x) == crypto.NONCE_BYTES for x in nonces)
    # and every message still opens with its own nonce
    blob = cipher.seal(b"secret", b"aad")
    assert cipher.open(blob, b"aad") == b"secret"


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork")
def test_a_forked_child_never_hands_out_its_parents_nonces() -> None:
    pool = crypto._NONCES
    pool.take()  # the parent's pool is filled: the next nonces sit in memory
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: take some nonces and hand them to the parent
        try:
            os.write(write, b"".join(pool.take() for _ in range(8)))
        finally:
            os._exit(0)
    os.close(write)
    child = b""
    while chunk := os.read(read, 4096):
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    parent = b"".join(pool.take() for _ in range(8))
    size = crypto.NONCE_BYTES
    child_nonces = {child[i : i + size] for i in range(0, len(child), size)}
    parent_nonces = {parent[i : i + size] for i in range(0, len(parent), size)}
    assert len(child_nonces) == 8 and len(parent_nonces) == 8
    assert child_nonces.isdisjoint(parent_nonces)


def test_a_changed_process_id_empties_the_pool() -> None:
    pool = crypto._Nonces()
    pool.take()
    upcoming = pool._pool[pool._at : pool._at + crypto.NONCE_BYTES]
    pool._pid = -1  # as if this were another process (a fork that skipped the fork handlers)
    assert pool.take() != upcoming
    assert pool._pid == os.getpid()
