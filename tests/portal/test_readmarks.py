"""お知らせ read marks both ways (mynalib.portal.readmarks): a notice marked read here is sent to
the portal at the next login or fetch; one read on the portal shows read here after a fetch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mynalib.card import open_card
from mynalib.portal import readmarks
from mynalib.portal.client import PortalClient
from mynalib.secrets import Pin

from .conftest import VAULT_PASS, PortalCli, Sandbox, member_profile

TARO = "見本　太郎"


class State:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get_state(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set_state(self, key: str, value: Any) -> None:
        self.data[key] = value


def _login(sandbox: Sandbox, member: str = "taro", acting_for: str | None = None) -> PortalClient:
    client = sandbox.client()
    with open_card("virtual", member_profile(member)) as card:
        client.login(card, Pin("1234"), acting_for=acting_for)
    return client


def _portal_read(client: PortalClient) -> dict[str, bool]:
    return {n["noticeId"]: bool(n["read"]) for n in client.notices()}


def test_marked_read_here_is_sent_at_the_next_fetch(sandbox: Sandbox) -> None:
    state = State()
    client = _login(sandbox)
    unread = [nid for nid, read in _portal_read(client).items() if not read]
    assert len(unread) >= 2
    readmarks.mark(state, unread[0], True, person=TARO)
    readmarks.mark(state, unread[1], True, person=TARO)
    readmarks.mark(state, unread[1], False, person=TARO)  # changed its mind: nothing to send
    assert [e["id"] for e in readmarks.outbox(state)] == [unread[0]]
    assert readmarks.send_marks(client, state) == 1
    assert readmarks.outbox(state) == []
    assert _portal_read(client)[unread[0]] is True and _portal_read(client)[unread[1]] is False
    # the fetch brings the portal's state back: the frame says read
    report = client.fetch(["notices"], store=lambda d: True)
    readmarks.take_portal_state(state, report.documents)
    assert readmarks.marks(state)[unread[1]] is False  # 未読 here stays (the portal did not change)
    client.close()


def test_read_on_the_portal_shows_read_here(sandbox: Sandbox) -> None:
    state = State()
    client = _login(sandbox)
    report = client.fetch(["notices"], store=lambda d: True)
    readmarks.take_portal_state(state, report.documents)
    unread = [nid for nid, read in _portal_read(client).items() if not read]
    nid = unread[0]
    readmarks.mark(state, nid, False, person=TARO)  # here: kept unread on purpose
    client.mark_read([nid])  # then read on the portal's own site
    report = client.fetch(["notices"], store=lambda d: True)
    assert readmarks.take_portal_state(state, report.documents) == [nid]
    assert nid not in readmarks.marks(state)  # the portal's read flag now shows
    # nothing newly read: a second fetch changes nothing
    report = client.fetch(["notices"], store=lambda d: True)
    assert readmarks.take_portal_state(state, report.documents) == []
    client.close()


def test_unknown_notices_are_dropped_and_another_persons_wait(sandbox: Sandbox) -> None:
    state = State()
    client = _login(sandbox)
    unread = [nid for nid, read in _portal_read(client).items() if not read]
    readmarks.mark(state, "NOPE000", True, person=TARO)
    readmarks.mark(state, unread[0], True, person=TARO)
    readmarks.mark(state, "UMENOTICE", True, person="見本　うめ")
    assert readmarks.send_marks(client, state) == 2  # the unknown one is taken off too
    assert [e["id"] for e in readmarks.outbox(state)] == ["UMENOTICE"]  # for ume's login
    assert _portal_read(client)[unread[0]] is True
    client.close()


def test_a_failing_portal_keeps_the_marks(sandbox: Sandbox) -> None:
    state = State()
    client = _login(sandbox)
    readmarks.mark(state, "N1", True, person=TARO)
    sandbox.state.schedule_fault("error", "/api/v1/notices/read", times=10)
    assert readmarks.send_marks(client, state) == 0
    assert [e["id"] for e in readmarks.outbox(state)] == ["N1"]
    client.close()


def test_cli_fetch_sends_the_marks_and_brings_the_portal_state_back(
    portal_cli: Callable[..., PortalCli],
) -> None:
    myna = portal_cli("--poll-delay", "0", "--pending-polls", "0")
    assert myna("fetch", "notices", "--no-progress").returncode == 0
    from mynalib.vault import open_vault

    with open_vault(myna.vault, passphrase=VAULT_PASS) as vault:
        frame = vault.frame("notices")
        unread = [str(n) for n, r in zip(frame["notice_id"], frame["read"], strict=True) if not r]
        readmarks.mark(vault, unread[0], True, person=TARO)  # as the notices dashboard does
    out = myna("fetch", "notices", "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "sent 1 read marks" in out.stdout
    with open_vault(myna.vault, passphrase=VAULT_PASS) as vault:
        assert readmarks.outbox(vault) == []
        frame = vault.frame("notices")
        assert bool(frame.loc[frame["notice_id"] == unread[0], "read"].iloc[0]) is True
