"""Choosing and opening the card from the command line: one set of options, one opener.

Every command that opens a card takes ``--virtual/--reader/--profile`` through
:func:`card_options` (with ``member=True`` also ``--member``, the sample household's software
cards) and opens it with :func:`open_from_options`; before a PIN is asked, :func:`pre_pin_checks`
shows the tries left and applies the card session's one pre-PIN check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..pins import MAX_TRIES, PIN_TITLES
from ._common import echo

if TYPE_CHECKING:
    from ..card.jpki import JpkiCard

VIRTUAL_HELP = "Use the built-in software card (TEST-ONLY certificates)."
PROFILE_HELP = (
    "Software-card profile file (implies --virtual; default: $MYNA_HOME/virtual-card.json)."
)
MEMBER_HELP = "Use the software card of this sample-household member (taro, hanako, sora, ume)."
READER_HELP = "Use this PC/SC reader (see `myna doctor`)."


def card_options(
    *,
    virtual_help: str = VIRTUAL_HELP,
    profile_help: str = PROFILE_HELP,
    reader_help: str = READER_HELP,
    member_help: str = MEMBER_HELP,
    member: bool = False,
    reader: bool = True,
) -> Callable[[Any], Any]:
    """The card-choosing options, in the order ``--help`` lists them: ``--virtual``,
    ``--reader`` (unless ``reader=False``: the command chooses the reader elsewhere),
    ``--profile``, and ``--member`` with ``member=True``. A command whose card is read
    differently (the phone's NFC) words the help its own way; names and types stay these."""

    def decorate(f: Any) -> Any:
        if member:
            f = click.option("--member", default=None, help=member_help)(f)
        f = profile_option(profile_help)(f)
        if reader:
            f = click.option("--reader", "reader", default=None, help=reader_help)(f)
        return click.option("--virtual", is_flag=True, help=virtual_help)(f)

    return decorate


def profile_option(help: str = PROFILE_HELP) -> Callable[[Any], Any]:
    """``--profile FILE``: a software card's profile (alone, where the command only ever uses a
    software card: ``card serve-virtual``, ``card reset-virtual``)."""
    return click.option(
        "--profile",
        "profile",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=help,
    )


def open_from_options(
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    *,
    create: bool = True,
    accept: Any = None,
) -> JpkiCard:
    """Open the card the options chose. ``create``: make a missing profile file first, with
    progress (key generation takes a few seconds)."""
    from ..card import open_card

    extra = {} if accept is None else {"accept": accept}
    if virtual or profile is not None:
        if reader is not None:
            raise click.UsageError("--reader cannot be combined with --virtual/--profile")
        if create:
            from ..card import load_or_create_profile

            _, profile = load_or_create_profile(profile, progress=_progress)
        return open_card("virtual", profile, **extra)
    return open_card(reader, timeout=0.0, **extra)


def _progress(message: str) -> None:
    echo(f"… generating the software card: {message}", err=True)


def pre_pin_checks(card: JpkiCard, which: str, allow_last_try: bool) -> int:
    """Show tries left before asking; refuse at 0, and at 1 without the confirmation flag."""
    from ..card.session import check_tries

    left = card.tries_left(which)
    maximum = MAX_TRIES[which]
    echo(f"{PIN_TITLES[which]}: {left}/{maximum} tries left / 残り{left}回", err=True)
    return check_tries(which, left, allow_last_try)


LAST_TRY = click.option(
    "--i-understand-last-try",
    "allow_last_try",
    is_flag=True,
    help="Allow spending the last remaining try (a wrong PIN then blocks it).",
)
