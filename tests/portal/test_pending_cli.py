"""`myna fetch` leaves an item the portal is still preparing pending; `myna fetch --pending`
completes it; a third fetch stores nothing new."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import PortalCli

pytestmark = pytest.mark.slow


def test_fetch_pending_completes_what_the_last_fetch_left(
    portal_cli: Callable[..., PortalCli],
) -> None:
    myna = portal_cli("--poll-delay", "1", "--pending-polls", "1")
    nothing = myna("fetch", "--pending", "--no-progress")
    assert nothing.returncode == 0 and "準備中の項目はありません" in nothing.stdout
    # no waiting at all: the portal answers 09 first, so the item is left pending
    first = myna("fetch", "pension", "--wait", "0", "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "0 new documents stored" in first.stdout
    assert "準備中" in first.stdout and "年金" in first.stdout, first.stdout
    second = myna("fetch", "--pending", "--no-progress")
    assert second.returncode == 0, second.stderr
    assert "portal_pension: 1 new" in second.stdout, second.stdout
    assert "準備中の項目はありません" in myna("fetch", "--pending").stdout
    third = myna("fetch", "pension", "--no-progress")
    assert third.returncode == 0 and "0 new documents stored" in third.stdout
