"""Execution time of each notebook on the sample vault (target: all together under 60 s).

Runs every notebook of ``notebooks/`` headless with nbclient, one fresh kernel each, in a hermetic
HOME (so the sample vault and the matplotlib font cache are built once, first, and timed apart).
Baseline measured in the same run: a kernel that starts and runs one empty cell (median of 3
after a warm-up start). Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/notebooks.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def _hermetic(home: Path) -> None:
    os.environ["MYNA_HOME"] = str(home / "myna")
    os.environ["MYNA_VAULT"] = str(home / "vault")
    os.environ["MPLCONFIGDIR"] = str(home / "mpl")
    os.environ["JUPYTER_DATA_DIR"] = str(home / "jupyter-data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(home / "jupyter-runtime")
    os.environ["MPLBACKEND"] = "Agg"


def _execute(nb, path: Path) -> float:
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (median shown)")
    args = parser.parse_args()

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    with tempfile.TemporaryDirectory(prefix="myna-bench-nb-") as tmp:
        _hermetic(Path(tmp))
        sys.path.insert(0, str(ROOT))

        t0 = time.perf_counter()
        from mynalib import charts

        charts.setup()
        font_cache = time.perf_counter() - t0

        from mynalib.workbook import open_workbook

        t0 = time.perf_counter()
        open_workbook("sample").close()
        build = time.perf_counter() - t0

        empty = new_notebook(cells=[new_code_cell("pass")])
        _execute(empty, ROOT / "notebooks")  # warm-up: the first kernel start pays cold caches
        baseline = statistics.median(_execute(empty, ROOT / "notebooks") for _ in range(3))

        print(f"font cache + Japanese font set-up (once per HOME): {font_cache:6.2f} s")
        print(f"sample vault build (once per HOME, cached after):  {build:6.2f} s")
        print(f"baseline: kernel start + one empty cell:           {baseline:6.2f} s")
        print()
        print(f"{'notebook':28} {'seconds':>8} {'× baseline':>11}")
        total = 0.0
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            times = [
                _execute(nbformat.read(path, as_version=4), path.parent)
                for _ in range(max(1, args.repeat))
            ]
            t = statistics.median(times)
            total += t
            print(f"{path.stem:28} {t:8.2f} {t / baseline:11.2f}")
        print("-" * 49)
        print(f"{'all notebooks':28} {total:8.2f} {total / baseline:11.2f}")
        verdict = "within" if total < TARGET_SECONDS else "OVER"
        print(f"target: all together < {TARGET_SECONDS:.0f} s -> {verdict} target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
