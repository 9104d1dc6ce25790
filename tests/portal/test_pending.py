"""回答一覧: a わたしの情報 item still pending after the polls is kept in the vault and completed by
the next fetch; the concurrent fetch stays within the sequential request count."""

from __future__ import annotations

from pathlib import Path

from mynalib.portal import pending as kept
from mynalib.portal import protocol as P
from mynalib.portal.client import PendingItem
from mynalib.vault import open_vault

from .conftest import Sandbox
from .test_flow import _login

PENSION = "TM00000000000101"


def test_pending_item_is_kept_then_completed_by_the_next_fetch(
    make_sandbox, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sb: Sandbox = make_sandbox(poll_delay=3600.0)  # the portal keeps every request pending
    client, session = _login(sb, max_wait=1.0)
    with open_vault(tmp_path / "v") as vault:
        first = client.fetch(["pension"], store=vault.put)
        assert first.stored == 0 and first.answered == []
        assert [p.item_id for p in first.pending] == [PENSION]
        kept.update(vault, first, session.person_id)
        waiting = kept.load(vault, session.person_id)
        assert waiting == first.pending and waiting[0].person_id == "taro"
        assert kept.load(vault, "hanako") == []  # another person's fetch does not see it

        sb.state.config.poll_delay = 0.0  # the portal has prepared the answer meanwhile
        before = len(sb.state.requests)
        second = client.fetch([], store=vault.put, pending=waiting)  # `myna fetch --pending`
        assert len(sb.state.requests) == before  # polled under the kept request id, not asked anew
        assert second.answered == [PENSION] and second.new == {"portal_pension": 1}
        assert kept.update(vault, second, session.person_id) == []
        assert kept.load(vault) == []

        third = client.fetch(["pension"], store=vault.put, pending=kept.load(vault))
        assert third.stored == 0 and third.duplicates == {"portal_pension": 1}


def test_a_request_the_portal_forgot_is_asked_anew(sandbox: Sandbox) -> None:
    client, session = _login(sandbox)
    forgotten = PendingItem(PENSION, "0" * 24, 0.0, session.person_id)
    report = client.fetch([], store=lambda d: True, pending=[forgotten])
    assert report.answered == [PENSION] and not report.pending and not report.errors
    assert any("no longer knows the request" in r for r in client.stats.retries)


def test_items_are_requested_first_then_polled_together(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb: Sandbox = make_sandbox(pending_polls=1)
    client, _ = _login(sb, workers=1)
    start = len(client.stats.log)
    client.fetch(["myinfo"], store=lambda d: True)
    calls = [path.rsplit("/", 2)[-1] for _, path, _ in client.stats.log[start:]]
    n = len(P.FETCH_ITEMS["myinfo"])
    assert calls[:n] == ["request"] * n  # every request before the first poll
    assert calls[n:] == ["get"] * (2 * n)  # one pending answer each, then the results


def test_concurrent_fetch_matches_the_one_by_one_fetch(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    docs = {}
    counts = {}
    for workers in (1, 4):
        sb: Sandbox = make_sandbox()
        client, _ = _login(sb, workers=workers)
        before = client.stats.requests
        got: list[bytes] = []
        client.fetch(store=lambda d, got=got: got.append(d.data) or True)
        docs[workers] = sorted(got)
        counts[workers] = client.stats.requests - before
    assert docs[1] == docs[4]
    assert counts[4] <= counts[1]
