"""Dashboard timings in headless Chromium (Playwright + Debian's chromium). Prints figures.

- first render of each dashboard, including the kernel start: from navigation to the widgets
  on the page (target < 4 s on the reference machine);
- the latency of a filter change on 手続の検索 (select a category → the list shows the new count;
  target < 300 ms), and of a keyword change;
- baselines measured in the same run on the same server: a notebook that shows one Label
  (first render), and a Dropdown whose observer rewrites one HTML widget (round trip).

Run: ``.venv/bin/python benchmarks/dashboards.py [--runs N]``. It builds a throw-away sample vault,
starts Voila on 127.0.0.1 with a token, and stops it when done.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from mynalib import demo
from mynalib import procedures as P

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

BASELINE_SOURCE = """import ipywidgets as w
d = w.Dropdown(description="分野", options=["a", "b", "c"], value="a")
out = w.HTML("a")
out.add_class("bench-out")
d.observe(lambda c: setattr(out, "value", c["new"]), names="value")
box = w.VBox([w.Label("ok"), d, out])
box.add_class("myna-app")
box"""


def _baseline_notebook(folder: Path) -> None:
    nb = json.loads(demo.notebook_json("overview"))
    nb["cells"][0]["source"] = BASELINE_SOURCE.splitlines(keepends=True)
    nb["metadata"]["title"] = "baseline"
    (folder / "baseline.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _route(route: Any) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def first_render(browser: Any, servers: demo.Servers, name: str, ready: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _route)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(servers.url(name), wait_until="commit")
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


def filter_latencies(browser: Any, servers: demo.Servers, runs: int) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", _route)
    page = context.new_page()
    out: dict[str, list[float]] = {"category": [], "keyword": [], "baseline": []}
    try:
        page.goto(servers.url("procedures"), wait_until="commit")
        page.locator(".myna-results").wait_for(timeout=120_000)
        categories = [c for c in P.CATEGORIES if P.search(category=c)]
        select = page.get_by_label("分野")
        for i in range(runs):
            category = categories[i % len(categories)]
            expected = len(P.search(category=category))
            if i and expected == len(P.search(category=categories[(i - 1) % len(categories)])):
                # make sure the count changes, so the wait sees the new list
                select.select_option(label="すべて")
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
        page.goto(servers.url("baseline"), wait_until="commit")
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
            out["baseline"].append(time.perf_counter() - start)
    finally:
        context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="repetitions per measurement")
    opts = parser.parse_args()
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        raise SystemExit("Debian's chromium is not installed")
    work = Path(tempfile.mkdtemp(prefix="myna-bench-dash-"))
    try:
        t0 = time.perf_counter()
        with demo.demo_environment(work) as env:
            built = time.perf_counter() - t0
            notebooks = work / "dashboards"
            demo.write_dashboards(notebooks)
            _baseline_notebook(notebooks)
            t1 = time.perf_counter()
            servers = demo.start_servers(work, env_extra=env, notebooks=notebooks)
            listening = time.perf_counter() - t1
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
                    ready = {
                        "baseline": ".bench-out",
                        "overview": ".myna-tries-left",
                        "procedures": ".myna-results",
                        "notices": ".myna-notice-list",
                    }
                    renders: dict[str, list[float]] = {k: [] for k in ready}
                    for _ in range(opts.runs):
                        for name, selector in ready.items():
                            renders[name].append(first_render(browser, servers, name, selector))
                    lat = filter_latencies(browser, servers, max(opts.runs * 2, 10))
                    browser.close()
            finally:
                servers.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"sample vault + card built in {built:.1f} s; sandbox + Voila listening after {listening:.1f} s"
    )
    print()
    print("first render (navigation → widgets on the page, kernel start included), seconds")
    print(f"{'dashboard':<12}{'median':>8}{'min':>8}{'max':>8}{'× baseline':>12}{'target':>9}")
    base = statistics.median(renders["baseline"])
    for name, values in renders.items():
        med = statistics.median(values)
        ok = "" if name == "baseline" else ("< 4 s ✓" if med < 4 else "< 4 s ✗")
        print(
            f"{name:<12}{med:>8.2f}{min(values):>8.2f}{max(values):>8.2f}{med / base:>12.2f}{ok:>9}"
        )
    print()
    print("interaction latency (change → list updated in the browser), milliseconds")
    print(f"{'change':<22}{'median':>8}{'p90':>8}{'max':>8}{'× baseline':>12}{'target':>11}")
    base_lat = statistics.median(lat["baseline"])
    for name, label in (
        ("category", "分野 (Dropdown)"),
        ("keyword", "キーワード (Text)"),
        ("baseline", "baseline round trip"),
    ):
        values = sorted(lat[name])
        med = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        ok = "" if name == "baseline" else ("< 300 ms ✓" if med < 0.3 else "< 300 ms ✗")
        print(
            f"{label:<22}{med * 1000:>8.0f}{p90 * 1000:>8.0f}{max(values) * 1000:>8.0f}"
            f"{med / base_lat:>12.2f}{ok:>11}"
        )


if __name__ == "__main__":
    main()
