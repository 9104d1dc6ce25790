"""Several わたしの情報 items in one ``myinfo/request`` (``PortalClient(items_per_request=N)``):
fewer requests and polls, the same documents as one item per request, and an item failing inside
a request does not take the others with it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.portal import protocol as P
from mynalib.portal.client import PendingItem, PortalClient
from mynalib.secrets import Pin
from mynalib.vault import open_vault

from .conftest import Sandbox, member_profile, vault_contents

DRUGS = "TM00000000000703"


def _login(sb: Sandbox, **kw: Any) -> PortalClient:
    client = sb.client(**kw)
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    return client


def _asked(client: PortalClient) -> list[dict[str, Any]]:
    """The reqBody of every myinfo/request the client sends from now on."""
    bodies: list[dict[str, Any]] = []

    def keep(request: httpx.Request) -> None:
        if request.url.path.endswith("/myinfo/request"):
            bodies.append(json.loads(request.content)["reqBody"])

    client.http.event_hooks["request"].append(keep)
    return bodies


@pytest.mark.parametrize("per_request", [5, len(P.ITEMS)])
def test_items_asked_together_store_what_one_item_per_request_stores(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, per_request: int
) -> None:
    contents = {}
    counts: dict[int, Counter[str]] = {}
    condition = {"year": 2024, "from": "2025-01", "to": "2025-06"}
    for size in (1, per_request):
        sb = make_sandbox(pending_polls=1, done_step=True)
        client = _login(sb, items_per_request=size)
        bodies = _asked(client)
        start = len(sb.state.request_log)
        with open_vault(tmp_path / f"v{size}") as vault:
            report = client.fetch(["all"], store=vault.put)
            assert not report.errors and not report.pending
            assert sorted(report.answered) == sorted(i.item_id for i in P.ITEMS)
            conditioned = client.fetch(["all"], store=vault.put, condition=condition)
            assert not conditioned.errors and conditioned.stored > 0
            contents[size] = vault_contents(vault)
            assert client.fetch(["all"], store=vault.put).stored == 0  # idempotent
        counts[size] = Counter(path for _, path in sb.state.request_log[start:])
        asked = [b["itemIds"] for b in bodies]
        assert all(len(ids) <= size for ids in asked)
        assert sum(len(ids) for ids in asked) == 3 * len(P.ITEMS)  # each item once per fetch
        if size > 1:
            assert max(len(ids) for ids in asked) == size  # several ids in one request
            # the conditions of the items asked together travel in their one request
            with_conditions = [b for b in bodies if b.get("conditions")]
            assert {i for b in with_conditions for i in b["conditions"]} == {
                "TM00000000000201",
                "TM00000000000701",
                DRUGS,
            }
            assert all(set(b["conditions"]) <= set(b["itemIds"]) for b in with_conditions)
    assert contents[per_request] == contents[1]
    requests = -(-len(P.ITEMS) // per_request)  # per fetch
    assert counts[per_request][P.API_PREFIX + "myinfo/request"] == 3 * requests
    assert counts[per_request][P.API_PREFIX + "myinfo/get"] < counts[1][P.API_PREFIX + "myinfo/get"]


class _SpoilOneItem(httpx.AsyncBaseTransport):
    """The sandbox, but its final myinfo/get answers give one item a bad fate: over capacity
    (06), an unknown status, or the item left out of the answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, item_id: str, fate: str) -> None:
        self.inner, self.item_id, self.fate = inner, item_id, fate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/myinfo/get"):
            return response
        data = json.loads(await response.aread())
        items = data.get("resBody", {}).get("items", [])
        if not any(i.get("status") == P.STATUS_RESULTS for i in items):
            return httpx.Response(response.status_code, headers=response.headers, json=data)
        kept = []
        for item in items:
            if item["itemId"] == self.item_id:
                if self.fate == "missing":
                    continue
                item = {"itemId": self.item_id, "status": self.fate}
            kept.append(item)
        data["resBody"]["items"] = kept
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=body)


@pytest.mark.parametrize("fate", [P.STATUS_OVER_CAPACITY, "77", "missing"])
def test_one_item_failing_inside_a_request_does_not_lose_the_others(
    make_sandbox: Callable[..., Sandbox], fate: str
) -> None:
    sb = make_sandbox()
    transport = _SpoilOneItem(httpx.ASGITransport(app=sb.app), DRUGS, fate)
    client = _login(sb, items_per_request=len(P.ITEMS), transport=transport)
    bodies = _asked(client)
    report = client.fetch(["all"], store=lambda d: True, keep_going=True)
    assert len(bodies) == 1 and len(bodies[0]["itemIds"]) == len(P.ITEMS)
    assert [label for label, _ in report.errors] == [P.ITEMS_BY_ID[DRUGS].name]
    assert sorted(report.answered) == sorted(i.item_id for i in P.ITEMS if i.item_id != DRUGS)
    kinds = set(report.new)
    assert "portal_drugs" not in kinds
    assert {i.kind for i in P.ITEMS if i.item_id != DRUGS} <= kinds
    assert "portal_notices" in kinds  # the lists went on too


def test_a_forgotten_request_of_several_items_is_asked_anew_in_one_request(
    sandbox: Sandbox,
) -> None:
    client = _login(sandbox, items_per_request=2)
    assert client.session is not None
    me = client.session.person_id
    forgotten = [PendingItem(i, "0" * 24, 0.0, me) for i in ("TM00000000000101", DRUGS)]
    bodies = _asked(client)
    report = client.fetch([], store=lambda d: True, pending=forgotten)
    assert sorted(report.answered) == sorted(p.item_id for p in forgotten)
    assert not report.pending and not report.errors
    assert [b["itemIds"] for b in bodies] == [["TM00000000000101", DRUGS]]
    assert sum("no longer knows the request" in r for r in client.stats.retries) == 2
