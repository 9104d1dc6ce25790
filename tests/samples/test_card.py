"""mynalib.samples.card: the one place a sample member's software card is made."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mynalib.samples import HOUSEHOLD
from mynalib.samples.card import sample_card_profile, sample_card_seed

ROOT = Path(__file__).resolve().parents[2]


def test_sample_card_is_the_members_card_with_seed_sample_id() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from mynalib.card.virtual import CardProfile

    for member in HOUSEHOLD:
        assert sample_card_seed(member.id) == f"sample-{member.id}"
        card = sample_card_profile(member.id)
        by_hand = CardProfile.generate(seed=f"sample-{member.id}", holder=member)
        assert card.auth_certificate.public_bytes(Encoding.DER) == (
            by_hand.auth_certificate.public_bytes(Encoding.DER)
        )
    with pytest.raises(KeyError):
        sample_card_profile("nobody")


def test_the_sandbox_knows_every_sample_card() -> None:
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    from mynalib.portal.sandbox.app import member_fingerprints

    known = member_fingerprints()
    for member in HOUSEHOLD:
        der = sample_card_profile(member.id).auth_certificate.public_bytes(Encoding.DER)
        assert known[hashlib.sha256(der).hexdigest()] == member.id


def test_the_sample_card_convention_is_written_once() -> None:
    """``sample-<id>`` seeds are made by mynalib.samples.card only, nowhere by hand."""
    pattern = re.compile(r"""f["']sample-\{""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("mynalib", "tests", "benchmarks", "scripts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "mynalib" / "samples" / "card.py" and path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
