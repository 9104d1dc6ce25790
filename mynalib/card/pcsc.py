"""PC/SC through pyscard — the only module that imports pyscard.

Lists readers, waits for a card, connects exclusively (falling back to shared when another
program holds the card), transmits APDUs. Every PC/SC failure becomes one of mynalib's errors
(:class:`PcscUnavailable`, :class:`ReaderNotFound`, :class:`CardRemoved`, :class:`CardError`);
no pyscard type or exception leaves this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import CardError, CardRemoved, PcscUnavailable, ReaderNotFound
from ..log import get_logger

log = get_logger("mynalib.card.pcsc")


def _scard() -> Any:
    try:
        from smartcard import scard
    except ImportError:
        raise PcscUnavailable(
            "pyscard is not installed, so mynalib cannot talk to card readers",
            hint='install it with `pip install "mynalib[pcsc]"` (needs gcc and libpcsclite-dev '
            "on Linux) or from conda-forge",
        ) from None
    return scard


def _message(scard: Any, code: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(code)).strip()
    except Exception:  # pragma: no cover - defensive: never let pyscard leak
        return f"PC/SC error 0x{code & 0xFFFFFFFF:08X}"


def _raise(scard: Any, code: int, what: str, reader: str | None = None) -> None:
    """Map a PC/SC return code to a mynalib error."""
    code &= 0xFFFFFFFF
    text = _message(scard, code)
    if code in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
        raise PcscUnavailable(f"The PC/SC service is not running ({what}: {text})")
    if code in (scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_UNKNOWN_READER):
        raise ReaderNotFound(
            f"No card reader{'' if reader is None else f' named {reader!r}'} ({text})",
            hint="connect the reader, check `myna doctor`, or pass --reader with a listed name",
        )
    if code == scard.SCARD_E_READER_UNAVAILABLE:
        raise ReaderNotFound(
            f"The reader {reader!r} is no longer available ({text})",
            hint="reconnect the reader and try again",
        )
    if code in (
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_W_UNPOWERED_CARD,
        scard.SCARD_W_UNRESPONSIVE_CARD,
    ):
        raise CardRemoved(
            f"No card, or the card was removed or reset ({what}: {text})",
            hint="put the card on the reader and keep it there until the command finishes",
        )
    if code == scard.SCARD_E_TIMEOUT:
        raise CardRemoved(f"No card appeared in time ({what})", hint="put the card on the reader")
    raise CardError(f"PC/SC error during {what}: {text}", hint="check the reader and try again")


class _Context:
    def __init__(self) -> None:
        self.scard = _scard()
        rc, ctx = self.scard.SCardEstablishContext(self.scard.SCARD_SCOPE_USER)
        if rc != self.scard.SCARD_S_SUCCESS:
            _raise(self.scard, rc, "connecting to the PC/SC service")
        self.handle = ctx

    def release(self) -> None:
        if self.handle is not None:
            try:
                self.scard.SCardReleaseContext(self.handle)
            finally:
                self.handle = None


def list_readers() -> list[str]:
    """Names of the connected readers (empty list when none)."""
    ctx = _Context()
    try:
        rc, readers = ctx.scard.SCardListReaders(ctx.handle, [])
        if rc == ctx.scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rc != ctx.scard.SCARD_S_SUCCESS:
            _raise(ctx.scard, rc, "listing readers")
        return [str(r) for r in readers]
    finally:
        ctx.release()


@dataclass(frozen=True)
class ReaderState:
    name: str
    card_present: bool
    atr: bytes
    in_use: bool


def reader_states() -> list[ReaderState]:
    """For each reader: is a card present, its ATR (informational only), is it in use."""
    ctx = _Context()
    try:
        sc = ctx.scard
        rc, readers = sc.SCardListReaders(ctx.handle, [])
        if rc == sc.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rc != sc.SCARD_S_SUCCESS:
            _raise(sc, rc, "listing readers")
        rc, states = sc.SCardGetStatusChange(
            ctx.handle, 0, [(r, sc.SCARD_STATE_UNAWARE) for r in readers]
        )
        if rc not in (sc.SCARD_S_SUCCESS, sc.SCARD_E_TIMEOUT):
            _raise(sc, rc, "reading reader states")
        return [
            ReaderState(
                name=str(name),
                card_present=bool(state & sc.SCARD_STATE_PRESENT),
                atr=bytes(atr or b""),
                in_use=bool(state & (sc.SCARD_STATE_INUSE | sc.SCARD_STATE_EXCLUSIVE)),
            )
            for name, state, atr in states
        ]
    finally:
        ctx.release()


def wait_for_card(reader: str | None = None, timeout: float = 10.0) -> str:
    """Wait up to ``timeout`` seconds for a card; return the name of the reader holding it."""
    deadline = time.monotonic() + timeout
    while True:
        states = reader_states()
        if reader is not None:
            states = [s for s in states if s.name == reader]
            if not states:
                raise ReaderNotFound(
                    f"No reader named {reader!r}",
                    hint="run `myna doctor` to list the readers",
                )
        elif not states:
            raise ReaderNotFound(
                "No card reader is connected", hint="connect a PC/SC reader and try again"
            )
        for s in states:
            if s.card_present:
                return s.name
        if time.monotonic() >= deadline:
            raise CardRemoved(
                f"No card on {'any reader' if reader is None else repr(reader)} after "
                f"{timeout:g} s",
                hint="put the My Number card on the reader",
            )
        time.sleep(0.1)


class PcscTransport:
    """A connected card in a PC/SC reader (a :class:`~mynalib.card.transport.CardTransport`)."""

    def __init__(self, reader: str | None = None, *, timeout: float = 0.0, exclusive: bool = True):
        name = wait_for_card(reader, timeout) if timeout > 0 else self._pick(reader)
        self.name = name
        self._ctx = _Context()
        sc = self._ctx.scard
        self._sc = sc
        protocols = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
        mode = sc.SCARD_SHARE_EXCLUSIVE if exclusive else sc.SCARD_SHARE_SHARED
        rc, hcard, proto = sc.SCardConnect(self._ctx.handle, name, mode, protocols)
        if rc == sc.SCARD_E_SHARING_VIOLATION and exclusive:
            log.info("reader %s is in use by another program: connecting in shared mode", name)
            mode = sc.SCARD_SHARE_SHARED
            rc, hcard, proto = sc.SCardConnect(self._ctx.handle, name, mode, protocols)
        if rc != sc.SCARD_S_SUCCESS:
            self._ctx.release()
            _raise(sc, rc, "connecting to the card", name)
        self.exclusive = mode == sc.SCARD_SHARE_EXCLUSIVE
        self._mode = mode
        self._hcard: Any = hcard
        self._proto = proto

    @staticmethod
    def _pick(reader: str | None) -> str:
        states = reader_states()
        if reader is not None:
            for s in states:
                if s.name == reader:
                    if not s.card_present:
                        raise CardRemoved(
                            f"No card on the reader {reader!r}",
                            hint="put the My Number card on the reader",
                        )
                    return s.name
            raise ReaderNotFound(
                f"No reader named {reader!r} (readers: {', '.join(s.name for s in states) or 'none'})",
                hint="run `myna doctor` to list the readers",
            )
        if not states:
            raise ReaderNotFound(
                "No card reader is connected", hint="connect a PC/SC reader and try again"
            )
        for s in states:
            if s.card_present:
                return s.name
        raise CardRemoved(
            "No card on any reader", hint="put the My Number card on the reader and try again"
        )

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self._hcard is None:
            raise CardError("The card connection is closed", hint="open the card again")
        try:
            rc, response = self._sc.SCardTransmit(self._hcard, self._proto, list(apdu))
        except Exception as exc:  # a pyscard-level failure must not escape as a pyscard type
            raise CardError(
                f"PC/SC transmit failed ({type(exc).__name__})", hint="check the reader"
            ) from None
        if rc != self._sc.SCARD_S_SUCCESS:
            _raise(self._sc, rc, "sending a command to the card", self.name)
        if len(response) < 2:
            from ..errors import CardResponseError

            raise CardResponseError("The reader returned a response without a status word")
        data = bytes(response[:-2])
        return data, (response[-2] << 8) | response[-1]

    def atr(self) -> bytes:
        rc, _reader, _state, _proto, atr = self._sc.SCardStatus(self._hcard)
        if rc != self._sc.SCARD_S_SUCCESS:
            _raise(self._sc, rc, "reading the card status", self.name)
        return bytes(atr)

    def reset(self) -> None:
        if self._hcard is None:
            raise CardError("The card connection is closed")
        sc = self._sc
        rc, proto = sc.SCardReconnect(
            self._hcard,
            self._mode,
            sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1,
            sc.SCARD_RESET_CARD,
        )
        if rc != sc.SCARD_S_SUCCESS:
            _raise(sc, rc, "resetting the card", self.name)
        self._proto = proto

    def close(self) -> None:
        if self._hcard is not None:
            try:
                # reset on the way out: the verified PIN state must not outlive the session
                self._sc.SCardDisconnect(self._hcard, self._sc.SCARD_RESET_CARD)
            except Exception:  # pragma: no cover - never leak a pyscard exception
                log.debug("SCardDisconnect failed while closing %s", self.name)
            self._hcard = None
        self._ctx.release()

    def __repr__(self) -> str:
        return f"<PcscTransport reader={self.name!r}>"
