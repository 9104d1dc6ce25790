"""The My Number card: JPKI and 券面事項入力補助 over PC/SC, or the software card.

from mynalib.card import open_card
with open_card("virtual") as card:          # or open_card() / open_card("<reader name>")
    card.auth_tries_left()
    cert = card.read_auth_certificate()
    signature = card.sign_auth(b"challenge", Pin(...))
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .jpki import ACCEPT_CARD, CardStatus, CertificateInfo, JpkiCard
from .kenhojo import KenhojoApplet
from .session import CardSession, PinFile

if TYPE_CHECKING:
    from .virtual import CardProfile

__all__ = [
    "VIRTUAL",
    "CardSession",
    "CardStatus",
    "CertificateInfo",
    "JpkiCard",
    "KenhojoApplet",
    "PinFile",
    "default_virtual_profile_path",
    "load_or_create_profile",
    "open_card",
]

VIRTUAL = "virtual"
#: seed of the built-in software card (the sample household's first person)
DEFAULT_VIRTUAL_SEED = "mynalib-virtual-card"
#: seed of the built-in software スマホ用電子証明書 (the same person's phone)
DEFAULT_SMARTPHONE_SEED = "mynalib-virtual-smartphone"


def default_virtual_profile_path() -> Path:
    """Where the built-in software card keeps its state: ``$MYNA_HOME/virtual-card.json``."""
    from ..paths import default_state_dir

    return default_state_dir() / "virtual-card.json"


def load_or_create_profile(
    path: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    smartphone: bool = False,
) -> tuple[CardProfile, Path]:
    """Load a saved software-card profile, creating (and saving) the default one if missing.

    ``smartphone``: the built-in software スマホ用電子証明書 instead of the built-in card
    (``$MYNA_HOME/smartphone-cert.json``)."""
    from ..paths import default_state_dir
    from .virtual import CardProfile

    default = (
        default_state_dir() / "smartphone-cert.json"
        if smartphone
        else default_virtual_profile_path()
    )
    target = Path(path) if path is not None else default
    if target.exists():
        return CardProfile.load(target), target
    seed = DEFAULT_SMARTPHONE_SEED if smartphone else DEFAULT_VIRTUAL_SEED
    profile = CardProfile.generate(seed, progress=progress, smartphone=smartphone)
    profile.save(target)
    return profile, target


def open_card(
    reader: str | None = None,
    profile: str | os.PathLike[str] | CardProfile | None = None,
    *,
    extended_reads: bool = False,
    timeout: float = 0.0,
    accept: frozenset[str] = ACCEPT_CARD,
) -> JpkiCard:
    """Open a card session; use it as a context manager.

    ``reader``: None (the first reader holding a card), ``"virtual"`` (the software card), or a
    reader name. ``profile`` (virtual only): a saved profile file (its PIN counters are saved back
    after every change, so a blocked card stays blocked), a :class:`CardProfile` object (kept in
    memory), or None (``$MYNA_HOME/virtual-card.json``, created on first use).
    ``timeout``: seconds to wait for a card to be put on the reader. ``accept``: the kinds of
    token accepted (``jpki.ACCEPT_CARD`` — a reader holds a card —, or ``jpki.ACCEPT_PHONE`` for
    the smartphone login, which also takes a スマホ用電子証明書).
    """
    if reader == VIRTUAL:
        from .virtual import CardProfile, InProcessTransport, VirtualCard

        if isinstance(profile, CardProfile):
            card = VirtualCard(profile)
        else:
            loaded, path = load_or_create_profile(profile)

            def persist(p: CardProfile) -> None:
                p.save(path)

            card = VirtualCard(loaded, on_change=persist)
        return JpkiCard(InProcessTransport(card), extended_reads=extended_reads, accept=accept)
    if profile is not None:
        raise ValueError("profile= is only used with reader='virtual'")
    from .pcsc import PcscTransport

    return JpkiCard(
        PcscTransport(reader, timeout=timeout), extended_reads=extended_reads, accept=accept
    )
