"""The card session (SELECT, READ BINARY, PIN counter, VERIFY) and the one pre-PIN check of
docs/CARD.md §5, shared by the applets and every command.

Before a PIN is asked for or sent, its counter is read (an empty VERIFY, no try spent) and
:func:`check_tries` decides: zero tries left is refused outright (:class:`PinBlocked`, with the
kind's reset guidance), one try left is refused unless the caller explicitly allows it
(``allow_last_try=True`` / ``--i-understand-last-try``). :meth:`CardSession.verify` (which the
JPKI and 券面事項入力補助 applets go through) and the commands that show the counter before asking all
call this function, so the rule and its message live here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import (
    AppletNotFound,
    CardError,
    CardResponseError,
    LastTryRefused,
    PinBlocked,
    PinError,
    PinFormatError,
    SecurityStatusNotSatisfied,
)
from ..pins import LAST_TRY_JA, PIN_BLOCKED_GUIDANCE, PIN_NAMES, spec
from ..secrets import Pin
from .apdu import SW, CommandAPDU, is_tries_sw, sw_meaning
from .transport import CardTransport, LoggingTransport

__all__ = ["CardSession", "PinFile", "check_tries", "tries_from_counter_sw"]


def check_tries(which: str, tries: int, allow_last_try: bool) -> int:
    """Refuse at zero, and at one without ``allow_last_try``; else return ``tries``."""
    rule = spec(which)
    if tries <= 0:
        raise PinBlocked(which)
    if tries == 1 and not allow_last_try:
        raise LastTryRefused(
            f"Only 1 try is left for the {rule.name_en}; a wrong PIN now blocks it. "
            "Nothing was sent",
            tries_left=1,
            which=which,
            hint="check the PIN, then confirm explicitly (allow_last_try=True / "
            "--i-understand-last-try)",
            ja=LAST_TRY_JA + "確実な場合のみ --i-understand-last-try を付けて再実行してください。",
        )
    return tries


def tries_from_counter_sw(which: str, sw: int) -> int | None:
    """The tries left an empty VERIFY's status word says (``None``: it says nothing)."""
    if is_tries_sw(sw):
        return sw & 0x0F
    if sw == SW.PIN_BLOCKED:
        return 0
    if sw == SW.OK:  # some cards answer 9000 while the PIN is verified
        return spec(which).max_tries
    return None


@dataclass(frozen=True)
class PinFile:
    """Where a PIN lives: its applet's AID and the PIN's EF (the applet names itself with
    :meth:`CardSession.register_applet`)."""

    aid: bytes
    fid: int


