"""The one pre-PIN check (mynalib.card.session) and the SW enum everywhere in the card layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mynalib import pins
from mynalib.card.apdu import SW
from mynalib.card.session import check_tries, tries_from_counter_sw
from mynalib.errors import LastTryRefused, PinBlocked
from mynalib.secrets import Pin

CARD = Path(__file__).resolve().parents[2] / "mynalib" / "card"


@pytest.mark.parametrize("which", sorted(pins.PINS))
def test_last_try_refused_unless_allowed_and_zero_always(which: str) -> None:
    maximum = pins.spec(which).max_tries
    for tries in range(2, maximum + 1):
        assert check_tries(which, tries, False) == tries
    with pytest.raises(LastTryRefused) as info:
        check_tries(which, 1, False)
    assert info.value.tries_left == 1 and info.value.which == which
    assert "--i-understand-last-try" in (info.value.hint or "")
    assert "残り1回" in info.value.ja
    assert check_tries(which, 1, True) == 1
    for allow in (False, True):
        with pytest.raises(PinBlocked) as blocked:
            check_tries(which, 0, allow)
        assert blocked.value.ja == pins.spec(which).blocked_ja


def test_counter_status_words() -> None:
    assert tries_from_counter_sw("auth", 0x63C2) == 2
    assert tries_from_counter_sw("sign", 0x63C0) == 0
    assert tries_from_counter_sw("sign", SW.PIN_BLOCKED) == 0
    assert tries_from_counter_sw("sign", SW.OK) == 5
    assert tries_from_counter_sw("auth", SW.NOT_FOUND) is None


def test_the_commands_refuse_the_last_try_through_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`_pre_pin_checks` (myna card/sign/apply) asks the session: nothing else decides."""
    from mynalib.commands import card as card_cmd

    class Card:
        def tries_left(self, which: str) -> int:
            return 1

    with pytest.raises(LastTryRefused):
        card_cmd._pre_pin_checks(Card(), "kenhojo", False)  # type: ignore[arg-type]
    assert card_cmd._pre_pin_checks(Card(), "kenhojo", True) == 1  # type: ignore[arg-type]


def test_kenhojo_goes_through_the_same_check(session) -> None:  # type: ignore[no-untyped-def]
    card, vc = session
    vc.profile.tries_left["kenhojo"] = 1
    with pytest.raises(LastTryRefused):
        card.kenhojo(Pin("1234", "kenhojo"))
    assert vc.profile.tries_left["kenhojo"] == 1  # nothing was sent


def test_no_raw_status_word_literals_in_the_card_layer() -> None:
    """Status words are compared and answered as ``SW`` members; only the enum spells them."""
    raw = re.compile(r"\b0x(9000|63C[0-9A-F]|6[7ABDE][0-9A-F]{2}|69[0-9A-F]{2})\b")
    found = []
    for path in CARD.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "apdu.py":  # the enum itself
            start = text.index("class SW(")
            text = text[:start] + text[text.index("    @property", start) :]
        for line in text.splitlines():
            if raw.search(line):
                found.append(f"{path.relative_to(CARD)}: {line.strip()}")
    assert found == []
