"""Fixtures for the 電子申請 tests: the sandbox in-process with a clock the test moves, fresh
software cards of the household, a logged-in client."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mynalib.card import JpkiCard, open_card
from mynalib.card.virtual import CardProfile
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox.app import SandboxConfig, SandboxState, create_app
from mynalib.samples.card import sample_card_profile
from mynalib.secrets import Pin

from ..portal.conftest import VAULT_PASS, _cheap_vault, live_sandbox  # noqa: F401 - fixtures

SIGN_PIN = "ABC123"  # the software card's documented test signing password
PIN = "1234"  # its authentication and 券面事項入力補助 PINs


class Clock:
    """The sandbox's clock: real time plus what the test has moved it on by."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Portal:
    app: Any
    state: SandboxState
    clock: Clock

    def client(self) -> PortalClient:
        return PortalClient(
            "http://sandbox.test",
            httpx.ASGITransport(app=self.app),
            sleep=lambda s: None,
            jitter=lambda: 0.0,
        )


@pytest.fixture
def make_portal() -> Callable[..., Portal]:
    def make(**config: Any) -> Portal:
        clock = Clock()
        config.setdefault("pending_polls", 0)
        config.setdefault("done_step", False)
        config.setdefault("review_delay", 20.0)
        config.setdefault("decision_delay", 60.0)
        app = create_app(SandboxConfig(clock=clock, **config))
        return Portal(app, app.state.sandbox, clock)

    return make


@pytest.fixture
def portal(make_portal: Callable[..., Portal]) -> Portal:
    return make_portal()


@pytest.fixture
def taro() -> CardProfile:
    """taro's software card, every PIN with all its tries left."""
    return sample_card_profile("taro")


@pytest.fixture
def card(taro: CardProfile) -> Iterator[JpkiCard]:
    with open_card("virtual", taro) as session:
        yield session


@pytest.fixture
def client(portal: Portal, card: JpkiCard) -> Iterator[PortalClient]:
    """taro, logged in."""
    c = portal.client()
    c.login(card, Pin(PIN))
    yield c
    with contextlib.suppress(Exception):
        c.close()
