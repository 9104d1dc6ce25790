"""Dashboard timings in headless Chromium (Playwright + Debian's chromium), against a bare Voila.

Measured in one run, the servers one after the other (never side by side):

- the dashboards the README's way: ``myna demo --no-browser`` in a new process with a new HOME
  (the sample vault, card and Jupyter folders built from nothing), the URLs read from what it
  prints;
- the baseline: a bare Voila of the same environment (no mynalib template, no mynalib config,
  a new HOME) serving a notebook that shows one widget, and one whose Dropdown rewrites an
  HTML widget (the round trip of a filter change).

Figures:

- first render, from navigation to the widgets on the page: cold (the first visit after the
  server started) and warm (the median of the next ``--runs`` visits); target: the slowest
  dashboard ≤ 1.5 × the one-widget notebook (cold against cold, warm against warm);
- filter changes on 手続の検索 (分野 Dropdown, キーワード Text → the list shows the new count),
  target ≤ 300 ms, beside the baseline round trip.

Run: ``.venv/bin/python benchmarks/dashboards.py [--runs N]``. Servers are stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mynalib import procedures as P  # noqa: E402
from mynalib.demo import free_port, stop_process, wait_for_port  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RATIO_TARGET = 1.5
LATENCY_TARGET = 0.3

READY = {
    "overview": ".myna-tries-left",
    "procedures": ".myna-results",
    "notices": ".myna-notice-list",
}

ONE_WIDGET = """import ipywidgets as w
label = w.Label("ok")
label.add_class("bench-ready")
label"""

ROUND_TRIP = """import ipywidgets as w
d = w.Dropdown(description="分野", options=["a", "b", "c"], value="a")
out = w.HTML("a")
out.add_class("bench-out")
d.observe(lambda c: setattr(out, "value", c["new"]), names="value")
w.VBox([d, out])"""


def _notebook(source: str) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "bench",
                    "metadata": {},
                    "outputs": [],
                    "source": source.splitlines(keepends=True),
                }
            ],
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def _newcomer_env(home: Path) -> dict[str, str]:
    """Only HOME says where things go (no MYNA_*, MPL*, JUPYTER_* from this shell)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MYNA_", "MPL", "JUPYTER_", "IPYTHON", "XDG_"))
    }
    env["HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


# ------------------------------------------------------------------------------ servers
@contextmanager
def bare_voila(home: Path) -> Iterator[tuple[str, float]]:
    """A bare Voila (default template, token in a config file) on the baseline notebooks."""
    folder = home / "baseline"
    folder.mkdir(parents=True)
    (folder / "one_widget.ipynb").write_text(_notebook(ONE_WIDGET), encoding="utf-8")
    (folder / "round_trip.ipynb").write_text(_notebook(ROUND_TRIP), encoding="utf-8")
    token = secrets.token_urlsafe(16)
    config = home / "voila-config"
    config.mkdir()
    (config / "voila.json").write_text(json.dumps({"Voila": {"token": token}}), encoding="utf-8")
    env = _newcomer_env(home)
    env["JUPYTER_CONFIG_DIR"] = str(config)
    port = free_port()
    start = time.perf_counter()
    with open(home / "voila.log", "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                str(folder),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            env=env,
            start_new_session=True,
        )
    try:
        wait_for_port(port, timeout=120, proc=proc)
        yield (
            f"http://127.0.0.1:{port}/voila/render/{{}}.ipynb?token={token}",
            (time.perf_counter() - start),
        )
    finally:
        stop_process(proc)


URL = re.compile(r"(http://127\.0\.0\.1:\d+/voila/render/(\w+)\.ipynb\?token=[\w\-]+)")


@contextmanager
def myna_demo(home: Path) -> Iterator[tuple[dict[str, str], float]]:
    """``myna demo --no-browser`` as a newcomer runs it; yields its dashboard URLs."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mynalib.cli", "demo", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=home,
        env=_newcomer_env(home),
        text=True,
        start_new_session=True,
    )
    urls: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:  # keep draining its output, or it blocks on a full pipe
        assert proc.stdout is not None
        for line in proc.stdout:
            for url, name in URL.findall(line):
                urls[name] = url
            if "Ctrl-C" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(300) or proc.poll() is not None or set(urls) < set(READY):
            raise SystemExit(f"myna demo did not start (URLs seen: {sorted(urls)})")
        yield urls, time.perf_counter() - start
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                stop_process(proc)


# ------------------------------------------------------------------------------ browser
def _route(route: Any) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def first_render(browser: Any, url: str, ready: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _route)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.locator(ready).first.wait_for(timeout=120_000)
        return time.perf_counter() - start
    finally:
        context.close()


def _option_count(page: Any, n: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.myna-results select option').length === n",
        arg=n,
        timeout=30_000,
    )


def filter_latencies(browser: Any, url: str, runs: int) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _route)
    page = context.new_page()
    out: dict[str, list[float]] = {"category": [], "keyword": []}
    try:
        page.goto(url, wait_until="commit")
        page.locator(".myna-results").wait_for(timeout=120_000)
        categories = [c for c in P.CATEGORIES if P.search(category=c)]
        select = page.get_by_label("分野")
        for i in range(runs):
            category = categories[i % len(categories)]
            expected = len(P.search(category=category))
            if i and expected == len(P.search(category=categories[(i - 1) % len(categories)])):
                select.select_option(label="すべて")  # so that the wait sees a new list
                _option_count(page, len(P.CATALOGUE))
            start = time.perf_counter()
            select.select_option(label=category)
            _option_count(page, expected)
            out["category"].append(time.perf_counter() - start)
        select.select_option(label="すべて")
        _option_count(page, len(P.CATALOGUE))
        box = page.get_by_label("キーワード")
        words = ["児童手当", "国民健康保険", "介護", "年金"]
        for i in range(runs):
            word = words[i % len(words)]
            expected = len(P.search(word))
            start = time.perf_counter()
            box.fill(word)
            _option_count(page, expected)
            out["keyword"].append(time.perf_counter() - start)
            box.fill("")
            _option_count(page, len(P.CATALOGUE))
    finally:
        context.close()
    return out


def round_trips(browser: Any, url: str, runs: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _route)
    page = context.new_page()
    out = []
    try:
        page.goto(url, wait_until="commit")
        page.locator(".bench-out").wait_for(timeout=120_000)
        drop = page.get_by_label("分野")
        values = ["b", "c", "a"]
        for i in range(runs):
            value = values[i % 3]
            start = time.perf_counter()
            drop.select_option(label=value)
            page.wait_for_function(
                "v => document.querySelector('.bench-out').innerText.trim() === v",
                arg=value,
                timeout=30_000,
            )
            out.append(time.perf_counter() - start)
    finally:
        context.close()
    return out


def _renders(browser: Any, urls: dict[str, str], ready: dict[str, str], runs: int) -> dict:
    cold = {name: first_render(browser, urls[name], sel) for name, sel in ready.items()}
    warm: dict[str, list[float]] = {name: [] for name in ready}
    for _ in range(runs):
        for name, sel in ready.items():
            warm[name].append(first_render(browser, urls[name], sel))
    return {"cold": cold, "warm": {k: statistics.median(v) for k, v in warm.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm visits per page (median)")
    opts = parser.parse_args()
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        raise SystemExit("Debian's chromium is not installed")
    runs = max(1, opts.runs)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        with tempfile.TemporaryDirectory(prefix="myna-bench-bare-") as tmp:
            with bare_voila(Path(tmp)) as (pattern, bare_listen):
                time.sleep(1.0)  # what the demo's pool gets too: Voila settles after listening
                base = _renders(
                    browser,
                    {"one_widget": pattern.format("one_widget")},
                    {"one_widget": ".bench-ready"},
                    runs,
                )
                base_lat = round_trips(browser, pattern.format("round_trip"), max(runs * 2, 10))
        with tempfile.TemporaryDirectory(prefix="myna-bench-demo-") as tmp:
            with myna_demo(Path(tmp)) as (urls, demo_start):
                dash = _renders(browser, urls, READY, runs)
                lat = filter_latencies(browser, urls["procedures"], max(runs * 2, 10))
        browser.close()

    print(
        f"bare Voila listening after {bare_listen:.1f} s; `myna demo` (new HOME: sample vault, "
        f"card, sandbox, Voila) printing its URLs after {demo_start:.1f} s"
    )
    print()
    print("first render (navigation → widgets on the page), seconds")
    print(f"{'page':<24}{'cold':>7}{'warm':>7}{'× base cold':>13}{'× base warm':>13}")
    bc, bw = base["cold"]["one_widget"], base["warm"]["one_widget"]
    print(f"{'one widget, bare Voila':<24}{bc:>7.2f}{bw:>7.2f}{1:>13.2f}{1:>13.2f}")
    for name in READY:
        c, w = dash["cold"][name], dash["warm"][name]
        print(f"{name:<24}{c:>7.2f}{w:>7.2f}{c / bc:>13.2f}{w / bw:>13.2f}")
    worst_c = max(dash["cold"].values()) / bc
    worst_w = max(dash["warm"].values()) / bw
    verdict = "✓" if max(worst_c, worst_w) <= RATIO_TARGET else "✗"
    print(
        f"slowest dashboard: {worst_c:.2f}× cold, {worst_w:.2f}× warm "
        f"(target ≤ {RATIO_TARGET}×) {verdict}"
    )
    print()
    print("interaction latency (change → list updated in the browser), milliseconds")
    print(f"{'change':<24}{'median':>8}{'p90':>8}{'max':>8}{'× base':>9}  target")
    base_med = statistics.median(base_lat)
    for label, values, target in (
        ("分野 (Dropdown)", lat["category"], True),
        ("キーワード (Text)", lat["keyword"], True),
        ("round trip, bare Voila", base_lat, False),
    ):
        values = sorted(values)
        med = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        ok = "" if not target else ("≤ 300 ms ✓" if med <= LATENCY_TARGET else "✗")
        print(
            f"{label:<24}{med * 1000:>8.0f}{p90 * 1000:>8.0f}{max(values) * 1000:>8.0f}"
            f"{med / base_med:>9.2f}  {ok}"
        )


if __name__ == "__main__":
    main()
