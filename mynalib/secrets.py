"""Secret values that must never leak: the card PINs.

``Pin`` masks itself in ``str``/``repr``/``format``, refuses pickling and copying, validates its
format locally (so a badly typed PIN never spends a try), and refuses to be sent again after the
card said it was wrong: the user must type it anew (docs/CARD.md §5).
"""

from __future__ import annotations

import re
from typing import Literal, NoReturn

from .errors import PinFormatError, PinReuseError

PinKind = Literal["auth", "sign", "kenhojo"]

#: (regex, human description) per PIN kind
PIN_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "auth": (re.compile(r"[0-9]{4}"), "4 digits"),
    "kenhojo": (re.compile(r"[0-9]{4}"), "4 digits"),
    "sign": (re.compile(r"[A-Z0-9]{6,16}"), "6 to 16 characters, A-Z and 0-9"),
}

PIN_LABELS_JA: dict[str, str] = {
    "auth": "利用者証明用電子証明書の暗証番号（数字4桁）",
    "sign": "署名用電子証明書の暗証番号（英数字6〜16文字）",
    "kenhojo": "券面事項入力補助用の暗証番号（数字4桁）",
}


class Pin:
    """A PIN held in a mutable buffer, masked everywhere, single-use after a failure."""

    __slots__ = ("_buf", "_failed", "kind")

    def __init__(self, value: str, kind: PinKind = "auth"):
        if kind not in PIN_RULES:
            raise ValueError(f"unknown PIN kind {kind!r}")
        if not isinstance(value, str):
            raise PinFormatError("A PIN must be given as text", which=kind)
        normalised = value.strip()
        if kind == "sign":
            normalised = normalised.upper()  # the card compares bytes; passwords are upper case
        pattern, description = PIN_RULES[kind]
        if not pattern.fullmatch(normalised):
            # never echo the value: only its length, which the user can see on screen anyway
            raise PinFormatError(
                f"The {kind} PIN must be {description} (got {len(normalised)} characters); "
                "no try was spent",
                which=kind,
            )
        self.kind: str = kind
        self._buf = bytearray(normalised.encode("ascii"))
        self._failed = False

    # --- use --------------------------------------------------------------------------------
    def reveal(self) -> bytes:
        """The PIN bytes to put into a VERIFY APDU. Refused after a failed VERIFY or wipe()."""
        if self._failed:
            raise PinReuseError(
                "This PIN was rejected by the card and will not be sent again; ask the user to "
                "type it again",
                which=self.kind,
            )
        if not self._buf:
            raise PinReuseError("This PIN was wiped; ask the user again", which=self.kind)
        return bytes(self._buf)

    def mark_failed(self) -> None:
        """Called when the card rejected this PIN: it can never be sent again."""
        self._failed = True
        self.wipe()

    def wipe(self) -> None:
        for i in range(len(self._buf)):
            self._buf[i] = 0
        self._buf = bytearray()

    @property
    def failed(self) -> bool:
        return self._failed

    def __len__(self) -> int:
        return len(self._buf)

    # --- never leak -------------------------------------------------------------------------
    def __repr__(self) -> str:
        state = "failed" if self._failed else ("wiped" if not self._buf else "set")
        return f"<Pin kind={self.kind} {state} ****>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Pin cannot be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError("a Pin cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("a Pin cannot be copied")

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__
