"""The one pre-PIN check of docs/CARD.md §5, shared by the applets and every command.

Before a PIN is asked for or sent, its counter is read (an empty VERIFY, no try spent) and
:func:`check_tries` decides: zero tries left is refused outright (:class:`PinBlocked`, with the
kind's reset guidance), one try left is refused unless the caller explicitly allows it
(``allow_last_try=True`` / ``--i-understand-last-try``). The JPKI applet's ``verify`` (which the
券面事項入力補助 applet goes through) and the commands that show the counter before asking all
call this function, so the rule and its message live here only.
"""

from __future__ import annotations

from ..errors import LastTryRefused, PinBlocked
from ..pins import spec
from .apdu import SW, is_tries_sw

__all__ = ["check_tries", "tries_from_counter_sw"]


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
            ja="残り1回です。誤るとロックされます。確実な場合のみ --i-understand-last-try を付けて"
            "再実行してください。",
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
