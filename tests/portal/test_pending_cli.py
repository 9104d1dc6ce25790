"""`myna fetch` leaves an item the portal is still preparing pending; `myna fetch --pending`
completes it; a third fetch stores nothing new."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import VAULT_PASS
from .test_loopback import _myna, sandbox_process  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def test_fetch_pending_completes_what_the_last_fetch_left(
    sandbox_process: Callable[..., str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    url = sandbox_process("--poll-delay", "1", "--pending-polls", "1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}
    env.update(
        MYNA_HOME=str(tmp_path / "home"),
        MYNA_VAULT=str(tmp_path / "vault"),
        MYNA_VAULT_PASSPHRASE=VAULT_PASS,
        MYNA_PORTAL=url,
    )
    assert _myna(env, "login", "--virtual", pin="1234").returncode == 0
    nothing = _myna(env, "fetch", "--pending", "--no-progress")
    assert nothing.returncode == 0 and "準備中の項目はありません" in nothing.stdout
    # no waiting at all: the portal answers 09 first, so the item is left pending
    first = _myna(env, "fetch", "pension", "--wait", "0", "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "0 new documents stored" in first.stdout
    assert "準備中" in first.stdout and "年金" in first.stdout, first.stdout
    second = _myna(env, "fetch", "--pending", "--no-progress")
    assert second.returncode == 0, second.stderr
    assert "portal_pension: 1 new" in second.stdout, second.stdout
    assert "準備中の項目はありません" in _myna(env, "fetch", "--pending").stdout
    third = _myna(env, "fetch", "pension", "--no-progress")
    assert third.returncode == 0 and "0 new documents stored" in third.stdout
