"""The PC/SC layer and the vpcd bridge against a real pcscd (started and stopped by the tests)."""

from __future__ import annotations

import time

import pytest

from mynalib.card import open_card
from mynalib.card.pcsc import PcscTransport, list_readers, reader_states
from mynalib.card.virtual import VirtualCard
from mynalib.card.virtual.vpcd import CTRL_ATR, VpcdBridge
from mynalib.errors import CardRemoved, ReaderNotFound
from mynalib.secrets import Pin
from tests.pcsc_stack import (
    PcscStack,
)

pytestmark = pytest.mark.pcsc


def test_readers_and_errors(pcsc_module_stack: PcscStack) -> None:
    stack = pcsc_module_stack
    assert stack.reader in list_readers()
    state = next(s for s in reader_states() if s.name == stack.reader)
    assert state.card_present and state.atr == stack.card.atr  # type: ignore[attr-defined]
    with pytest.raises(ReaderNotFound, match="No reader named"):
        open_card("No Such Reader 00 00")
    # the second vpcd slot exists but holds no card
    empty = [s.name for s in reader_states() if not s.card_present]
    if empty:
        with pytest.raises(CardRemoved):
            open_card(empty[0])


def test_exclusive_then_shared_fallback(pcsc_module_stack: PcscStack) -> None:
    first = PcscTransport(pcsc_module_stack.reader, exclusive=False)
    try:
        second = PcscTransport(pcsc_module_stack.reader)  # exclusive refused -> shared
        try:
            assert not second.exclusive
            data, sw = second.transmit(bytes.fromhex("00A4040C0AD392F000260100000001"))
            assert sw == 0x9000 and data == b""
        finally:
            second.close()
    finally:
        first.close()
    alone = PcscTransport(pcsc_module_stack.reader)
    try:
        assert alone.exclusive
    finally:
        alone.close()


def test_session_close_resets_the_card(pcsc_module_stack: PcscStack) -> None:
    vc = pcsc_module_stack.card
    assert isinstance(vc, VirtualCard)
    vc.profile.reset()
    with open_card(pcsc_module_stack.reader) as card:
        card.verify("auth", Pin("1234"))
        assert "auth" in vc.verified
    deadline = time.monotonic() + 30  # returns as soon as the reset arrived
    while "auth" in vc.verified and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "auth" not in vc.verified  # SCardDisconnect(RESET) reached the card as a reset
    bridge = pcsc_module_stack.bridge
    assert isinstance(bridge, VpcdBridge)
    assert bridge.controls[CTRL_ATR] >= 1