class CardSession:
    """One connection to a card over any :class:`CardTransport`: SELECT, READ BINARY, the PIN
    counter and VERIFY with every rule of docs/CARD.md §5. Applets (JPKI, 券面事項入力補助) sit on
    top of it and tell it where their PINs live (:meth:`register_pin`); it imports none of them.
    """

    def __init__(self, transport: CardTransport):
        self.transport = (
            transport if isinstance(transport, LoggingTransport) else LoggingTransport(transport)
        )
        self.reader = transport.name
        self.applet: bytes | None = None
        self.pin_files: dict[str, PinFile] = {}
        self._applet_names: dict[bytes, str] = {}
        self._on_enter: dict[bytes, Callable[[], None]] = {}
        #: (which, tries) when the last command sent was that PIN's empty VERIFY
        self._fresh_counter: tuple[str, int] | None = None

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> CardSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    @property
    def apdu_count(self) -> int:
        return self.transport.apdu_count

    def __repr__(self) -> str:
        return f"<CardSession reader={self.reader!r}>"

    # ------------------------------------------------------------------ registration
    def register_applet(
        self, aid: bytes, name: str, on_enter: Callable[[], None] | None = None
    ) -> None:
        """Name an applet for messages; ``on_enter`` runs each time :meth:`enter` selects it."""
        self._applet_names[aid] = name
        if on_enter is not None:
            self._on_enter[aid] = on_enter

    def register_pin(self, which: str, pin_file: PinFile) -> None:
        self.pin_files[which] = pin_file

    # ------------------------------------------------------------------ low level
    def send(self, apdu: CommandAPDU) -> tuple[bytes, int]:
        self._fresh_counter = None
        return self.transport.transmit(apdu.to_bytes())

    def select_applet(self, aid: bytes, *, force: bool = False) -> None:
        """SELECT an applet by AID (skipped when it is the one selected, unless ``force``)."""
        if self.applet == aid and not force:
            return
        self.applet = None
        _, sw = self.send(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, aid))
        if sw == SW.NOT_FOUND:
            name = self._applet_names.get(aid, aid.hex().upper())
            raise AppletNotFound(
                f"The card has no {name} applet: it is probably not a My Number card",
                hint="put a My Number card (マイナンバーカード) on the reader",
            )
        if sw != SW.OK:
            raise CardResponseError("SELECT applet failed", sw=sw)
        self.applet = aid

    def enter(self, aid: bytes) -> None:
        """Select the applet, then run the check its applet registered (e.g. the token label)."""
        self.select_applet(aid)
        hook = self._on_enter.get(aid)
        if hook is not None:
            hook()

    def select_ef(self, fid: int) -> None:
        apdu = CommandAPDU(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))
        _, sw = self.send(apdu)
        if sw == SW.NOT_FOUND and self.applet is not None:
            # in shared mode another program may have selected another applet: select ours again
            self.select_applet(self.applet, force=True)
            _, sw = self.send(apdu)
        if sw == SW.NOT_FOUND:
            raise CardResponseError(f"The card has no file {fid:04X}", sw=sw)
        if sw != SW.OK:
            raise CardResponseError(f"SELECT file {fid:04X} failed", sw=sw)

    def read(self, offset: int, length: int, *, sfid: int | None = None) -> bytes:
        """One READ BINARY (short Le ≤ 256, or extended). ``sfid``: short-file-id form."""
        if sfid is not None:
            p1, p2 = 0x80 | sfid, offset
        else:
            p1, p2 = (offset >> 8) & 0x7F, offset & 0xFF
        if length > 256:
            apdu = CommandAPDU(0x00, 0xB0, p1, p2, le=length & 0xFFFF, extended=True)
        else:
            apdu = CommandAPDU(0x00, 0xB0, p1, p2, le=length & 0xFF)
        data, sw = self.send(apdu)
        if sw == SW.SECURITY_STATUS_NOT_SATISFIED:
            raise SecurityStatusNotSatisfied(
                "The card refused to read this file: its PIN was not verified",
                hint="verify the PIN first",
            )
        if sw != SW.OK:
            raise CardResponseError(f"READ BINARY failed ({sw_meaning(sw)})", sw=sw)
        return data

    def read_file(self, fid: int, length: int) -> bytes:
        """Read the first ``length`` bytes of an EF of the selected applet (short id form)."""
        want = min(length, 256)
        out = self.read(0, want, sfid=fid)
        if len(out) < want:  # the card returns fewer bytes at the end of the file
            return out
        while len(out) < length:
            want = min(length - len(out), 256)
            chunk = self.read(len(out), want)
            out += chunk
            if len(chunk) < want:
                break
        return out

    # ------------------------------------------------------------------ PINs
    def _pin_file(self, which: str) -> PinFile:
        try:
            return self.pin_files[which]
        except KeyError:
            raise ValueError(f"unknown PIN {which!r}") from None

    def tries_left(self, which: str) -> int:
        """Tries left for a PIN (empty VERIFY: no try is spent)."""
        pf = self._pin_file(which)
        self.enter(pf.aid)
        self.select_ef(pf.fid)
        _, sw = self.send(CommandAPDU(0x00, 0x20, 0x00, 0x80))
        tries = tries_from_counter_sw(which, sw)
        if tries is None:
            raise CardResponseError("Reading the PIN counter failed", sw=sw)
        self._fresh_counter = (which, tries)
        return tries

    def verify(self, which: str, pin: Pin, *, allow_last_try: bool = False) -> None:
        """VERIFY a PIN with every safety rule of docs/CARD.md §5.

        Refused before anything is sent: an unknown PIN, a plain string, a PIN of another kind,
        a PIN that already failed once. The counter is read (or the one just read reused) and
        :func:`check_tries` applied. A wrong PIN marks it failed; a transport error is never
        retried: the counter is re-read and reported.
        """
        self._pin_file(which)
        if not isinstance(pin, Pin):
            raise PinFormatError(
                "PINs must be passed as mynalib.secrets.Pin objects (never plain strings)",
                which=which,
            )
        if pin.kind != which and not ({pin.kind, which} <= {"auth", "kenhojo"}):
            raise PinFormatError(
                f"A {pin.kind} PIN was given where the {which} PIN is needed; no try was spent",
                which=which,
            )
        pin.reveal()  # PinReuseError now, before anything is sent, if it already failed
        fresh = self._fresh_counter
        if fresh is not None and fresh[0] == which:
            tries = fresh[1]  # the counter was read by the command just before: still current
        else:
            tries = self.tries_left(which)  # selects the applet and the PIN file
        check_tries(which, tries, allow_last_try)  # the one pre-PIN check
        apdu = CommandAPDU(0x00, 0x20, 0x00, 0x80, pin.reveal())
        try:
            _, sw = self.send(apdu)
        except CardError as exc:
            del apdu
            self._after_transport_error(which, tries, pin, exc)
            raise  # pragma: no cover - _after_transport_error always raises
        del apdu
        if sw == SW.OK:
            return
        if is_tries_sw(sw):
            pin.mark_failed()
            left = sw & 0x0F
            if left == 0:
                raise PinBlocked(
                    which,
                    f"Wrong {PIN_NAMES[which]}: that was the last try and the PIN is now blocked. "
                    + PIN_BLOCKED_GUIDANCE[which][0],
                )
            raise PinError(
                tries_left=left,
                which=which,
                hint="the PIN was not sent again; type it again carefully",
            )
        if sw == SW.PIN_BLOCKED:
            raise PinBlocked(which)
        raise CardResponseError(f"VERIFY of the {PIN_NAMES[which]} failed", sw=sw)

    def _after_transport_error(self, which: str, before: int, pin: Pin, exc: CardError) -> None:
        """No automatic retry: re-read the counter once and report it."""
        self.applet = None
        try:
            now = self.tries_left(which)
        except CardError:
            raise type(exc)(
                f"The connection failed during VERIFY of the {PIN_NAMES[which]}; the PIN was not "
                "sent again and the counter could not be re-read",
                hint="put the card back and run `myna card status` to see the tries left",
            ) from None
        if now < before:
            pin.mark_failed()
        raise CardError(
            f"The connection failed during VERIFY of the {PIN_NAMES[which]}; the PIN was not "
            f"sent again. Tries left now: {now} (before: {before})",
            hint="check the reader, then try again (you will be asked for the PIN again)"
            if now < before
            else "check the reader, then try again",
            ja=f"VERIFY中に通信エラーが発生しました。自動再試行はしていません。残り{now}回です。",
        ) from None
