"""The machine's one pcscd, for the tests and the benchmarks: one helper, no pytest.

``myna`` itself never starts pcscd (``myna card serve-virtual`` needs one running), so this lives
beside the tests; the benchmarks import it too (``from tests import pcscd``).

- :func:`turn`: the machine-wide lock file through which test processes (xdist workers, another
  test run) and the benchmarks take turns with pcscd: an exclusive ``flock``, waited for.
- :func:`pcscd`: ``pcscd --foreground`` as our child, ready when it lists the vpcd reader
  ("Virtual PCD 00 00"), polled every :data:`POLL` seconds; stopped by its PID on leaving. It
  refuses (:class:`ForeignPcscd`) when a pcscd it did not start is running: that one is never
  touched. Readiness is not checked by connecting to vpcd's port: vpcd would take that
  connection for a card's and keep the next one, the card's, waiting about a second.
- :func:`own_pcscd`: both, in that order.
- :func:`wait_for_reader`: until the reader of a vpcd slot is listed, with or without a card.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from mynalib.demo import stop_process

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
#: vpcd's port for slot 0 (slot 1 is the next one)
VPCD_PORT = 35963
VPCD_READER_PREFIX = "Virtual PCD"
#: the lock file through which test processes and benchmarks take turns with the one pcscd
PCSCD_LOCK = Path(tempfile.gettempdir()) / "mynalib-tests-pcscd.lock"
#: how often pcscd's readers are listed while waiting for one (a wait, not a speed check)
POLL = 0.02


class ForeignPcscd(RuntimeError):
    """A pcscd that this process did not start is running: it is neither used nor stopped."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(f"a pcscd not started here is running (PID {pids}); not touching it")
        self.pids = pids


class PcscdExited(RuntimeError):
    """The pcscd we started exited before its reader was listed."""


class TurnTimeout(TimeoutError):
    """Another process held the pcscd lock for the whole wait."""


def pcscd_binary() -> str:
    return shutil.which("pcscd") or "/usr/sbin/pcscd"


def missing_reason() -> str | None:
    """Why pcscd + vpcd + pyscard cannot run here (None when they can)."""
    if not Path(pcscd_binary()).exists():
        return "pcscd is not installed (apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return "the vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return 'pyscard is not installed (pip install "mynalib[pcsc]")'
    return None


def running_pcscd() -> list[int]:
    """PIDs of the pcscd processes (any owner) running now."""
    try:
        out = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, text=True, check=False)
    except FileNotFoundError:  # pragma: no cover - no procps
        return []
    return [int(x) for x in out.stdout.split()]


@contextlib.contextmanager
def turn(*, timeout: float = 900.0, lock: Path = PCSCD_LOCK) -> Iterator[None]:
    """Hold the machine-wide pcscd lock (an exclusive ``flock`` on ``lock``), waiting up to
    ``timeout`` seconds for it (:class:`TurnTimeout`); released on leaving."""
    lock.touch(exist_ok=True)
    with open(lock, "r+b") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TurnTimeout(
                        f"another process held the pcscd lock for {timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def reader_name(slot: int) -> str:
    """The end of the vpcd reader's name for ``slot`` ("Virtual PCD 00 00" for slot 0)."""
    return f"00 {slot:02d}"


def wait_for_reader(
    present: bool | None = True,
    *,
    timeout: float = 60.0,
    slot: int = 0,
    proc: subprocess.Popen[bytes] | None = None,
) -> str:
    """Wait until pcscd lists the vpcd reader of ``slot`` — with a card (``present=True``),
    without one (``False``) or either way (``None``) — and return its name. Polls every
    :data:`POLL` seconds and returns as soon as it is seen; ``timeout`` is generous, for a
    loaded 2-core machine. Raises :class:`PcscdExited` if ``proc`` (our pcscd) exits first,
    :class:`TimeoutError` after ``timeout``."""
    from mynalib.card.pcsc import reader_states
    from mynalib.errors import CardError

    deadline = time.monotonic() + timeout
    last = "no reader"
    while True:
        try:
            for state in reader_states():
                if state.name.startswith(VPCD_READER_PREFIX) and state.name.endswith(
                    reader_name(slot)
                ):
                    if present is None or state.card_present == present:
                        return state.name
                    last = f"{state.name}: card_present={state.card_present}"
        except CardError as exc:  # pcscd not (yet) running, or its readers not yet added
            last = str(exc)
        if proc is not None and proc.poll() is not None:
            raise PcscdExited(f"pcscd exited with status {proc.returncode} ({last})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"vpcd reader not in the expected state after {timeout} s ({last})")
        time.sleep(POLL)


@contextlib.contextmanager
def pcscd(log: Path, *, timeout: float = 60.0) -> Iterator[subprocess.Popen[bytes]]:
    """``pcscd --foreground`` as our child (its output appended to ``log``), yielded once it
    lists the vpcd reader; stopped by its PID on leaving. Hold :func:`turn` around it. Raises
    :class:`ForeignPcscd` if a pcscd not started here runs, :class:`PcscdExited` if ours exits
    at start, :class:`TimeoutError` if its reader is not listed within ``timeout`` seconds."""
    running = running_pcscd()
    if running:
        raise ForeignPcscd(running)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [pcscd_binary(), "--foreground", "--error"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_reader(None, timeout=timeout, proc=proc)
        yield proc
    finally:
        stop_process(proc, timeout=30)


@contextlib.contextmanager
def own_pcscd(
    log: Path, *, turn_timeout: float = 900.0, timeout: float = 60.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Our turn (:func:`turn`), then our pcscd (:func:`pcscd`)."""
    with turn(timeout=turn_timeout), pcscd(log, timeout=timeout) as proc:
        yield proc
