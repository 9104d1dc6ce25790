"""The software My Number card (test-only certificates) and its in-process transport.

``CardProfile`` holds what a card holds (generated deterministically from a seed);
``VirtualCard`` answers APDUs like the real card; ``InProcessTransport`` connects it to
:class:`mynalib.card.jpki.JpkiCard` without PC/SC; :mod:`.vpcd` attaches it to a real pcscd.
"""

from __future__ import annotations

from .card import AID_JPKI, AID_JUKI, AID_KENHOJO, AID_KENKAKU, ATR, VirtualCard
from .profile import (
    DEFAULT_PINS,
    MAX_TRIES,
    CardProfile,
    test_ca_certificates,
    test_ca_keys,
    test_kenhojo_issuer_key,
    test_smartphone_ca_certificates,
)


class InProcessTransport:
    """A :class:`~mynalib.card.transport.CardTransport` straight to a :class:`VirtualCard`."""

    def __init__(self, card: VirtualCard, name: str = "virtual"):
        self.card = card
        self.name = name
        card.power_on()

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        response = self.card.process(bytes(apdu))
        return response[:-2], int.from_bytes(response[-2:], "big")

    def reset(self) -> None:
        self.card.reset()

    def close(self) -> None:
        self.card.power_off()


__all__ = [
    "AID_JPKI",
    "AID_JUKI",
    "AID_KENHOJO",
    "AID_KENKAKU",
    "ATR",
    "DEFAULT_PINS",
    "MAX_TRIES",
    "CardProfile",
    "InProcessTransport",
    "VirtualCard",
    "test_ca_certificates",
    "test_ca_keys",
    "test_kenhojo_issuer_key",
    "test_smartphone_ca_certificates",
]
