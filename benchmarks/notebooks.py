"""Each notebook's own cost over an empty notebook, run the same way (target ≤ 5 s each).

The way a person runs a notebook headless: ``jupyter nbconvert --to notebook --execute``, a new
process every time. Measured per notebook of ``notebooks/``, beside a baseline measured in the
same run:

- cold: a new HOME (no matplotlib font cache, no sample vault, no Jupyter or IPython folders:
  a newcomer's first run) and a new process;
- warm: the same command again in that HOME (caches built, the sample vault reused);
- baseline: an empty notebook (one ``pass`` cell) run the same way, cold and warm: the price of
  nbconvert, Jupyter's start-up and a kernel, paid by any notebook.

"own cost" is the notebook minus the baseline, cold against cold and warm against warm. Prints
figures (medians of ``--repeat`` runs); asserts nothing.

    .venv/bin/python benchmarks/notebooks.py [--repeat N] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TARGET_OWN_SECONDS = 5.0

EMPTY = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "empty",
            "metadata": {},
            "outputs": [],
            "source": ["pass"],
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _jupyter() -> list[str]:
    """``jupyter`` of this environment (the venv's, beside this interpreter)."""
    exe = Path(sys.executable).with_name("jupyter")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jupyter"]


def _env(home: Path) -> dict[str, str]:
    """A newcomer's environment: only HOME says where things go (no MYNA_*, MPL*, JUPYTER_*)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MYNA_", "MPL", "JUPYTER_", "IPYTHON"))
    }
    env["HOME"] = str(home)
    env.pop("XDG_CACHE_HOME", None)
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_DATA_HOME", None)
    env.pop("XDG_STATE_HOME", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def execute(notebook: Path, home: Path) -> float:
    """Wall time of ``jupyter nbconvert --to notebook --execute`` of ``notebook`` in ``home``."""
    out = home / "out"
    cmd = [
        *_jupyter(),
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        str(notebook),
        "--output-dir",
        str(out),
    ]
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        env=_env(home),
        cwd=notebook.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{notebook.name} failed:\n{done.stderr[-3000:]}")
    return took


def cold_and_warm(notebook: Path, repeat: int) -> tuple[float, float]:
    colds, warms = [], []
    for _ in range(repeat):
        home = Path(tempfile.mkdtemp(prefix="myna-bench-nb-"))
        try:
            colds.append(execute(notebook, home))
            warms.append(execute(notebook, home))
        finally:
            shutil.rmtree(home, ignore_errors=True)
    return statistics.median(colds), statistics.median(warms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (median shown)")
    parser.add_argument("--only", action="append", help="these notebooks (name without .ipynb)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.stem in args.only]

    with tempfile.TemporaryDirectory(prefix="myna-bench-empty-") as tmp:
        empty = Path(tmp) / "empty.ipynb"
        empty.write_text(json.dumps(EMPTY), encoding="utf-8")
        rows = []
        # baseline twice first and twice last, in the same run: the machine's load drifts
        base_runs = [cold_and_warm(empty, repeat) for _ in range(2)]
        for path in paths:
            rows.append((path.stem, *cold_and_warm(path, repeat)))
        base_runs += [cold_and_warm(empty, repeat) for _ in range(2)]
    base_cold = statistics.median(c for c, _ in base_runs)
    base_warm = statistics.median(w for _, w in base_runs)

    print("jupyter nbconvert --to notebook --execute, a new process each run; seconds")
    print(
        f"baseline, an empty notebook: cold {base_cold:.2f}, warm {base_warm:.2f} (median of "
        f"{len(base_runs)}; cold {min(c for c, _ in base_runs):.2f}–"
        f"{max(c for c, _ in base_runs):.2f})"
    )
    print()
    header = f"{'notebook':22}{'cold':>7}{'warm':>7}{'own cold':>10}{'own warm':>10}"
    print(header + f"{'× empty':>9}  target: own ≤ {TARGET_OWN_SECONDS:.0f} s")
    for name, cold, warm in rows:
        own_cold, own_warm = cold - base_cold, warm - base_warm
        ok = "✓" if max(own_cold, own_warm) <= TARGET_OWN_SECONDS else "✗"
        print(
            f"{name:22}{cold:7.2f}{warm:7.2f}{own_cold:10.2f}{own_warm:10.2f}"
            f"{cold / base_cold:9.2f}  {ok}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
