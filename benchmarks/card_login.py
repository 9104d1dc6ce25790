"""Benchmark: the card login sequence, in-process and through pyscard + pcscd + vpcd.

The login sequence (what a portal login does on the card): SELECT the JPKI applet (with the
token-label check), read the authentication certificate, read the PIN counter, VERIFY, sign
(SHA-256, PKCS#1 v1.5 with the authentication key). Each run uses a new session (no cache).

Prints, for both paths: APDUs per login and the median / p90 time, and the ratio between the two
(the in-process software card is the baseline measured in the same run). Also the RSA signature
alone, and (``--no-quickack-too``) the same login through pcscd without TCP_QUICKACK on the
bridge's socket to show what it saves; how long pcscd takes until it lists the vpcd reader and
the card takes to appear in it. Targets: at most 12 APDUs; through pcscd at most 30 ms.
Figures are printed, never asserted.

pcscd is started here as a child (``pcscd --foreground``, ``tests/pcscd.py``), in its turn with
the tests through their lock file, and stopped by its PID; if a pcscd not started by this script
is running, the PC/SC part is skipped (it is never touched).

    .venv/bin/python benchmarks/card_login.py [--runs 50] [--no-quickack-too]
"""

from __future__ import annotations

import argparse
import statistics
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
from tests import pcscd  # noqa: E402


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


def pcsc_run(profile: CardProfile, runs: int, quickack: bool) -> tuple[list[float], int, float]:
    """Login times and APDUs through pcscd, and the seconds until the card was in the reader."""
    card = VirtualCard(profile)
    t0 = time.perf_counter()
    bridge = VpcdBridge(card, port=pcscd.VPCD_PORT, quickack=quickack).start()
    try:
        reader = pcscd.wait_for_reader(True, timeout=10)
        appeared = time.perf_counter() - t0
        measure(lambda: open_card(reader), 2)  # warm-up
        return (*measure(lambda: open_card(reader), runs), appeared)
    finally:
        bridge.stop()
        pcscd.wait_for_reader(False, timeout=10)
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

    reason = pcscd.missing_reason()
    if reason:
        print(f"PC/SC: {reason} — skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with pcscd.turn():
                t0 = time.perf_counter()
                with pcscd.pcscd(Path(tmp) / "pcscd.log"):
                    print(
                        f"pcscd started, its vpcd reader listed: {time.perf_counter() - t0:.3f} s"
                    )
                    pcsc_part(profile, args.runs, args.no_quickack_too, rsa_med, base_med)
        except (pcscd.ForeignPcscd, pcscd.PcscdExited, TimeoutError) as exc:  # TurnTimeout too
            print(f"PC/SC: {exc} — skipped")


def pcsc_part(
    profile: CardProfile, runs: int, no_quickack_too: bool, rsa_med: float, base_med: float
) -> None:
    times, apdus, appeared = pcsc_run(profile, runs, quickack=True)
    print(f"the card in the reader after the bridge started: {appeared:.3f} s")
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
    if no_quickack_too:
        slow, apdus, _ = pcsc_run(profile, max(3, runs // 10), quickack=False)
        smed, _ = summary(slow)
        print(
            f"without TCP_QUICKACK:            {apdus} APDUs, median {smed:7.1f} ms "
            f"({smed / med:.0f}x slower)"
        )


if __name__ == "__main__":
    main()
