"""Retries of the portal client (``PROTOCOL.md`` §7): what is worth another attempt, how long to wait.

Retried, a bounded number of times, with exponential backoff and "equal jitter" or exactly the
server's ``Retry-After`` (plus at most 10 % jitter): timeouts and connection failures, HTTP
429/500/502/503/504, ``resultCode`` 1000 (too many requests), invalid or truncated JSON answers
and わたしの情報 status 06 (over capacity). A ``Retry-After`` longer than ``max_retry_after`` is not
waited for: :class:`~mynalib.errors.RateLimited` is raised at once. Every retry is recorded with its
reason in the list the caller hands in (``PortalClient.stats.retries``).

Never retried (the caller does not route them here): the login steps and the token endpoint.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from ..errors import PortalError, PortalUnavailable, RateLimited
from ..log import get_logger

log = get_logger("mynalib.portal")

#: HTTP statuses worth another attempt
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


class Retry(Exception):
    """A transient failure worth another attempt; ``final`` is raised when the budget is spent."""

    def __init__(
        self, reason: str, retry_after: float | None = None, final: PortalError | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.final = final


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (a number or an HTTP date), None if absent or bad."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def check_http(response: httpx.Response) -> httpx.Response:
    """``response`` unless its HTTP status is transient (:class:`Retry`; 429 ends as RateLimited)."""
    if response.status_code in RETRY_STATUSES:
        ra = retry_after(response)
        final: PortalError | None = None
        if response.status_code == 429:
            final = RateLimited(retry_after=ra, hint="the portal limits requests; try again later")
        raise Retry(f"HTTP {response.status_code}", ra, final)
    return response


def transport_failure(exc: Exception) -> Retry:
    """The :class:`Retry` for an httpx timeout or connection failure."""
    if isinstance(exc, httpx.TimeoutException):
        return Retry(f"a timeout ({type(exc).__name__})")
    return Retry(f"a connection failure ({type(exc).__name__})")


def blocked(response: httpx.Response) -> Retry:
    """The :class:`Retry` for ``resultCode`` 1000 (too many requests, with ``Retry-After``)."""
    ra = retry_after(response)
    return Retry(
        f"resultCode 1000 (too many requests, Retry-After {ra})",
        ra,
        RateLimited(retry_after=ra, hint="the portal limits requests; try again later"),
    )


@dataclass
class RetryPolicy:
    """How often and how long to retry. ``sleep`` and ``jitter`` are injectable (tests never wait)."""

    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry ``attempt + 1`` (RateLimited if the server asks too much)."""
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                raise RateLimited(
                    f"The portal asks to wait {retry_after:.0f} s before trying again",
                    retry_after=retry_after,
                    hint="try again later",
                )
            return retry_after + self.jitter() * min(1.0, retry_after * 0.1)
        delay = min(self.backoff_max, self.backoff_base * (2**attempt))
        return delay / 2 + self.jitter() * delay / 2  # "equal jitter"

    def wait(
        self, what: str, attempt: int, reason: str, retry_after: float | None, record: list[str]
    ) -> None:
        """Wait before retry ``attempt + 1`` of ``what``, recording it with its reason."""
        delay = self.delay(attempt, retry_after)
        record.append(
            f"{what}: retry {attempt + 1}/{self.max_retries} after {reason} (waited {delay:.2f} s)"
        )
        log.info("%s: retrying after %s (%.2f s)", what, reason, delay)
        self.sleep(delay)

    def run(self, what: str, attempt_fn: Callable[[], T], record: list[str]) -> T:
        """Run ``attempt_fn`` until it succeeds or the retry budget is spent."""
        last: Retry | None = None
        for attempt in range(self.max_retries + 1):
            try:
                return attempt_fn()
            except Retry as exc:
                last = exc
                if attempt == self.max_retries:
                    break
                self.wait(what, attempt, exc.reason, exc.retry_after, record)
        assert last is not None
        if last.final is not None:
            raise last.final
        raise PortalUnavailable(
            f"{what} failed {self.max_retries + 1} times (last: {last.reason})",
            hint="the portal seems to be down or overloaded; try again later",
        )


__all__ = [
    "RETRY_STATUSES",
    "Retry",
    "RetryPolicy",
    "blocked",
    "check_http",
    "retry_after",
    "transport_failure",
]
