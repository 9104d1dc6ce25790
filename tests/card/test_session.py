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


# ------------------------------------------------ the session's rules, on the session itself
def _bare(vc: object, transport: object = None):  # type: ignore[no-untyped-def]
    from mynalib.card.kenhojo import KenhojoApplet
    from mynalib.card.session import CardSession
    from mynalib.card.virtual import InProcessTransport

    session = CardSession(transport or InProcessTransport(vc))  # type: ignore[arg-type]
    return session, KenhojoApplet(session)


def test_session_refuses_before_sending(vcard) -> None:  # type: ignore[no-untyped-def]
    from mynalib.errors import PinFormatError, PinReuseError

    session, _ = _bare(vcard)
    with pytest.raises(ValueError, match="unknown PIN"):
        session.verify("auth", Pin("1234"))  # no applet told the session where it lives
    with pytest.raises(PinFormatError):
        session.verify("kenhojo", "1234")  # type: ignore[arg-type]
    with pytest.raises(PinFormatError):
        session.verify("kenhojo", Pin("ABC123", "sign"))
    failed = Pin("9999", "kenhojo")
    failed.mark_failed()
    with pytest.raises(PinReuseError):
        session.verify("kenhojo", failed)
    assert session.apdu_count == 0


def test_session_reuses_a_fresh_counter_and_checks_tries(vcard) -> None:  # type: ignore[no-untyped-def]
    session, applet = _bare(vcard)
    assert applet.tries_left() == 3
    before = session.apdu_count
    session.verify("kenhojo", Pin("1234", "kenhojo"))
    assert session.apdu_count == before + 1  # the counter just read is reused: VERIFY only
    vcard.profile.tries_left["kenhojo"] = 1
    with pytest.raises(LastTryRefused):
        session.verify("kenhojo", Pin("1234", "kenhojo"))
    assert vcard.profile.tries_left["kenhojo"] == 1  # nothing was sent
    vcard.profile.tries_left["kenhojo"] = 0
    with pytest.raises(PinBlocked):
        session.verify("kenhojo", Pin("1234", "kenhojo"), allow_last_try=True)


def test_session_marks_a_wrong_pin_failed(vcard) -> None:  # type: ignore[no-untyped-def]
    from mynalib.errors import PinError, PinReuseError

    session, _ = _bare(vcard)
    wrong = Pin("9999", "kenhojo")
    with pytest.raises(PinError) as info:
        session.verify("kenhojo", wrong)
    assert info.value.tries_left == 2
    with pytest.raises(PinReuseError):
        session.verify("kenhojo", wrong)
    assert vcard.profile.tries_left["kenhojo"] == 2  # not sent a second time


def test_session_does_not_retry_after_a_transport_error(vcard) -> None:  # type: ignore[no-untyped-def]
    from mynalib.card.virtual import InProcessTransport
    from mynalib.errors import CardError

    class Flaky(InProcessTransport):
        def __init__(self, card: object) -> None:
            super().__init__(card)  # type: ignore[arg-type]
            self.sent: list[bytes] = []
            self.failed = False

        def transmit(self, apdu: bytes) -> tuple[bytes, int]:
            self.sent.append(apdu)
            if apdu[1] == 0x20 and len(apdu) > 4 and not self.failed:
                self.failed = True
                raise CardError("link lost")
            return super().transmit(apdu)

    transport = Flaky(vcard)
    session, _ = _bare(vcard, transport)
    with pytest.raises(CardError, match="Tries left now: 3"):
        session.verify("kenhojo", Pin("1234", "kenhojo"))
    assert len([a for a in transport.sent if a[1] == 0x20 and len(a) > 4]) == 1
    assert len([a for a in transport.sent if a[1] == 0x20 and len(a) == 4]) == 2


def test_kenhojo_applet_reads_over_a_bare_session(vcard) -> None:  # type: ignore[no-untyped-def]
    from mynalib.card.kenhojo import read_kenhojo

    session, applet = _bare(vcard)
    info = applet.read(Pin("1234", "kenhojo"))
    assert info.integrity.my_number_hash_ok and info.integrity.attributes_hash_ok
    assert info.my_number.endswith(vcard.profile.holder.my_number[-4:])
    assert info.my_number != vcard.profile.holder.my_number  # masked by default
    again = read_kenhojo(session, Pin("1234", "kenhojo"), full_number=True)
    assert again.my_number == vcard.profile.holder.my_number
    assert again.name == info.name


def test_kenhojo_and_session_import_nothing_from_jpki() -> None:
    """The applets sit over the session: neither the session nor kenhojo refers to jpki."""
    from tests.test_architecture import imports_of

    for module in ("mynalib.card.session", "mynalib.card.kenhojo"):
        found = imports_of(module, typing=True)
        assert "mynalib.card.jpki" not in found, module
        assert "mynalib.card" not in found, module  # not through the package's re-exports


class _NoApplets:
    """A card that has no applet at all: every SELECT answers 6A82."""

    name = "no applets"

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        return b"", SW.NOT_FOUND

    def reset(self) -> None: ...

    def close(self) -> None: ...


def test_the_kenhojo_applet_is_selected_through_its_own_object() -> None:
    """``myna doctor``'s probe selects the 券面事項入力補助 applet through the applet object."""
    from mynalib.card import open_card
    from mynalib.card.kenhojo import AID_KENHOJO as KENHOJO_AID
    from mynalib.card.kenhojo import KenhojoApplet
    from mynalib.card.session import CardSession
    from mynalib.errors import AppletNotFound

    with open_card("virtual") as card:
        before = card.apdu_count
        card.kenhojo_applet.select()
        assert card.apdu_count == before + 1
        card.kenhojo_applet.select()  # already selected: nothing sent
        assert card.apdu_count == before + 1
        assert card.session.applet == KENHOJO_AID
    with pytest.raises(AppletNotFound):
        session = CardSession(_NoApplets())
        KenhojoApplet(session).select()
