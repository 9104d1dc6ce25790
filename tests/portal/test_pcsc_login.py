"""One login with the software card behind a real pcscd (vpcd), as a physical card would be used."""

from __future__ import annotations

import pytest

from mynalib.card import open_card
from mynalib.errors import PinError
from mynalib.secrets import Pin

from .conftest import Sandbox, member_profile

pytestmark = pytest.mark.pcsc


def test_login_and_fetch_through_pcscd(sandbox: Sandbox) -> None:
    from tests.pcsc_stack import pcsc_stack

    with pcsc_stack(member_profile("hanako")) as stack:
        client = sandbox.client()
        with open_card(stack.reader) as card:
            assert card.auth_tries_left() == 3
            with pytest.raises(PinError) as info:
                client.login(card, Pin("0000"))
            assert info.value.tries_left == 2
            session = client.login(card, Pin("1234"))  # a new Pin object, typed again
            assert card.auth_tries_left() == 3  # a successful VERIFY resets the counter
        assert session.person_id == "hanako"
        docs = []
        report = client.fetch(["pension", "drugs"], store=lambda d: docs.append(d) or True)
        assert report.stored == 2 and {d.person for d in docs} == {"見本　花子"}
