"""Benchmark: `fetch all` — as the README runs it, and for the whole household on loopback.

Part 1 (``--cli``, the default runs both): `myna fetch all` the way a newcomer runs it: ``myna
sandbox`` at its DEFAULT poll delay (1 s), a new HOME, ``myna login --virtual``, then each fetch a
new process of the CLI. Cold: the first `myna fetch all` of that HOME; warm: the next one (stores
nothing new, still asks the portal for everything). Baselines measured in the same run: the truly
sequential fetch, ``myna fetch all --sequential`` (one request at a time, each わたしの情報 item
requested and answered before the next, then the lists), cold in a second new HOME and warm; the
same command with ``--workers 1`` (the lists one after another, the items still polled together);
warm with ``--items-per-request 12`` (every item in one ``myinfo/request``);
and ``myna fetch --pending`` with nothing pending (the command's fixed cost: start, vault, session
refresh). Then, untimed, one more fetch of each kind with ``--traffic`` counts the requests by
endpoint. Target: ≤ 2.5 s, ≤ 85 requests.

Part 2 (``--household``):
Starts ``myna sandbox`` (uvicorn, a subprocess on a free 127.0.0.1 port, polling delays zero),
logs in once per household member with their software card, then fetches everything into a fresh
vault and prints: requests made, bytes, seconds, and whether any request was repeated (only
retries may repeat one, and each retry is printed with its reason). A second pass shows that
fetching again stores nothing. Baseline measured in the same run: the same number of bare
``GET /healthz`` round trips on the same connection, so the ratio shows the protocol's cost over
plain HTTP on this machine. Target: under 3 s for the household. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/fetch_all.py [--cli | --household] [--faults]
    # --faults: 5% HTTP 500s, seeded (part 2)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
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
from mynalib.demo import stop_process  # noqa: E402
from mynalib.portal.client import PortalClient  # noqa: E402
from mynalib.portal.protocol import ITEMS  # noqa: E402
from mynalib.samples.card import sample_card_profile  # noqa: E402
from mynalib.samples.household import HOUSEHOLD  # noqa: E402
from mynalib.secrets import Pin  # noqa: E402

TARGET_S = 3.0
CLI_TARGET_S = 2.5
CLI_MAX_REQUESTS = 85


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            return False
        time.sleep(0.05)


def cli() -> int:
    """`myna fetch all` as the README runs it, cold and warm, beside its baselines."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mynalib.cli", "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        if not _wait_for(url, proc):
            print("the sandbox did not start")
            return 1
        homes: dict[str, dict[str, str]] = {}
        results: dict[str, tuple[float, str]] = {}
        endpoints: dict[str, Counter[str]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            base = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}

            def home(name: str) -> dict[str, str]:
                path = Path(tmp) / name
                path.mkdir()
                return dict(
                    base,
                    HOME=str(path),
                    MYNA_HOME=str(path / ".myna"),
                    MYNA_VAULT_PASSPHRASE="benchmark-only",
                    MYNA_PORTAL=url,
                    PYTHONPATH=str(ROOT),
                )

            def myna(env: dict[str, str], *args: str, **extra: str) -> tuple[float, str]:
                t0 = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-m", "mynalib.cli", *args],
                    env={**env, **extra},
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=env["HOME"],
                )
                took = time.perf_counter() - t0
                if out.returncode != 0:
                    raise SystemExit(f"myna {' '.join(args)} failed: {out.stderr[-2000:]}")
                return took, out.stdout

            def by_endpoint(env: dict[str, str], *args: str) -> Counter[str]:
                """Requests by path of one more (untimed) fetch, from its --traffic log."""
                log_file = Path(env["HOME"]) / "traffic.log"
                myna(env, "--traffic", "--log-file", str(log_file), "fetch", *args)
                paths = re.findall(r"(?:GET|POST) (/\S+) -> \d+", log_file.read_text("utf-8"))
                log_file.unlink()
                return Counter(paths)

            homes["usual"] = home("usual")
            homes["sequential"] = home("sequential")
            login_s, _ = myna(homes["usual"], "login", "--virtual", MYNA_AUTH_PIN="1234")
            myna(homes["sequential"], "login", "--virtual", MYNA_AUTH_PIN="1234")
            usual = ("fetch", "all", "--no-progress")  # the README's command
            sequential = (*usual, "--sequential")
            results["cold"] = myna(homes["usual"], *usual)
            results["warm"] = myna(homes["usual"], *usual)
            results["seq cold"] = myna(homes["sequential"], *sequential)
            results["seq warm"] = myna(homes["sequential"], *sequential)
            results["workers 1"] = myna(homes["usual"], *usual, "--workers", "1")
            batched = ("--items-per-request", str(len(ITEMS)))
            results["batched"] = myna(homes["usual"], *usual, *batched)
            results["bare"] = myna(homes["usual"], "fetch", "--pending", "--no-progress")
            endpoints["usual"] = by_endpoint(homes["usual"], *usual[1:])
            endpoints["sequential"] = by_endpoint(homes["sequential"], *sequential[1:])
            endpoints["batched"] = by_endpoint(homes["usual"], *usual[1:], *batched)

        def count(out: str) -> str:
            found = re.search(r"(\d+) requests", out)
            return found.group(1) if found else "?"

        def stored(out: str) -> str:
            found = re.search(r"(\d+) new documents stored", out)
            return found.group(1) if found else "?"

        cold_s, cold_out = results["cold"]
        warm_s, warm_out = results["warm"]
        seq_cold_s, seq_cold_out = results["seq cold"]
        seq_warm_s, seq_warm_out = results["seq warm"]
        seq_s, seq_out = results["workers 1"]
        bare_s, _ = results["bare"]
        batched_s, batched_out = results["batched"]
        requests = count(cold_out)
        within = requests.isdigit() and int(requests) <= CLI_MAX_REQUESTS
        print(f"myna fetch all (CLI, new process, new HOME) against myna sandbox at {url}")
        print("  (the sandbox's default poll delay: 1 s, one pending answer per item)")
        print(f"  login --virtual (not timed below):  {login_s:.2f} s")
        print(
            f"  cold  fetch all:  {cold_s:.2f} s  {requests} requests, "
            f"{stored(cold_out)} new  target <= {CLI_TARGET_S} s: "
            f"{'OK' if cold_s <= CLI_TARGET_S else 'MISSED'}"
        )
        print(
            f"  warm  fetch all:  {warm_s:.2f} s  {count(warm_out)} requests, "
            f"{stored(warm_out)} new  target <= {CLI_TARGET_S} s: "
            f"{'OK' if warm_s <= CLI_TARGET_S else 'MISSED'}"
        )
        print(
            f"  requests: {requests}  target <= {CLI_MAX_REQUESTS}: {'OK' if within else 'MISSED'}"
        )
        print(
            "  baseline --sequential (one request at a time, one item after another; "
            "its own new HOME):"
        )
        print(
            f"    cold  fetch all --sequential:  {seq_cold_s:.2f} s  {count(seq_cold_out)} requests, "
            f"{stored(seq_cold_out)} new -> cold/sequential {cold_s / seq_cold_s:.2f}"
        )
        print(
            f"    warm  fetch all --sequential:  {seq_warm_s:.2f} s  {count(seq_warm_out)} requests, "
            f"{stored(seq_warm_out)} new -> warm/sequential {warm_s / seq_warm_s:.2f}"
        )
        same = stored(cold_out) == stored(seq_cold_out) and stored(warm_out) == stored(seq_warm_out)
        print(f"    same documents stored (new, then none): {'yes' if same else 'NO'}")
        print(
            f"  baseline --workers 1 (lists one after another): {seq_s:.2f} s  "
            f"{count(seq_out)} requests -> cold/seq {cold_s / seq_s:.2f}, warm/seq {warm_s / seq_s:.2f}"
        )
        print(
            f"  warm  fetch all --items-per-request {len(ITEMS)} (every item in one request): "
            f"{batched_s:.2f} s  {count(batched_out)} requests, {stored(batched_out)} new "
            f"-> /warm {batched_s / warm_s:.2f}"
        )
        print(
            f"  baseline fetch --pending, nothing pending (start, vault, refresh): {bare_s:.2f} s "
            f"-> cold/bare {cold_s / bare_s:.2f}, warm/bare {warm_s / bare_s:.2f}"
        )
        modes = ("usual", "sequential", "batched")
        print(f"  requests by endpoint (one more fetch each, --traffic): {'  '.join(modes)}")
        paths = sorted(
            {p for m in modes for p in endpoints[m]}, key=lambda p: (-endpoints["usual"][p], p)
        )
        for path in [*paths, "total"]:
            row = [
                sum(endpoints[m].values()) if path == "total" else endpoints[m][path] for m in modes
            ]
            print(
                f"    {path:<34} "
                + "  ".join(f"{n:>{len(m)}}" for n, m in zip(row, modes, strict=True))
            )
        return 0
    finally:
        stop_process(proc)  # our own subprocess, by PID


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", action="store_true", help="inject 5%% HTTP 500s (seeded)")
    parser.add_argument("--cli", action="store_true", help="only part 1 (the CLI, cold and warm)")
    parser.add_argument("--household", action="store_true", help="only part 2 (the household)")
    args = parser.parse_args()
    if not args.household:
        rc = cli()
        if rc or args.cli:
            return rc
        print()

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
        stop_process(proc)  # our own subprocess, by PID


if __name__ == "__main__":
    raise SystemExit(main())
