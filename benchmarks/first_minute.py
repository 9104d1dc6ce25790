"""Benchmark: the first minute of a newcomer, cold and warm, beside process-start baselines.

Each step runs the README's command in a new process; "cold" is the first run with a new HOME
(``HOME`` and ``MYNA_HOME`` in a new temporary folder), "warm" the next run with the same HOME.
Measured in one run, one process at a time:

- baselines: ``python -c pass`` and ``myna --help`` (the interpreter and the CLI starting);
- ``myna sandbox``: from the start until its port accepts connections (target ≤ 1.5 s);
- ``myna card serve-virtual`` (a new profile, then the same one): from the start until pcscd
  shows a card in the reader "Virtual PCD 00 00" (target ≤ 1.5 s). Needs pcscd and the vpcd
  driver; pcscd is started here in the foreground and stopped by its PID, taking turns with the
  tests through their lock file.
- ``myna login --virtual`` against a running sandbox: the whole command (target ≤ 2 s);
- ``myna demo --no-browser`` (what ``make demo`` runs): until the first dashboard URL is printed.

Prints each figure, its ratio to ``myna --help`` and the target; figures are printed, never
asserted. ``--runs N`` takes the median of N warm runs.

    .venv/bin/python benchmarks/first_minute.py [--runs 3] [--skip-demo]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
#: the lock through which the tests take turns with the machine's one pcscd (tests/pcsc_stack.py)
PCSCD_LOCK = Path(tempfile.gettempdir()) / "mynalib-tests-pcscd.lock"
VAULT_PASS = "first-minute-benchmark-passphrase"


def myna() -> list[str]:
    """The README's ``myna`` (the venv's entry point), else ``python -m mynalib.cli``."""
    script = Path(sys.executable).parent / "myna"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mynalib.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def new_home() -> dict[str, str]:
    home = Path(tempfile.mkdtemp(prefix="myna-first-minute-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MYNA_", "JUPYTER"))}
    env.update(
        HOME=str(home),
        MYNA_HOME=str(home / "myna"),
        MYNA_VAULT=str(home / "vault"),
        MYNA_VAULT_PASSPHRASE=VAULT_PASS,
        PYTHONPATH=str(ROOT),
    )
    return env


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Ctrl-C by PID, then SIGKILL if it does not stop."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def run_once(cmd: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - began


def sandbox_start(env: dict[str, str], port: int) -> tuple[float, subprocess.Popen[bytes]]:
    began = time.perf_counter()
    log = open(Path(env["HOME"]) / f"sandbox-{port}.log", "ab")
    proc = subprocess.Popen(
        [*myna(), "sandbox", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    while not port_open(port):
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox stopped; see {env['HOME']}")
        time.sleep(0.01)
    return time.perf_counter() - began, proc


def sandbox_listens(env: dict[str, str]) -> float:
    took, proc = sandbox_start(env, free_port())
    stop(proc)
    return took


def login(env: dict[str, str], url: str) -> float:
    run_env = dict(env, MYNA_AUTH_PIN="1234", MYNA_PORTAL=url)
    began = time.perf_counter()
    out = subprocess.run(
        [*myna(), "login", "--virtual"], env=run_env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"myna login --virtual failed: {out.stderr[-2000:]}")
    return time.perf_counter() - began


def demo_first_url(env: dict[str, str]) -> float:
    workdir = Path(env["HOME"]) / "demo"
    began = time.perf_counter()
    proc = subprocess.Popen(
        [*myna(), "demo", "--no-browser", "--workdir", str(workdir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "http://" in line:
                return time.perf_counter() - began
        raise RuntimeError("myna demo printed no URL")
    finally:
        stop(proc)


# --- pcscd ---------------------------------------------------------------------------------


def pcsc_missing() -> str | None:
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return "pcscd is not installed (apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return "the vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed"
    out = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, text=True, check=False)
    if out.stdout.split():
        return f"a pcscd not started here is running (PID {out.stdout.split()}); not touched"
    return None


@contextlib.contextmanager
def pcscd(log_dir: Path, turn_timeout: float = 600.0) -> Iterator[subprocess.Popen[bytes]]:
    """``pcscd --foreground`` as our child, in our turn with the tests; stopped by its PID."""
    PCSCD_LOCK.touch(exist_ok=True)
    with open(PCSCD_LOCK, "r+b") as lock:
        deadline = time.monotonic() + turn_timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the tests held the pcscd lock") from None
                time.sleep(0.5)
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        with open(log_dir / "pcscd.log", "ab") as log:
            proc = subprocess.Popen(
                [binary, "--foreground", "--error"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 60
            # ready when pcscd lists the vpcd reader (not by connecting to vpcd's port: vpcd
            # would then keep the next connection, the card's, waiting about a second)
            while not reader_listed():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pcscd did not start")
                time.sleep(0.05)
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


def reader_listed() -> bool:
    from mynalib.card.pcsc import reader_states

    with contextlib.suppress(Exception):
        return any(state.name.endswith("00 00") for state in reader_states())
    return False


def card_in_reader(present: bool, timeout: float = 120.0) -> bool:
    from mynalib.card.pcsc import reader_states

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            for state in reader_states():
                if state.name.endswith("00 00") and state.card_present == present:
                    return True
        time.sleep(0.01)
    return False


def serve_virtual(env: dict[str, str]) -> float:
    profile = Path(env["HOME"]) / "virtual-card.json"
    began = time.perf_counter()
    log = open(Path(env["HOME"]) / "serve-virtual.log", "ab")
    proc = subprocess.Popen(
        [*myna(), "card", "serve-virtual", "--profile", str(profile)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        if not card_in_reader(True):
            raise RuntimeError("no card appeared in the vpcd reader")
        return time.perf_counter() - began
    finally:
        stop(proc)
        card_in_reader(False, timeout=30)
        time.sleep(0.5)  # let pcscd see the reader empty before the next card


# --- report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs (median)")
    parser.add_argument("--skip-demo", action="store_true", help="leave out myna demo")
    args = parser.parse_args()
    runs = max(1, args.runs)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {' '.join(myna())}")

    env = new_home()
    py_cold = run_once([sys.executable, "-c", "pass"], env)
    py_warm = statistics.median(run_once([sys.executable, "-c", "pass"], env) for _ in range(runs))
    help_cold = run_once([*myna(), "--help"], env)
    help_warm = statistics.median(run_once([*myna(), "--help"], env) for _ in range(runs))
    print("baselines (ratios below are to `myna --help`, warm against warm, cold against cold):")
    print(f"{'python -c pass':<38} cold {py_cold:6.2f} s            warm {py_warm:6.2f} s")
    print(f"{'myna --help':<38} cold {help_cold:6.2f} s            warm {help_warm:6.2f} s")

    def both(fn: object, target: float | None, label: str) -> None:
        assert callable(fn)
        home = new_home()
        cold = fn(home)
        warm = statistics.median(fn(home) for _ in range(runs))
        print(
            f"{label:<38} cold {cold:6.2f} s ({cold / help_cold:4.1f}×)   "
            f"warm {warm:6.2f} s ({warm / help_warm:4.1f}×)"
            + (
                f"  target ≤ {target:.1f} s: {'met' if cold <= target else 'MISSED'}"
                if target
                else ""
            )
        )

    both(sandbox_listens, 1.5, "myna sandbox until it listens")

    reason = pcsc_missing()
    if reason:
        print(f"{'myna card serve-virtual':<38} skipped: {reason}")
    else:
        with pcscd(Path(env["HOME"])):
            both(serve_virtual, 1.5, "myna card serve-virtual: card in reader")

    sandbox_env = new_home()
    port = free_port()
    _took, sandbox = sandbox_start(sandbox_env, port)
    try:
        url = f"http://127.0.0.1:{port}"
        both(lambda home: login(home, url), 2.0, "first myna login --virtual")
    finally:
        stop(sandbox)

    if not args.skip_demo:
        both(demo_first_url, None, "make demo (myna demo): first URL")


if __name__ == "__main__":
    main()
