"""Maintainer tool: (re)writes mynalib/data/test_keys/rsa_test_keys.json.

The software card derives its RSA keys from a seed (``mynalib.card.virtual.keys``), a prime
search in pure Python that costs about half a second per key. The keys of every seed the product
itself uses are shipped instead, made here with that same derivation (so they are the very keys a
derivation gives): the test CAs, the test 券面事項入力補助 issuer, each sample household member's
card (seed ``sample-<id>``) and software スマホ用電子証明書 (seed ``smartphone-<id>``, with the
smartphone test CAs), the built-in ``--virtual`` card and the built-in smartphone certificate. They are TEST ONLY keys.

Run from the repository root:  .venv/bin/python scripts/make_test_keys.py
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402

from mynalib.card import DEFAULT_SMARTPHONE_SEED, DEFAULT_VIRTUAL_SEED  # noqa: E402
from mynalib.card.virtual import keys  # noqa: E402
from mynalib.card.virtual.profile import (  # noqa: E402
    SHARED_KEY_SEEDS,
    SMARTPHONE_CA_KEY_SEEDS,
    key_seeds,
)
from mynalib.samples.card import sample_card_seed, sample_smartphone_seed  # noqa: E402
from mynalib.samples.household import HOUSEHOLD  # noqa: E402


def product_key_seeds() -> list[str]:
    """Every key seed the product uses: shared keys, each member's sample card (``sample-<id>``,
    as the sandbox and the demo issue them) and the built-in card (the first member's)."""
    seeds = list(SHARED_KEY_SEEDS) + list(SMARTPHONE_CA_KEY_SEEDS)
    for member in HOUSEHOLD:
        seeds += key_seeds(sample_card_seed(member.id), member)
        seeds += key_seeds(sample_smartphone_seed(member.id), member)
    seeds += key_seeds(DEFAULT_VIRTUAL_SEED, HOUSEHOLD[0])
    seeds += key_seeds(DEFAULT_SMARTPHONE_SEED, HOUSEHOLD[0])
    return seeds


def main() -> int:
    table = {}
    for seed in product_key_seeds():
        key = keys.derive_rsa_key(seed)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        table[f"2048|{seed}"] = base64.b64encode(der).decode("ascii")
        print(f"derived {seed}", flush=True)
    body = {
        "note": "TEST ONLY software-card keys (JPKI-TEST); see scripts/make_test_keys.py",
        "keys": dict(sorted(table.items())),
    }
    keys.SHIPPED_KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
    keys.SHIPPED_KEYS_FILE.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(table)} keys to {keys.SHIPPED_KEYS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
