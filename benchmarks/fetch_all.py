"""Benchmark: `fetch all` for the whole sample household against the sandbox on loopback.

Starts ``myna sandbox`` (uvicorn, a subprocess on a free 127.0.0.1 port, polling delays zero),
logs in once per household member with their software card, then fetches everything into a fresh
vault and prints: requests made, bytes, seconds, and whether any request was repeated (only
retries may repeat one, and each retry is printed with its reason). A second pass shows that
fetching again stores nothing. Baseline measured in the same run: the same number of bare
``GET /healthz`` round trips on the same connection, so the ratio shows the protocol's cost over
plain HTTP on this machine. Target: under 3 s for the household. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/fetch_all.py [--faults]     # --faults: 5% HTTP 500s, seeded
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mynalib.card import open_card  # noqa: E402
from mynalib.portal.client import PortalClient  # noqa: E402
from mynalib.samples.card import sample_card_profile  # noqa: E402
from mynalib.samples.household import HOUSEHOLD  # noqa: E402
from mynalib.secrets import Pin  # noqa: E402

TARGET_S = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", action="store_true", help="inject 5%% HTTP 500s (seeded)")
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "mynalib.cli",
        "sandbox",
        "--port",
        str(port),
        "--poll-delay",
        "0",
        "--pending-polls",
        "0",
    ]
    if args.faults:
        cmd += ["--error-rate", "0.05", "--seed", "7"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("the sandbox did not start")
                return 1
            time.sleep(0.1)

        from mynalib.vault import open_vault

        with tempfile.TemporaryDirectory() as tmp:
            os.environ.setdefault("MYNA_VAULT_PASSPHRASE", "benchmark-only")
            vault = open_vault(Path(tmp) / "vault")
            clients: list[tuple[str, PortalClient]] = []
            t0 = time.perf_counter()
            for person in HOUSEHOLD:
                client = PortalClient(url)
                seen: list[tuple[str, str, str]] = []

                def record(request: httpx.Request, seen: list[tuple[str, str, str]] = seen) -> None:
                    body = hashlib.sha256(request.content or b"").hexdigest()[:16]
                    seen.append((request.method, request.url.path, body))

                client.http.event_hooks["request"].append(record)
                profile = sample_card_profile(person.id)
                with open_card("virtual", profile) as card:
                    client.login(card, Pin("1234"))
                clients.append((person.id, client))
                client._seen = seen  # type: ignore[attr-defined]
            login_s = time.perf_counter() - t0
            for _, client in clients:
                client._seen.clear()  # type: ignore[attr-defined]
                client.stats.__init__()  # type: ignore[misc]  # count the fetch only

            t0 = time.perf_counter()
            reports = []
            for pid, client in clients:
                reports.append((pid, client.fetch(["all"], store=vault.put)))
            fetch_s = time.perf_counter() - t0

            requests = sum(c.stats.requests for _, c in clients)
            sent = sum(c.stats.bytes_sent for _, c in clients)
            received = sum(c.stats.bytes_received for _, c in clients)
            retries = [f"{pid}: {r}" for pid, c in clients for r in c.stats.retries]
            repeated = []
            for pid, c in clients:
                counts = Counter(c._seen)  # type: ignore[attr-defined]
                repeated += [f"{pid}: {m} {p} x{n}" for (m, p, _), n in counts.items() if n > 1]
            stored = sum(r.stored for _, r in reports)

            t0 = time.perf_counter()
            again = sum(c.fetch(["all"], store=vault.put).stored for _, c in clients)
            again_s = time.perf_counter() - t0

            with httpx.Client(base_url=url) as bare:
                t0 = time.perf_counter()
                for _ in range(requests):
                    bare.get("/healthz")
                baseline_s = time.perf_counter() - t0
            vault.close()
            for _, c in clients:
                c.close()

        print(
            f"fetch all, whole household ({len(clients)} members) against {url} (loopback, polling delays 0)"
        )
        print(
            f"  login (4 card logins, incl. the sandbox's first certificate checks): {login_s:.2f} s"
        )
        print(
            f"  fetch all:   {fetch_s:.3f} s   target < {TARGET_S:.0f} s: {'OK' if fetch_s < TARGET_S else 'MISSED'}"
        )
        print(f"  requests:    {requests}   ({requests / len(clients):.1f} per member)")
        print(f"  bytes:       {sent} sent, {received} received")
        print(f"  documents:   {stored} stored; fetching again stored {again} ({again_s:.3f} s)")
        print(
            f"  baseline:    {requests} bare GET /healthz on one connection: {baseline_s:.3f} s "
            f"-> fetch/baseline ratio {fetch_s / baseline_s:.2f}"
        )
        print(f"  retries:     {len(retries)}")
        for line in retries:
            print(f"    {line}")
        if repeated:
            print(f"  repeated requests ({len(repeated)}), each explained by a retry above:")
            for line in repeated:
                print(f"    {line}")
        else:
            print("  repeated requests: none (every request was made once)")
        unexplained = len(repeated) > len(retries)
        if unexplained:
            print("  WARNING: more repeated requests than retries")
        return 0
    finally:
        proc.terminate()  # our own subprocess, by PID
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
