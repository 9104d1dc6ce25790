"""Benchmark: the card login sequence, in-process and through pyscard + pcscd + vpcd.

The login sequence (what a portal login does on the card): SELECT the JPKI applet (with the
token-label check), read the authentication certificate, read the PIN counter, VERIFY, sign
(SHA-256, PKCS#1 v1.5 with the authentication key). Each run uses a new session (no cache).

Prints, for both paths: APDUs per login and the median / p90 time, and the ratio between the two
(the in-process software card is the baseline measured in the same run). Also the RSA signature
alone, and (``--no-quickack-too``) the same login through pcscd without TCP_QUICKACK on the
bridge's socket to show what it saves. Targets: at most 12 APDUs; through pcscd at most 30 ms.
Figures are printed, never asserted.

pcscd is started here as a child (``pcscd --foreground``) and stopped by its PID; if a pcscd not
started by this script is running, the PC/SC part is skipped (it is never touched).

    .venv/bin/python benchmarks/card_login.py [--runs 50] [--no-quickack-too]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from mynalib.card import JpkiCard, open_card  # noqa: E402
from mynalib.card.virtual import CardProfile, InProcessTransport, VirtualCard  # noqa: E402
from mynalib.card.virtual.vpcd import VpcdBridge  # noqa: E402
from mynalib.secrets import Pin  # noqa: E402

VPCD_PORT = 35963


def login(card: JpkiCard) -> int:
    """The login sequence; returns the number of APDUs it took."""
    card.select_jpki()
    card.read_auth_certificate()
    tries = card.auth_tries_left()
    assert tries == 3, tries
    signature = card.sign_auth(b"portal-login-nonce", Pin("1234"))
    assert len(signature) == 256
    return card.apdu_count


def measure(open_session: Callable[[], JpkiCard], runs: int) -> tuple[list[float], int]:
    times: list[float] = []
    apdus = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        with open_session() as card:
            apdus = login(card)
        times.append(time.perf_counter() - t0)
    return times, apdus


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.9) - 1] * 1000


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def _running_pcscd() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, text=True, check=False)
    return [int(x) for x in out.stdout.split()]


def start_pcscd(log_dir: Path) -> subprocess.Popen[bytes] | None:
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not Path(binary).exists():
        print("PC/SC: pcscd is not installed — skipped")
        return None
    if not Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists():
        print("PC/SC: the vpcd driver (vsmartcard-vpcd) is not installed — skipped")
        return None
    running = _running_pcscd()
    if running:
        print(f"PC/SC: a pcscd not started here is running (PID {running}) — not touched, skipped")
        return None
    with open(log_dir / "pcscd.log", "ab") as log:
        proc = subprocess.Popen(
            [binary, "--foreground", "--error"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 10
    while not _port_open(VPCD_PORT):
        if proc.poll() is not None or time.monotonic() > deadline:
            print("PC/SC: pcscd did not start — skipped")
            stop_pcscd(proc)
            return None
        time.sleep(0.05)
    return proc


def stop_pcscd(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_reader(present: bool) -> str:
    from mynalib.card.pcsc import reader_states

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for state in reader_states():
            if state.name.endswith("00 00") and state.card_present == present:
                return state.name
        time.sleep(0.05)
    raise TimeoutError("the vpcd reader did not reach the expected state")


def pcsc_run(profile: CardProfile, runs: int, quickack: bool) -> tuple[list[float], int]:
    card = VirtualCard(profile)
    bridge = VpcdBridge(card, port=VPCD_PORT, quickack=quickack).start()
    try:
        reader = wait_reader(True)
        measure(lambda: open_card(reader), 2)  # warm-up
        return measure(lambda: open_card(reader), runs)
    finally:
        bridge.stop()
        wait_reader(False)
        time.sleep(0.5)  # let pcscd see the reader empty before the next card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--no-quickack-too",
        action="store_true",
        help="also measure through pcscd without TCP_QUICKACK (slow: ~44 ms per APDU)",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    profile = CardProfile.generate("benchmark")
    print(f"profile generated in {time.perf_counter() - t0:.2f} s (deterministic RSA keys)")

    key = profile.auth_key
    rsa_times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        key.sign(b"x", padding.PKCS1v15(), hashes.SHA256())
        rsa_times.append(time.perf_counter() - t)
    rsa_med, _ = summary(rsa_times)

    base_times, base_apdus = measure(
        lambda: JpkiCard(InProcessTransport(VirtualCard(profile))), args.runs
    )
    base_med, base_p90 = summary(base_times)
    print(f"RSA-2048 signature alone:        median {rsa_med:7.3f} ms")
    print(
        f"in-process login (baseline):     {base_apdus} APDUs, median {base_med:7.3f} ms, "
        f"p90 {base_p90:7.3f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        proc = start_pcscd(Path(tmp))
        if proc is None:
            return
        try:
            times, apdus = pcsc_run(profile, args.runs, quickack=True)
            med, p90 = summary(times)
            print(
                f"pyscard + pcscd + vpcd login:    {apdus} APDUs, median {med:7.3f} ms, "
                f"p90 {p90:7.3f} ms, {(med - rsa_med) / apdus:.3f} ms per APDU beyond the RSA"
            )
            print(f"ratio pcscd / in-process:        {med / base_med:.1f}x")
            print(
                f"targets: <= 12 APDUs: {'met' if apdus <= 12 else 'MISSED'} ({apdus}); "
                f"<= 30 ms through pcscd: {'met' if med <= 30 else 'MISSED'} ({med:.1f} ms)"
            )
            if args.no_quickack_too:
                slow, apdus = pcsc_run(profile, max(3, args.runs // 10), quickack=False)
                smed, _ = summary(slow)
                print(
                    f"without TCP_QUICKACK:            {apdus} APDUs, median {smed:7.1f} ms "
                    f"({smed / med:.0f}x slower)"
                )
        finally:
            stop_pcscd(proc)


if __name__ == "__main__":
    main()
