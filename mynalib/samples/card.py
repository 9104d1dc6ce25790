"""The software card of a sample household member: the one place the convention is written.

Every member has a TEST-ONLY software card made from the seed ``sample-<id>`` with that member as
its holder; the portal sandbox recognises exactly these cards (and the built-in ``--virtual``
card, which is the first member's), and each member's software スマホ用電子証明書 (seed
``smartphone-<id>``). The sample vault, the workbook, ``myna demo``,
``myna login --member`` and the tests all issue the cards through
:func:`sample_card_profile`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .household import person

if TYPE_CHECKING:
    from ..card.virtual import CardProfile

#: the seed of a member's card is this prefix and the member's id
SEED_PREFIX = "sample-"
#: the seed of a member's スマホ用電子証明書 (the software one in their phone)
SMARTPHONE_SEED_PREFIX = "smartphone-"


def sample_card_seed(person_id: str) -> str:
    """The software-card seed of the member ``person_id`` (``sample-<id>``)."""
    return f"{SEED_PREFIX}{person_id}"


def sample_card_profile(person_id: str) -> CardProfile:
    """A fresh software card of the member ``person_id`` (every PIN with all its tries left).

    Raises KeyError when ``person_id`` is not a member of the household.
    """
    from ..card.virtual import CardProfile

    holder = person(person_id)
    return CardProfile.generate(seed=sample_card_seed(holder.id), holder=holder)


def sample_smartphone_seed(person_id: str) -> str:
    """The seed of the member's software スマホ用電子証明書 (``smartphone-<id>``)."""
    return f"{SMARTPHONE_SEED_PREFIX}{person_id}"


def sample_smartphone_profile(person_id: str) -> CardProfile:
    """A fresh software スマホ用電子証明書 of the member ``person_id``: its own keys, issued by
    the smartphone test CA (not the card's). Raises KeyError for a non-member."""
    from ..card.virtual import CardProfile

    holder = person(person_id)
    return CardProfile.generate(
        seed=sample_smartphone_seed(holder.id), holder=holder, smartphone=True
    )
