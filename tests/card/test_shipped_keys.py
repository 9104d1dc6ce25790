"""The shipped test keys are the derived ones, cover every seed the product uses, and make
issuing the sample cards need no prime search."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mynalib.card.virtual import keys
from mynalib.card.virtual import profile as profile_mod

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_test_keys", ROOT / "scripts/make_test_keys.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_every_seed_the_product_uses_is_shipped() -> None:
    seeds = _script().product_key_seeds()
    assert len(seeds) == len(set(seeds))
    assert {f"2048|{s}" for s in seeds} == keys.shipped_key_names()


@pytest.mark.slow
def test_shipped_keys_are_the_derived_keys() -> None:
    for name in sorted(keys.shipped_key_names()):
        bits, seed = name.split("|", 1)
        shipped = keys.deterministic_rsa_key.__wrapped__(seed, int(bits))
        derived = keys.derive_rsa_key(seed, int(bits))
        assert shipped.private_numbers() == derived.private_numbers(), seed


def test_an_unshipped_seed_is_derived(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = keys.derive_rsa_key
    monkeypatch.setattr(keys, "derive_rsa_key", lambda s, b=2048: calls.append(s) or real(s, b))
    key = keys.deterministic_rsa_key.__wrapped__("not shipped", 1024)
    assert calls == ["not shipped"]
    assert key.key_size == 1024


def test_sample_cards_are_issued_without_a_prime_search(monkeypatch: pytest.MonkeyPatch) -> None:
    from mynalib.card import DEFAULT_VIRTUAL_SEED
    from mynalib.samples import HOUSEHOLD
    from mynalib.samples.card import sample_card_profile

    def refuse(seed: str, bits: int = 2048):
        raise AssertionError(f"derived {seed!r} at run time")

    monkeypatch.setattr(keys, "derive_rsa_key", refuse)
    for cached in (
        keys.deterministic_rsa_key,
        profile_mod.test_ca_keys,
        profile_mod._test_ca_certs,
    ):
        cached.cache_clear()
    try:
        issued = [sample_card_profile(m.id) for m in HOUSEHOLD]
        issued.append(profile_mod.CardProfile.generate(DEFAULT_VIRTUAL_SEED, holder=HOUSEHOLD[0]))
    finally:
        for cached in (
            keys.deterministic_rsa_key,
            profile_mod.test_ca_keys,
            profile_mod._test_ca_certs,
        ):
            cached.cache_clear()
    publics = [_public(p.auth_key) for p in issued]
    assert len(set(publics)) == len(publics)  # every card its own key
