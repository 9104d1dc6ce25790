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
while a pcscd of theirs runs and by the tests that need no pcscd running.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_PORT = 35963
VPCD_READER_PREFIX = "Virtual PCD"


def missing_reason() -> str | None:
    """Why the stack cannot run here (None when it can)."""
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return "pcscd is not installed (apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return "the vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return 'pyscard is not installed (pip install "mynalib[pcsc]")'
    return None


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def _foreign_pcscd() -> list[int]:
    """PIDs of pcscd processes (any owner) currently running."""
    try:
        out = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, text=True, check=False)
    except FileNotFoundError:  # pragma: no cover
        return []
    return [int(x) for x in out.stdout.split()]


#: the lock file through which test processes take turns with the machine's one pcscd
PCSCD_LOCK = Path(tempfile.gettempdir()) / "mynalib-tests-pcscd.lock"
#: how long a test waits for its turn before it is skipped with the reason
PCSCD_TURN_TIMEOUT = 900.0


@contextlib.contextmanager
def pcscd_turn(timeout: float = PCSCD_TURN_TIMEOUT, lock: Path = PCSCD_LOCK) -> Iterator[None]:
    """Hold the machine-wide pcscd lock (an exclusive ``flock``); other test processes (xdist
    workers, another test run) wait for it. Skips the test if the turn does not come."""
    lock.touch(exist_ok=True)
    with open(lock, "r+b") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip(f"another test process held the pcscd lock for {timeout:.0f} s")
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


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


def _pcscd_binary() -> str:
    return shutil.which("pcscd") or "/usr/sbin/pcscd"


#: pcscd processes started by this test process: pid -> number of users
_OWN: dict[int, int] = {}
#: vpcd slots (0 -> port 35963, 1 -> 35964) in use by bridges of this process
_SLOTS: set[int] = set()


@contextlib.contextmanager
def pcscd_process(timeout: float = 10.0) -> Iterator[int | None]:
    """Start ``pcscd --foreground`` as a child unless this process already runs one (then share
    it); stop it by PID when its last user leaves. A pcscd started by someone else is never
    touched: the test is skipped with the reason. A new pcscd waits for :func:`pcscd_turn`."""
    running = _foreign_pcscd()
    own = [pid for pid in running if pid in _OWN]
    if own:
        pid = own[0]
        _OWN[pid] += 1
        try:
            yield pid
        finally:
            _OWN[pid] -= 1
        return
    with pcscd_turn():
        with _new_pcscd(timeout) as pid:
            yield pid


@contextlib.contextmanager
def _new_pcscd(timeout: float) -> Iterator[int]:
    running = _foreign_pcscd()
    if running:
        pytest.skip(
            f"a pcscd not started by these tests is running (PID {running}); not touching it "
            "(stop it, or run the PC/SC tests when it is gone)"
        )
    log_path = Path(os.environ.get("MYNA_HOME", "/tmp")) / "pcscd.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [_pcscd_binary(), "--foreground", "--error"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _OWN[proc.pid] = 1
    try:
        deadline = time.monotonic() + timeout
        while not _port_open(VPCD_PORT):
            if proc.poll() is not None:
                pytest.skip(f"pcscd exited at start (status {proc.returncode}); see {log_path}")
            if time.monotonic() > deadline:
                pytest.fail(f"pcscd did not open the vpcd port {VPCD_PORT} in {timeout} s")
            time.sleep(0.05)
        yield proc.pid
    finally:
        _OWN[proc.pid] -= 1
        if _OWN[proc.pid] <= 0:
            del _OWN[proc.pid]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


def wait_for_reader_card(present: bool = True, timeout: float = 10.0, slot: int = 0) -> str:
    """Wait until pyscard sees the vpcd reader of ``slot`` with (or without) a card."""
    from mynalib.card.pcsc import reader_states
    from mynalib.errors import CardError

    deadline = time.monotonic() + timeout
    last = "no reader"
    while time.monotonic() < deadline:
        try:
            for state in reader_states():
                if state.name.startswith(VPCD_READER_PREFIX) and state.name.endswith(
                    f"00 {slot:02d}"
                ):
                    if state.card_present == present:
                        return state.name
                    last = f"{state.name}: card_present={state.card_present}"
        except CardError as exc:
            last = str(exc)
        time.sleep(0.05)
    raise TimeoutError(f"vpcd reader not in the expected state after {timeout} s ({last})")


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
        bridge = VpcdBridge(card, port=VPCD_PORT + slot)
        _SLOTS.add(slot)
        try:
            bridge.start()
            reader = wait_for_reader_card(True, slot=slot)
            yield PcscStack(reader, bridge, card, pid, time.perf_counter() - t0)
        finally:
            bridge.stop()
            _SLOTS.discard(slot)
            with contextlib.suppress(TimeoutError):
                wait_for_reader_card(False, timeout=3, slot=slot)


@pytest.fixture(scope="module")
def pcsc_card() -> Iterator[PcscStack]:
    """Module-scoped PC/SC stack with a fresh default profile (seed ``pcsc-stack``)."""
    with pcsc_stack() as stack:
        yield stack
