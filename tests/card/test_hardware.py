"""Opt-in (--hardware): a real My Number card on a real reader. Reads only free data: no PIN."""

from __future__ import annotations

import pytest

from mynalib.card import open_card
from mynalib.card.trust import verify_certificate

pytestmark = pytest.mark.hardware


def test_real_card_status_and_chain() -> None:
    with open_card(None, timeout=10) as card:
        status = card.status()
        der = card.read_auth_certificate()
    assert status.token_label in ("JPKIAPICCTOKEN2", "JPKIAPICCTOKEN")
    assert set(status.tries_left) >= {"auth", "sign"}
    assert not status.auth_certificate.test_only
    result = verify_certificate(der)
    assert result.ok or "expired" in result.reason, result.reason
