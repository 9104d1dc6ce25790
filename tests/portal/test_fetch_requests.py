"""What `fetch all` asks the portal, counted from the sandbox's own request log at the poll delay
`myna sandbox` starts with: within 85 requests, each item requested once and polled only when the
portal says its answer may be ready; and the one-at-a-time fetch (``sequential``) stores the
same documents."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.commands.portal import sandbox_cmd
from mynalib.portal import protocol as P
from mynalib.portal.client import PortalClient
from mynalib.secrets import Pin
from mynalib.vault import open_vault

from .conftest import PortalCli, Sandbox, member_profile, vault_contents

MAX_REQUESTS = 85


class Clock:
    """The sandbox's clock: the real time (tokens and certificates are checked against it, and
    requests take the time they take) moved on by the client's waits, which do not sleep."""

    def __init__(self) -> None:
        self.slept = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return time.time() + self.slept

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept += seconds


def _defaults() -> dict[str, Any]:
    """The わたしの情報 timing `myna sandbox` starts with (its options' defaults)."""
    options = {p.name: p.default for p in sandbox_cmd.params}
    pending = int(options["pending_polls"])
    return {
        "poll_delay": float(options["poll_delay"]),
        "pending_polls": pending,
        "done_step": pending > 0,
    }


def _logged_in(
    make_sandbox: Callable[..., Sandbox], **kw: Any
) -> tuple[Sandbox, PortalClient, Clock]:
    clock = Clock()
    sb = make_sandbox(clock=clock, **_defaults())
    client = sb.client(sleep=clock.sleep, **kw)
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    return sb, client, clock


def _fetch(sb: Sandbox, client: PortalClient) -> tuple[Counter[str], list[tuple[str, bytes]]]:
    start = len(sb.state.request_log)
    docs: list[tuple[str, bytes]] = []
    report = client.fetch(["all"], store=lambda d: docs.append((d.kind, d.data)) or True)
    assert not report.errors and not report.pending
    paths = Counter(path for _, path in sb.state.request_log[start:])
    return paths, sorted(docs)


def test_fetch_all_at_the_default_poll_delay_stays_within_85_requests(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    assert _defaults()["poll_delay"] >= 1.0  # the case the count is about: answers take a while
    sb, client, _ = _logged_in(make_sandbox)
    paths, docs = _fetch(sb, client)
    total = sum(paths.values())
    assert total <= MAX_REQUESTS, paths
    items = len(P.ITEMS)
    assert paths[P.API_PREFIX + "myinfo/request"] == items  # each item asked once
    # polled when the portal says the answer may be ready: the pending answer (its Retry-After
    # waited out), the 02 step, the results; one more poll only for an item whose first poll
    # came after its delay (a slow machine), answered pending once without a hint
    assert paths[P.API_PREFIX + "myinfo/get"] <= 4 * items, paths
    assert len({kind for kind, _ in docs}) >= items


def test_a_pending_answer_says_when_to_poll_again_even_under_a_second(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    _, client, clock = _logged_in(make_sandbox)
    rid = client.call("myinfo/request", {"itemIds": ["TM00000000000101"]})["requestId"]
    clock.sleep(0.4)  # about 0.6 s of the 1 s delay left: whole seconds, rounded up
    _, _, response = client.call_raw("myinfo/get", {"requestId": rid})
    assert response.headers.get("Retry-After") == "1"
    clock.sleep(1.0)  # due: no hint any more
    _, _, response = client.call_raw("myinfo/get", {"requestId": rid})
    assert "Retry-After" not in response.headers


def _most_at_once(client: PortalClient) -> list[int]:
    """[calls under way now, most under way at once], kept up by the client's event hooks."""
    in_flight = [0, 0]
    lock = threading.Lock()

    def enter(request: httpx.Request) -> None:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)

    def leave(response: httpx.Response) -> None:
        with lock:
            in_flight[0] -= 1

    client.http.event_hooks["request"].append(enter)
    client.http.event_hooks["response"].append(leave)
    return in_flight


def test_the_sequential_fetch_stores_the_same_documents_one_call_at_a_time(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    contents: dict[bool, list[tuple[str, str | None, str | None, bytes, str]]] = {}
    for sequential in (False, True):
        sb, client, _ = _logged_in(make_sandbox, sequential=sequential)
        in_flight = _most_at_once(client)
        start = len(sb.state.request_log)
        with open_vault(tmp_path / f"v{sequential}") as vault:
            report = client.fetch(["all"], store=vault.put)
            assert not report.errors and not report.pending
            calls = [path.rsplit("/", 2)[-1] for _, path in sb.state.request_log[start:]]
            contents[sequential] = vault_contents(vault)
            again = client.fetch(["all"], store=vault.put)
            assert again.stored == 0  # idempotent either way
        if sequential:
            assert in_flight[1] == 1
            # each item asked only once the one before is answered: request, polls, request, …
            asked = [n for n, c in enumerate(calls) if c == "request"]
            assert len(asked) == len(P.ITEMS)
            assert all("get" in calls[a:b] for a, b in itertools.pairwise(asked))
            assert calls[asked[-1] + 1 :].count("request") == 0
            assert calls[-1] != "get"  # the lists after the items
        else:
            assert in_flight[1] > 1  # the lists beside the polls
    assert contents[True] == contents[False] and len(contents[True]) > len(P.ITEMS)


@pytest.mark.slow
def test_myna_fetch_sequential_then_the_usual_and_the_batched_fetch_store_nothing_new(
    portal_cli: Callable[..., PortalCli],
) -> None:
    myna = portal_cli("--poll-delay", "0", "--pending-polls", "0")
    first = myna("fetch", "all", "--sequential", "--no-progress")
    assert first.returncode == 0, first.stderr
    stored = re.search(r"(\d+) new documents stored", first.stdout)
    assert stored and int(stored.group(1)) > len(P.ITEMS), first.stdout
    again = myna("fetch", "all", "--no-progress")
    assert again.returncode == 0 and "0 new documents stored" in again.stdout, again.stdout
    # every item in one request: the same documents again, with fewer requests
    together = myna("fetch", "all", "--no-progress", "--items-per-request", str(len(P.ITEMS)))
    assert together.returncode == 0 and "0 new documents stored" in together.stdout
    requests = [
        int(m.group(1))
        for out in (again, together)
        if (m := re.search(r"(\d+) requests", out.stdout))
    ]
    assert len(requests) == 2 and requests[1] < requests[0], requests
