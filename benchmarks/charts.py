"""Each chart of ``mynalib.charts`` on the sample vault's frames: cold and warm (target ≤ 0.5 s).

A chart's time is what a notebook cell showing it costs: the ``Figure`` built by the chart
function and drawn to PNG (the notebooks' formatter). For every chart, a new process in a new
HOME (the font cache and the sample vault built first, timed apart) measures:

- cold: the chart's first call in that process (the first figure of a kernel pays matplotlib's
  lazy imports and the font file's first load);
- warm: the median of the next ``--repeat`` calls in the same process.

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/charts.py [--repeat N] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5

#: the chart calls the notebooks make, on the sample household
CALLS = {
    "pension_timeline": "charts.pension_timeline(periods, birth=birth)",
    "pension_months": "charts.pension_months(pension.months_toward_full(periods, birth=birth))",
    "medical_monthly": 'charts.medical_monthly(expenses, by="person")',
    "medical_top_providers": "charts.medical_top_providers(expenses, n=10)",
    "medical_cumulative": "charts.medical_cumulative(expenses, threshold=100_000, year=year)",
    "drug_timeline": "charts.drug_timeline(focus, overlaps=overlaps)",
    "drug_counts": 'charts.drug_counts(dispensings, by="prescriber")',
    "checkup_trends": "charts.checkup_trends(results, sex={who: wb.sex(who)})",
    "deduction_bars": "charts.deduction_bars(wb.deduction_amounts(summary))",
    "furusato_gauge": "charts.furusato_gauge(*wb.furusato(summary), year=year)",
}

CHILD = """
import json, statistics, sys, time
T = time.perf_counter
t0 = T()
from mynalib import charts
charts.setup()
setup = T() - t0
from mynalib.analysis import drugs, pension
from mynalib.workbook import open_workbook
t0 = T()
wb = open_workbook("sample")
vault = T() - t0
year = wb.year(None)
who = wb.resolve_person(None, frame="pension_periods")
birth = wb.birth_date(who)
periods = wb.frame("pension_periods", person=who)
expenses = wb.frame("medical_expenses", year=year)
dispensings = wb.frame("dispensings")
overlaps = drugs.overlaps(dispensings)
focus = wb.frame("dispensings", person=drugs.focus_person(dispensings, overlaps))
who = wb.resolve_person(None, frame="checkups")
results = wb.frame("checkups", person=who)
summary = wb.tax_summary(wb.year(None, frame="deductions"), settings=wb.tax_settings(None))
call = sys.argv[1]
repeat = int(sys.argv[2])
times = []
for _ in range(repeat + 1):
    t0 = T()
    charts.to_png_bytes(eval(call))
    times.append(T() - t0)
print(json.dumps({"setup": setup, "vault": vault, "cold": times[0],
                  "warm": statistics.median(times[1:])}))
"""


def run(call: str, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="myna-bench-charts-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MYNA_", "MPL"))}
        env.update(HOME=home, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
        out = subprocess.run(
            [sys.executable, "-c", CHILD, call, str(repeat)],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
        return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm calls per chart (median)")
    parser.add_argument("--only", action="append", choices=sorted(CALLS), help="these charts")
    args = parser.parse_args()
    names = args.only or list(CALLS)
    print(f"{'chart':24}{'cold s':>8}{'warm s':>8}  target ≤ {TARGET_SECONDS} s")
    setups, vaults = [], []
    for name in names:
        r = run(CALLS[name], max(1, args.repeat))
        setups.append(r["setup"])
        vaults.append(r["vault"])
        ok = "✓" if max(r["cold"], r["warm"]) <= TARGET_SECONDS else "✗"
        print(f"{name:24}{r['cold']:8.3f}{r['warm']:8.3f}  {ok}")
    print()
    print(
        "once per new process: import + Japanese font set-up (font cache built in the new HOME) "
        f"{min(setups):.2f}–{max(setups):.2f} s; sample vault built in the new HOME "
        f"{min(vaults):.2f}–{max(vaults):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
