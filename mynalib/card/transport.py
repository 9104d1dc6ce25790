"""The one interface the card code talks through: send an APDU, get (data, SW) back.

Implementations: :class:`mynalib.card.pcsc.PcscTransport` (a real reader through pyscard) and
:class:`mynalib.card.virtual.InProcessTransport` (the software card, no PC/SC at all).
Both log raw traffic at the TRAFFIC level through :class:`LoggingTransport` (PIN bodies redacted).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..log import get_logger, traffic

log = get_logger("mynalib.card.traffic")


@runtime_checkable
class CardTransport(Protocol):
    """A connected card. ``transmit`` raises only :class:`~mynalib.errors.CardError` subclasses."""

    name: str

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send a command APDU; return (response data, status word)."""
        ...

    def reset(self) -> None:
        """Warm-reset the card (clears the card's verified PIN state)."""
        ...

    def close(self) -> None:
        """Release the card/reader."""
        ...


class LoggingTransport:
    """Wraps a transport: logs each exchange at TRAFFIC level and counts APDUs."""

    def __init__(self, inner: CardTransport):
        self.inner = inner
        self.name = inner.name
        self.apdu_count = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        traffic(log, ">>", apdu)
        self.apdu_count += 1
        data, sw = self.inner.transmit(apdu)
        traffic(log, "<<", data + sw.to_bytes(2, "big"))
        return data, sw

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()
