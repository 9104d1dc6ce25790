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

from .jpki import CardStatus, CertificateInfo, JpkiCard

if TYPE_CHECKING:
    from .virtual import CardProfile

__all__ = [
    "VIRTUAL",
    "CardStatus",
    "CertificateInfo",
    "JpkiCard",
    "default_virtual_profile_path",
    "load_or_create_profile",
    "open_card",
]

VIRTUAL = "virtual"
#: seed of the built-in software card (the sample household's first person)
DEFAULT_VIRTUAL_SEED = "mynalib-virtual-card"


def default_virtual_profile_path() -> Path:
    """Where the built-in software card keeps its state: ``$MYNA_HOME/virtual-card.json``."""
    from ..paths import default_state_dir

    return default_state_dir() / "virtual-card.json"


def load_or_create_profile(
    path: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> tuple[CardProfile, Path]:
    """Load a saved software-card profile, creating (and saving) the default one if missing."""
    from .virtual import CardProfile

    target = Path(path) if path is not None else default_virtual_profile_path()
    if target.exists():
        return CardProfile.load(target), target
    profile = CardProfile.generate(DEFAULT_VIRTUAL_SEED, progress=progress)
    profile.save(target)
    return profile, target


def open_card(
    reader: str | None = None,
    profile: str | os.PathLike[str] | CardProfile | None = None,
    *,
    extended_reads: bool = False,
    timeout: float = 0.0,
) -> JpkiCard:
    """Open a card session; use it as a context manager.

    ``reader``: None (the first reader holding a card), ``"virtual"`` (the software card), or a
    reader name. ``profile`` (virtual only): a saved profile file (its PIN counters are saved back
    after every change, so a blocked card stays blocked), a :class:`CardProfile` object (kept in
    memory), or None (``$MYNA_HOME/virtual-card.json``, created on first use).
    ``timeout``: seconds to wait for a card to be put on the reader.
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
        return JpkiCard(InProcessTransport(card), extended_reads=extended_reads)
    if profile is not None:
        raise ValueError("profile= is only used with reader='virtual'")
    from .pcsc import PcscTransport

    return JpkiCard(PcscTransport(reader, timeout=timeout), extended_reads=extended_reads)
