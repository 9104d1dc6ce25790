"""mynalib.portal.retry on its own: the policy the client's calls run under."""

from __future__ import annotations

import httpx
import pytest

from mynalib.errors import PortalUnavailable, RateLimited
from mynalib.portal.retry import Retry, RetryPolicy, blocked, check_http, retry_after


def test_run_retries_a_bounded_number_of_times_and_records_each() -> None:
    waits: list[float] = []
    policy = RetryPolicy(max_retries=2, backoff_base=1.0, sleep=waits.append, jitter=lambda: 1.0)
    record: list[str] = []
    calls = []

    def attempt() -> str:
        calls.append(1)
        raise Retry("HTTP 503")

    with pytest.raises(PortalUnavailable, match=r"notices/list failed 3 times \(last: HTTP 503\)"):
        policy.run("notices/list", attempt, record)
    assert len(calls) == 3 and waits == [1.0, 2.0]
    assert record == [
        "notices/list: retry 1/2 after HTTP 503 (waited 1.00 s)",
        "notices/list: retry 2/2 after HTTP 503 (waited 2.00 s)",
    ]


def test_retry_after_is_honoured_and_a_long_one_is_not_waited() -> None:
    policy = RetryPolicy(max_retry_after=60.0, jitter=lambda: 0.0)
    assert policy.delay(0, 3.0) == 3.0
    with pytest.raises(RateLimited):
        policy.delay(0, 61.0)


def test_responses_worth_a_retry() -> None:
    request = httpx.Request("POST", "http://portal.test/api/v1/notices/list")
    ok = httpx.Response(200, request=request)
    assert check_http(ok) is ok
    with pytest.raises(Retry) as caught:
        check_http(httpx.Response(429, headers={"Retry-After": "2"}, request=request))
    assert caught.value.retry_after == 2.0 and isinstance(caught.value.final, RateLimited)
    rate = blocked(httpx.Response(200, headers={"Retry-After": "1"}, request=request))
    assert rate.retry_after == 1.0 and isinstance(rate.final, RateLimited)
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
