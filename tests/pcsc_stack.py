"""A real PC/SC stack for tests: ``pcscd -f`` as a child process + the software card via vpcd.

Other tests can reuse it::

    from tests.pcsc_stack import pcsc_stack          # a context manager
    with pcsc_stack(profile) as stack:               # profile: CardProfile (in memory)
        with open_card(stack.reader) as card: ...

or the pytest fixture ``pcsc_card`` (import it into a conftest: ``from tests.pcsc_stack import
pcsc_card  # noqa: F401``). Skips with a visible reason when pcscd, the vpcd driver or pyscard
is missing. pcscd is started by this process and stopped by its PID; a pcscd that someone else
started is never killed nor used: the test is skipped with the reason. Nested stacks in one process
share the pcscd and use the second vpcd slot.

The machine has one pcscd: test processes that run at the same time (the workers of
``make test``, which runs pytest-xdist) take turns through a lock file (:func:`pcscd_turn`), held
while a pcscd of theirs runs and by the tests that need no pcscd running. Starting, readiness
and stopping are :mod:`tests.pcscd`'s (shared with the benchmarks); this module turns what it
raises into a skip with the reason, and shares one pcscd between nested stacks.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import pcscd
from tests.pcscd import VPCD_PORT, missing_reason, running_pcscd, wait_for_reader

__all__ = [
    "PcscStack",
    "missing_reason",
    "no_pcscd",
    "pcsc_card",
    "pcsc_stack",
    "pcscd_process",
    "pcscd_turn",
    "running_pcscd",
    "wait_for_reader",
]

#: how long a test waits for its turn before it is skipped with the reason
PCSCD_TURN_TIMEOUT = 900.0


@contextlib.contextmanager
def pcscd_turn(
    timeout: float = PCSCD_TURN_TIMEOUT, lock: Path = pcscd.PCSCD_LOCK
) -> Iterator[None]:
    """Hold the machine-wide pcscd lock (:func:`tests.pcscd.turn`); other test processes (xdist
    workers, another test run, a benchmark) wait for it. Skips the test if the turn does not
    come."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(pcscd.turn(timeout=timeout, lock=lock))
        except pcscd.TurnTimeout as exc:
            pytest.skip(str(exc))
        yield


@contextlib.contextmanager
def no_pcscd() -> Iterator[None]:
    """For a test of what happens without pcscd: our turn with pcscd, so that no pcscd of these
    tests (another worker's) runs meanwhile."""
    with pcscd_turn():
        yield


@dataclass
class PcscStack:
    reader: str
    bridge: object  # VpcdBridge
    card: object  # VirtualCard
    pcscd_pid: int  # the pcscd this process started (shared by nested stacks)
    startup_seconds: float


#: pcscd processes started by this test process: pid -> number of users
_OWN: dict[int, int] = {}
#: vpcd slots (0 -> port 35963, 1 -> 35964) in use by bridges of this process
_SLOTS: set[int] = set()


@contextlib.contextmanager
def pcscd_process(timeout: float = 60.0) -> Iterator[int]:
    """Start ``pcscd --foreground`` as a child unless this process already runs one (then share
    it); stop it by PID when its last user leaves. A pcscd started by someone else is never
    touched: the test is skipped with the reason. A new pcscd waits for :func:`pcscd_turn`."""
    own = [pid for pid in running_pcscd() if pid in _OWN]
    if own:
        pid = own[0]
        _OWN[pid] += 1
        try:
            yield pid
        finally:
            _OWN[pid] -= 1
        return
    log = Path(os.environ.get("MYNA_HOME", "/tmp")) / "pcscd.log"
    with pcscd_turn(), contextlib.ExitStack() as held:
        try:
            proc = held.enter_context(pcscd.pcscd(log, timeout=timeout))
        except pcscd.ForeignPcscd as exc:
            pytest.skip(f"{exc} (stop it, or run the PC/SC tests when it is gone)")
        except pcscd.PcscdExited as exc:
            pytest.skip(f"{exc}; see {log}")
        except TimeoutError as exc:
            pytest.fail(f"pcscd did not list the vpcd reader in {timeout} s: {exc}")
        _OWN[proc.pid] = 1
        try:
            yield proc.pid
        finally:
            del _OWN[proc.pid]


@contextlib.contextmanager
def pcsc_stack(profile: object | None = None) -> Iterator[PcscStack]:
    """pcscd + a VirtualCard attached through the vpcd bridge; everything stopped on exit.

    Nested use in one process shares the pcscd and takes the second vpcd slot (reader
    ``Virtual PCD 00 01``, port 35964).
    """
    reason = missing_reason()
    if reason:
        pytest.skip(f"PC/SC integration stack unavailable: {reason}")
    from mynalib.card.virtual import CardProfile, VirtualCard
    from mynalib.card.virtual.vpcd import VpcdBridge

    if profile is None:
        profile = CardProfile.generate("pcsc-stack")
    assert isinstance(profile, CardProfile)
    free = [slot for slot in (0, 1) if slot not in _SLOTS]
    if not free:
        pytest.skip("both vpcd slots are in use by this test process")
    slot = free[0]
    t0 = time.perf_counter()
    with pcscd_process() as pid:
        card = VirtualCard(profile)
        bridge = VpcdBridge(card, port=VPCD_PORT + slot, connect_timeout=60)
        _SLOTS.add(slot)
        try:
            bridge.start()
            reader = wait_for_reader(True, slot=slot)
            yield PcscStack(reader, bridge, card, pid, time.perf_counter() - t0)
        finally:
            bridge.stop()
            _SLOTS.discard(slot)
            with contextlib.suppress(TimeoutError):
                wait_for_reader(False, timeout=10, slot=slot)


@pytest.fixture(scope="module")
def pcsc_card() -> Iterator[PcscStack]:
    """Module-scoped PC/SC stack with a fresh default profile (seed ``pcsc-stack``)."""
    with pcsc_stack() as stack:
        yield stack
