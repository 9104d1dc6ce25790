"""The PIN table (mynalib.pins): each kind's format at its boundaries, and that the code reads it."""

from __future__ import annotations

import pytest

from mynalib import errors, pins, secrets
from mynalib.errors import PinBlocked, PinFormatError
from mynalib.secrets import Pin

ACCEPTED = {
    "auth": ["0000", "1234", "9999", " 1234 "],
    "kenhojo": ["0000", "4321"],
    "sign": ["ABC123", "abc123", "A" * 16, "0" * 6, "Z9Z9Z9Z9Z9Z9Z9Z9"],
}
REFUSED = {
    "auth": ["", "123", "12345", "12a4", "１２３４", "12 34"],
    "kenhojo": ["", "123", "12345", "abcd"],
    "sign": ["", "ABC12", "A" * 17, "ABC-123", "ABC 123", "ÄBC123"],
}


@pytest.mark.parametrize("kind", sorted(pins.PINS))
def test_each_kind_accepts_its_format_at_the_boundaries(kind: str) -> None:
    rule = pins.spec(kind)
    for value in ACCEPTED[kind]:
        assert rule.accepts(value), value
        pin = Pin(value, kind)  # type: ignore[arg-type]
        assert pin.reveal() == rule.normalise(value).encode("ascii")
    for value in REFUSED[kind]:
        assert not rule.accepts(value), value
        with pytest.raises(PinFormatError) as info:
            Pin(value, kind)  # type: ignore[arg-type]
        assert rule.format_en in str(info.value)


def test_the_signing_password_is_upper_cased_before_it_is_checked() -> None:
    assert Pin("abc123", "sign").reveal() == b"ABC123"
    assert pins.spec("sign").upper and not pins.spec("auth").upper


def test_tries_follow_docs_card_md() -> None:
    assert {k: p.max_tries for k, p in pins.PINS.items()} == {"auth": 3, "sign": 5, "kenhojo": 3}


def test_unknown_kind() -> None:
    with pytest.raises(ValueError):
        pins.spec("puk")
    with pytest.raises(ValueError):
        Pin("1234", "puk")  # type: ignore[arg-type]


def test_blocked_guidance_comes_from_the_table() -> None:
    for kind, rule in pins.PINS.items():
        exc = PinBlocked(kind)
        assert str(exc).startswith(rule.blocked_en)
        assert exc.ja == rule.blocked_ja
    # only the municipal office resets the 券面事項入力補助 PIN; the other two also at kiosks
    assert "コンビニ" not in pins.spec("kenhojo").blocked_ja
    assert all("コンビニ" in pins.spec(k).blocked_ja for k in ("auth", "sign"))


def test_the_old_names_read_the_table() -> None:
    from mynalib.card import jpki
    from mynalib.card.virtual import profile
    from mynalib.commands import card as card_cmd

    assert errors.PIN_BLOCKED_GUIDANCE is pins.PIN_BLOCKED_GUIDANCE
    assert secrets.PIN_LABELS_JA is pins.PIN_LABELS_JA
    assert secrets.PinKind is pins.PinKind
    assert {k: r[1] for k, r in secrets.PIN_RULES.items()} == {
        k: p.format_en for k, p in pins.PINS.items()
    }
    assert jpki.MAX_TRIES is pins.MAX_TRIES and jpki.PIN_NAMES is pins.PIN_NAMES
    assert profile.MAX_TRIES == pins.MAX_TRIES
    assert card_cmd.PIN_TITLES is pins.PIN_TITLES
