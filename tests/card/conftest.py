"""Fixtures for the card tests: deterministic profiles, in-process and PC/SC sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mynalib.card import JpkiCard
from mynalib.card.virtual import CardProfile, InProcessTransport, VirtualCard
from tests.pcsc_stack import PcscStack, pcsc_stack

SEED = "card-tests"


@pytest.fixture
def profile() -> CardProfile:
    """A fresh profile (keys are cached per process, so this is fast after the first)."""
    return CardProfile.generate(SEED)


@pytest.fixture
def vcard(profile: CardProfile) -> VirtualCard:
    return VirtualCard(profile)


@pytest.fixture(scope="module")
def pcsc_module_stack() -> Iterator[PcscStack]:
    with pcsc_stack(CardProfile.generate(SEED)) as stack:
        yield stack


@pytest.fixture(params=["inprocess", pytest.param("pcsc", marks=pytest.mark.pcsc)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def session(backend: str, request: pytest.FixtureRequest) -> Iterator[tuple[JpkiCard, VirtualCard]]:
    """A JpkiCard on a fresh software card: in-process, or through pcscd + vpcd + pyscard."""
    if backend == "inprocess":
        card = VirtualCard(CardProfile.generate(SEED))
        with JpkiCard(InProcessTransport(card)) as jpki:
            yield jpki, card
        return
    stack: PcscStack = request.getfixturevalue("pcsc_module_stack")
    vc = stack.card
    assert isinstance(vc, VirtualCard)
    vc.profile.reset()  # default PINs, full counters
    from mynalib.card import open_card

    with open_card(stack.reader) as jpki:
        yield jpki, vc
