"""Benchmark: the first minute of a newcomer, cold and warm, beside process-start baselines.

Each step runs the README's command in a new process; "cold" is a first run with a new HOME
(``HOME`` and ``MYNA_HOME`` in a new temporary folder; the median of ``--runs`` such runs), "warm"
the next runs with the same HOME (their median). Measured in one run, one process at a time:

- baselines: ``python -c pass`` and ``myna --help`` (the interpreter and the CLI starting);
- ``myna sandbox``: from the start until its port accepts connections (target ≤ 1.5 s);
- ``myna card serve-virtual`` (a new profile, then the same one): from the start until pcscd
  shows a card in the reader "Virtual PCD 00 00" (target ≤ 1.5 s). Needs pcscd and the vpcd
  driver; pcscd is started here in the foreground and stopped by its PID, taking turns with the
  tests through their lock file (``tests/pcscd.py``).
- ``myna login --virtual`` against a running sandbox: the whole command (target ≤ 2 s);
- ``myna demo --no-browser`` (what ``make demo`` runs): until the first dashboard URL is printed;
- with ``--under-load``, ``myna --help`` and ``myna login --virtual`` again while the machine is
  loaded: ``--burners`` CPU-burning processes (a busy loop each; one per CPU unless said),
  started here before and stopped by PID after (the sandbox keeps running meanwhile, loaded like
  the rest), printed beside the quiet figures.

Prints each figure, its ratio to ``myna --help`` (measured in the same conditions) and the target;
figures are printed, never asserted. A person's install has its bytecode cached, so
``PYTHONDONTWRITEBYTECODE`` is not passed on to the commands.

    .venv/bin/python benchmarks/first_minute.py [--runs 3] [--skip-demo] [--under-load [--burners N]]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mynalib.demo import stop_process  # noqa: E402
from tests import pcscd  # noqa: E402

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
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MYNA_", "JUPYTER")) and k != "PYTHONDONTWRITEBYTECODE"
    }
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
    stop_process(proc, sig=signal.SIGINT, timeout=30)


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
        pcscd.wait_for_reader(True, timeout=120)
        return time.perf_counter() - began
    finally:
        stop(proc)
        pcscd.wait_for_reader(False, timeout=30)
        time.sleep(0.5)  # let pcscd see the reader empty before the next card


# --- report --------------------------------------------------------------------------------


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[None]:
    """``processes`` CPU-burning children (a busy loop each), stopped by their PIDs on leaving."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    try:
        time.sleep(0.5)  # let them reach the scheduler
        yield
    finally:
        for proc in burners:
            stop_process(proc, timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold and warm runs (median)")
    parser.add_argument("--skip-demo", action="store_true", help="leave out myna demo")
    parser.add_argument(
        "--under-load",
        action="store_true",
        help="also measure myna --help and myna login --virtual beside CPU-burning processes",
    )
    parser.add_argument(
        "--burners",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU-burning processes for --under-load (default: one per CPU)",
    )
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

    def both(
        fn: Callable[[dict[str, str]], float],
        target: float | None,
        label: str,
        baselines: tuple[float, float] = (help_cold, help_warm),
    ) -> None:
        colds, warms = [], []
        for _ in range(runs):
            home = new_home()
            colds.append(fn(home))
            warms.append(fn(home))
        cold, warm = statistics.median(colds), statistics.median(warms)
        print(
            f"{label:<38} cold {cold:6.2f} s ({cold / baselines[0]:4.1f}×)   "
            f"warm {warm:6.2f} s ({warm / baselines[1]:4.1f}×)"
            + (
                f"  target ≤ {target:.1f} s: {'met' if cold <= target else 'MISSED'}"
                if target
                else ""
            )
        )

    both(sandbox_listens, 1.5, "myna sandbox until it listens")

    reason = pcscd.missing_reason()
    if reason:
        print(f"{'myna card serve-virtual':<38} skipped: {reason}")
    else:
        try:
            with pcscd.own_pcscd(Path(env["HOME"]) / "pcscd.log", turn_timeout=600):
                both(serve_virtual, 1.5, "myna card serve-virtual: card in reader")
        except (pcscd.ForeignPcscd, pcscd.PcscdExited, pcscd.TurnTimeout) as exc:
            print(f"{'myna card serve-virtual':<38} skipped: {exc}")

    sandbox_env = new_home()
    port = free_port()
    _took, sandbox = sandbox_start(sandbox_env, port)
    try:
        url = f"http://127.0.0.1:{port}"
        both(lambda home: login(home, url), 2.0, "first myna login --virtual")
        if args.under_load:
            burners = max(1, args.burners)
            with cpu_load(burners):
                loaded_help = (
                    statistics.median(
                        run_once([*myna(), "--help"], new_home()) for _ in range(runs)
                    ),
                    statistics.median(run_once([*myna(), "--help"], env) for _ in range(runs)),
                )
                print(
                    f"under load ({burners} CPU burners): myna --help cold {loaded_help[0]:6.2f} s"
                    f"            warm {loaded_help[1]:6.2f} s"
                )
                both(
                    lambda home: login(home, url),
                    2.0,
                    "  first myna login --virtual, loaded",
                    loaded_help,
                )
    finally:
        stop(sandbox)

    if not args.skip_demo:
        both(demo_first_url, None, "make demo (myna demo): first URL")


if __name__ == "__main__":
    main()
